// Exact Hessian-vector products of a frozen objective by double backward (Pearlmutter's trick as
// PyHessian runs it): g = ∇θL recorded on a higher-order tape, then Hv = ∇θ(g·v) by a second backward
// pass seeded with v. Over several batches each product is the batch-size-weighted mean of the
// per-batch products (PyHessian's data-loader mode); on one batch the graph is built once and kept, so
// each further product costs one backward pass (PyHessian's single-batch mode).
package io.tessera.eval.hessian;

import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.nn.Parameter;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * H·v of {@link FrozenObjective} over the parameters of a {@link ParameterSelection}. While open it
 * owns the context (a single-batch objective keeps its tape recording between products): run no
 * other ops on that context until {@link #close()}.
 */
public final class HessianVectorProduct implements SymmetricOperator, AutoCloseable {
    private final ExecutionContext ctx;
    private final FrozenObjective objective;
    private final ParameterSelection selection;
    private final Map<Tensor, Boolean> savedFlags = new IdentityHashMap<>();
    private Scope keptScope;
    private Tape keptTape;
    private List<Tensor> keptGradients;
    private final boolean keepGraph;
    private long products;
    private long nanos;

    /** A single-batch objective keeps its graph between products; see {@link #HessianVectorProduct(ExecutionContext, FrozenObjective, ParameterSelection, boolean)}. */
    public HessianVectorProduct(ExecutionContext ctx, FrozenObjective objective, ParameterSelection selection) {
        this(ctx, objective, selection, true);
    }

    /**
     * @param keepGraph on a single-batch objective, build the gradient graph once and reuse it for every
     *                  product (one backward pass each; memory: the whole double-backward graph stays
     *                  alive); false rebuilds it per product (forward, differentiable gradient, second pass)
     */
    public HessianVectorProduct(ExecutionContext ctx, FrozenObjective objective, ParameterSelection selection, boolean keepGraph) {
        this.keepGraph = keepGraph;
        if (selection.store() != objective.method().trainable()) {
            throw new IllegalArgumentException("the parameter set must be one of the method's trainable store");
        }
        this.ctx = ctx;
        this.objective = objective;
        this.selection = selection;
        // exactly the selected tensors require gradients while this operator is open
        for (Parameter p : selection.store().parameters()) {
            if (p.isAllocated()) savedFlags.put(p.tensor(), p.tensor().requiresGrad());
            if (p.isAllocated()) p.tensor().requiresGrad(false);
        }
        for (ParameterSelection.Entry e : selection.entries()) e.parameter().tensor().requiresGrad(true);
    }

    public ParameterSelection selection() { return selection; }

    public FrozenObjective objective() { return objective; }

    @Override
    public int dimension() {
        return selection.dimension();
    }

    /** Products computed so far and their mean wall time in milliseconds. */
    public long products() { return products; }

    public double meanMillis() { return products == 0 ? 0 : nanos / 1e6 / products; }

    @Override
    public void apply(double[] v, double[] out) {
        selection.requireLayout(v, "Hessian-vector product input");
        selection.requireLayout(out, "Hessian-vector product output");
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) throw new IllegalArgumentException("Hessian-vector product input has a non-finite entry at " + i);
        }
        long t0 = System.nanoTime();
        java.util.Arrays.fill(out, 0);
        int nb = objective.batches().size();
        for (int b = 0; b < nb; b++) {
            double[] hv = nb == 1 && keepGraph ? keptProduct(v) : batchProduct(b, v);
            double w = objective.weight(b);
            for (int i = 0; i < out.length; i++) out[i] += w * hv[i];
        }
        for (int i = 0; i < out.length; i++) {
            if (!Double.isFinite(out[i])) {
                throw new IllegalStateException(String.format(Locale.ROOT, "the Hessian-vector product of the %s loss is not finite (entry %d: %s)",
                        objective.method().name(), i, out[i]));
            }
        }
        products++;
        nanos += System.nanoTime() - t0;
    }

    /**
     * Forgets a kept graph, so the next product is taken at the current weights: call it after
     * changing the weights (a landscape point, a finite difference).
     */
    public void invalidate() {
        if (keptTape != null) {
            keptTape.close();
            keptScope.close();
            keptTape = null;
            keptGradients = null;
        }
    }

    /** The gradient ∇θL at the current weights (batch-weighted), in this layout; forgets a kept graph. */
    public double[] gradient() {
        invalidate();
        double[] out = new double[dimension()];
        for (int b = 0; b < objective.batches().size(); b++) {
            selection.store().zeroGrad();
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                Tensor loss = objective.loss(ctx.ops(), b);
                objective.requireFinite(loss.item(), b);
                tape.backward(loss);
            }
            double[] g = selection.gradients();
            for (int i = 0; i < out.length; i++) out[i] += objective.weight(b) * g[i];
        }
        selection.store().zeroGrad();
        return out;
    }

    /** One batch, graph rebuilt: forward, differentiable gradient, second pass. */
    private double[] batchProduct(int b, double[] v) {
        try (Scope s = ctx.openScope(); Tape tape = ctx.recordHigherOrder()) {
            List<Tensor> g = gradientGraph(tape, b);
            return secondPass(tape, g, v, false);
        }
    }

    /** The single batch, graph built on first use and kept for every later product. */
    private double[] keptProduct(double[] v) {
        if (keptTape == null) {
            keptScope = ctx.openScope();
            keptTape = ctx.recordHigherOrder();
            keptGradients = gradientGraph(keptTape, 0);
        }
        try (Scope s = ctx.openScope()) {
            return secondPass(keptTape, keptGradients, v, true);
        }
    }

    private List<Tensor> gradientGraph(Tape tape, int b) {
        Tensor loss = objective.loss(ctx.ops(), b);
        objective.requireFinite(loss.item(), b);
        List<Tensor> wrt = new ArrayList<>();
        for (ParameterSelection.Entry e : selection.entries()) wrt.add(e.parameter().tensor());
        return tape.gradGraph(loss, wrt);
    }

    private double[] secondPass(Tape tape, List<Tensor> grads, double[] v, boolean retain) {
        List<Tensor> vs = new ArrayList<>(grads.size());
        for (ParameterSelection.Entry e : selection.entries()) {
            Tensor p = e.parameter().tensor();
            Tensor t = ctx.ops().zeros(p.shape(), p.dtype());
            double[] part = selection.slice(v, e);
            if (p.dtype() == DType.F64) ctx.backend().write(t, part);
            else ctx.backend().write(t, floats(part));
            vs.add(t);
        }
        selection.store().zeroGrad();
        tape.backward(grads, vs, retain);
        double[] hv = selection.gradients();
        selection.store().zeroGrad();
        return hv;
    }

    private static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    /** Releases a kept graph and restores every parameter's gradient flag. */
    @Override
    public void close() {
        invalidate();
        savedFlags.forEach(Tensor::requiresGrad);
        selection.store().zeroGrad();
    }
}
