package io.tessera.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A region whose tensors are released together when it closes, so a training step does not
 * churn the garbage collector: the backend recycles their storage for the next step.
 * Scopes nest; a tensor belongs to the innermost scope open when it was allocated. Reading a
 * released tensor throws. Open one per step with {@link ExecutionContext#openScope()}.
 */
public final class Scope implements AutoCloseable {
    private final ExecutionContext ctx;
    private final List<Tensor> owned = new ArrayList<>();
    private boolean closed;

    Scope(ExecutionContext ctx) {
        this.ctx = ctx;
    }

    void adopt(Tensor t) {
        owned.add(t);
        t.scoped(true);
    }

    /**
     * Moves {@code t} out of this scope so it survives the close (into the enclosing scope, if
     * any). For a view (a reshape) the tensor that owns its storage moves.
     */
    public Tensor keep(Tensor t) {
        for (int i = owned.size() - 1; i >= 0; i--) {
            Tensor o = owned.get(i);
            if (o == t || (!t.isReleased() && o.storage() == t.storage())) {
                owned.remove(i);
                o.scoped(false);
                ctx.adoptIntoParent(this, o);
                return t;
            }
        }
        throw new IllegalArgumentException("tensor " + t.describe() + " was not allocated in this scope");
    }

    /** Number of tensors this scope will release. */
    public int ownedCount() {
        return owned.size();
    }

    @Override
    public void close() {
        if (closed) return;
        ctx.popScope(this); // throws when closed out of order; the scope stays open so a retry works
        closed = true;
        // Views share storage with their base and are never adopted, so each storage is released once.
        for (Tensor t : owned) {
            if (!t.isReleased()) {
                ctx.backend().release(t.storage());
                t.release();
            }
        }
        owned.clear();
    }
}
