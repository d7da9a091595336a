package io.tessera.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The autograd tape: each differentiable op run while the tape is active appends one entry
 * (its output and a backward rule). {@link #backward(Tensor)} walks the entries in reverse
 * and each rule accumulates into its inputs' gradients. Outside an active tape (inference
 * mode) nothing is recorded and no memory is kept for backward.
 *
 * <p>An intermediate tensor's gradient returns to the pool once its op's rule has consumed it,
 * unless {@link #retainGrad} keeps it (Grad-CAM reads activation gradients this way). Each entry
 * also lists the tensors its rule reads, so a tensor the forward code has dropped
 * ({@link Ops#drop}) is freed as soon as the last rule that reads it has run.
 */
public final class Tape implements AutoCloseable {

    /** A backward rule: given the gradient of the op's output, accumulate input gradients. */
    @FunctionalInterface
    public interface Backward {
        void apply(Tensor gradOutput);
    }

    /** One recorded op; {@code saved} are the tensors whose data its rule reads. */
    private record Entry(Tensor output, Backward rule, String op, Tensor[] saved) {
    }

    private final ExecutionContext ctx;
    private final List<Entry> entries = new ArrayList<>();
    private final Set<Tensor> produced = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Tensor> retained = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean backwardDone;

    Tape(ExecutionContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Records one op; called by {@link Ops}. {@code saved} lists every tensor whose data the rule
     * reads (null entries are ignored): a dropped tensor stays alive until the last rule that
     * reads it has run, and a rule must not read any tensor it did not declare.
     */
    void record(String op, Tensor output, Backward rule, Tensor... saved) {
        if (backwardDone) {
            throw new IllegalStateException("op " + op + " recorded on a tape after its backward pass");
        }
        for (Tensor s : saved) if (s != null) s.root().addReader();
        entries.add(new Entry(output, rule, op, saved));
        produced.add(output);
    }

    /** True if {@code t} is the output of a recorded op (not a leaf). */
    public boolean isProduced(Tensor t) {
        return produced.contains(t);
    }

    /** Number of recorded ops. */
    public int size() {
        return entries.size();
    }

    /**
     * Back-propagates from a scalar {@code loss} (seeded with 1), accumulating into the
     * gradient of every tensor that requires one. Leaf gradients accumulate across calls.
     */
    public void backward(Tensor loss) {
        if (loss.size() != 1) {
            throw new IllegalArgumentException("backward needs a one-element loss, got " + loss.describe());
        }
        Tensor seed = ctx.allocate(loss.shape(), loss.dtype(), false);
        ctx.backend().fill(seed, 1.0);
        backward(loss, seed);
    }

    /**
     * Keeps the gradient of the intermediate tensor {@code t} readable after backward (until its
     * scope closes), as Grad-CAM needs for a block's tokens. Without this, an intermediate's
     * gradient is returned to the pool as soon as its op's backward rule has consumed it, so a
     * backward pass holds only the gradients still to be propagated. Returns {@code t}.
     */
    public Tensor retainGrad(Tensor t) {
        retained.add(t);
        t.root().pin();
        return t;
    }

    private void recycleGradient(Tensor output, Tensor grad) {
        output.setGrad(null);
        if (!grad.isReleased() && grad.offset() == 0 && grad.size() == grad.storage().capacity()) {
            ctx.backend().release(grad.storage());
            grad.release();
        }
    }

    /** Back-propagates a given output gradient (vector-Jacobian product) from {@code output}. */
    public void backward(Tensor output, Tensor gradOutput) {
        if (backwardDone) {
            throw new IllegalStateException("backward already ran on this tape; record a new tape per step");
        }
        if (!produced.contains(output) && !output.requiresGrad()) {
            throw new IllegalArgumentException(output.describe() + " was not computed on this tape from tensors that require gradients");
        }
        Tensor g = ctx.gradOf(this, output);
        ctx.backend().accumulate(g, gradOutput, 1.0);
        ctx.runningBackward(this); // rules find gradients through this tape even after it stopped recording
        try {
            for (int i = entries.size() - 1; i >= 0; i--) {
                Entry e = entries.get(i);
                Tensor go = e.output.grad();
                if (go != null) {
                    e.rule.apply(go);
                    if (!retained.contains(e.output)) recycleGradient(e.output, go);
                }
                for (Tensor s : e.saved) if (s != null) ctx.readerDone(s);
            }
        } finally {
            ctx.runningBackward(null);
        }
        backwardDone = true;
    }

    @Override
    public void close() {
        ctx.endTape(this);
    }
}
