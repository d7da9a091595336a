// One Hessian operator per batch of a frozen objective (Park & Kim's per-mini-batch spectra), each
// with the masks its batch has in the whole objective. Only one keeps its graph at a time: applying
// one releases the graph another holds, since a graph owns the context's tape.
package io.tessera.eval.hessian;

import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.tensor.ExecutionContext;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;

/** The per-batch Hessians of {@code objective} as a list of operators; close it to release the last graph. */
public final class PerBatchOperators extends AbstractList<SymmetricOperator> implements AutoCloseable {
    private final ExecutionContext ctx;
    private final FrozenObjective objective;
    private final ParameterSelection selection;
    private final List<SymmetricOperator> views = new ArrayList<>();
    private HessianVectorProduct active;
    private int activeIndex = -1;

    public PerBatchOperators(ExecutionContext ctx, FrozenObjective objective, ParameterSelection selection) {
        this.ctx = ctx;
        this.objective = objective;
        this.selection = selection;
        for (int b = 0; b < objective.batches().size(); b++) {
            int batch = b;
            views.add(new SymmetricOperator() {
                @Override
                public int dimension() {
                    return selection.dimension();
                }

                @Override
                public void apply(double[] v, double[] out) {
                    activate(batch).apply(v, out);
                }
            });
        }
    }

    private HessianVectorProduct activate(int b) {
        if (activeIndex != b) {
            close();
            active = new HessianVectorProduct(ctx, objective.batch(b), selection);
            activeIndex = b;
        }
        return active;
    }

    @Override
    public SymmetricOperator get(int index) {
        return views.get(index);
    }

    @Override
    public int size() {
        return views.size();
    }

    @Override
    public void close() {
        if (active != null) active.close();
        active = null;
        activeIndex = -1;
    }
}
