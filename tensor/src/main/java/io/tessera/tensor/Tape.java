package io.tessera.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>Second order (double backward, as {@code torch.autograd.grad(..., create_graph=True)}): a
 * tape opened with {@link ExecutionContext#recordHigherOrder()} can run {@link #gradGraph}, which
 * walks the entries with each op's {@link Composite} rule — the same derivative written with
 * {@link Ops} calls, fused ops through their composition of primitives — so the gradients are
 * themselves recorded on this tape. {@link #backward(List, List, boolean)} from those gradients with
 * a vector v as their output gradient then leaves the Hessian-vector product H·v in the leaves'
 * gradients; with {@code retainGraph} it can run again for another v on the same graph.
 */
public final class Tape implements AutoCloseable {

    /** A backward rule: given the gradient of the op's output, accumulate input gradients. */
    @FunctionalInterface
    public interface Backward {
        void apply(Tensor gradOutput);
    }

    /**
     * The differentiable form of a backward rule, used by {@link #gradGraph}: it adds each input's
     * gradient contribution, computed with {@link Ops} calls (so recorded on the tape), to
     * {@code into}. It reads only tensors the op declared as saved.
     */
    @FunctionalInterface
    public interface Composite {
        void apply(Tensor gradOutput, Contributions into);
    }

    /** Collects gradient contributions during {@link #gradGraph}. */
    @FunctionalInterface
    public interface Contributions {
        /** Adds {@code contribution} (same shape as {@code input}) to the gradient of {@code input}; ignored when input needs none. */
        void add(Tensor input, Tensor contribution);
    }

    /** One recorded op; {@code saved} are the tensors whose data its rules read. */
    private record Entry(Tensor output, Backward rule, Composite composite, String op, Tensor[] saved) {
    }

    private final ExecutionContext ctx;
    private final List<Entry> entries = new ArrayList<>();
    private final Set<Tensor> produced = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Tensor> retained = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Contiguous views whose gradient is the matching view of their base's gradient (see {@link #shareGradient}). */
    private final Map<Tensor, Shared> shared = new IdentityHashMap<>();

    /** A view {@code offset} elements into {@code base}, sharing its gradient storage. */
    record Shared(Tensor base, int offset) {
    }
    private final boolean higherOrder;
    private boolean backwardDone;
    private boolean walking;

    Tape(ExecutionContext ctx, boolean higherOrder) {
        this.ctx = ctx;
        this.higherOrder = higherOrder;
    }

    /** True for a tape that keeps what {@link #gradGraph} needs (opened with {@link ExecutionContext#recordHigherOrder()}). */
    public boolean higherOrder() {
        return higherOrder;
    }

    /**
     * Records one op; called by {@link Ops}. {@code saved} lists every tensor whose data the rule
     * reads (null entries are ignored): a dropped tensor stays alive until the last rule that
     * reads it has run, and a rule must not read any tensor it did not declare.
     */
    void record(String op, Tensor output, Backward rule, Composite composite, Tensor... saved) {
        if (backwardDone) {
            throw new IllegalStateException("op " + op + " recorded on a tape after its backward pass");
        }
        if (walking) {
            throw new IllegalStateException("op " + op + " recorded while a backward pass runs (a backward rule must call kernels, not Ops)");
        }
        for (Tensor s : saved) if (s != null) s.root().addReader();
        entries.add(new Entry(output, rule, composite, op, saved));
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

    /**
     * Declares {@code view} (a recorded op's output: a slice or a reshape) to be the contiguous elements
     * [offset, offset + view.size()) of {@code base}, so that its gradient can be the same view of
     * base's gradient: the ops reading the view then accumulate straight into base's gradient and
     * the view op's rule has nothing to copy (it sees its gradient already in place). Only on a
     * first-order tape, and not for a view whose gradient is retained (it would outlive base's).
     */
    void shareGradient(Tensor view, Tensor base, int offset) {
        if (!higherOrder) shared.put(view, new Shared(base, offset));
    }

    /** Where {@code t}'s gradient lives inside its base's gradient, or null for a gradient of its own. */
    Shared sharedGradient(Tensor t) {
        Shared s = shared.get(t);
        return s == null || retained.contains(t) ? null : s;
    }

    private void recycleGradient(Tensor output, Tensor grad) {
        output.setGrad(null);
        // a shared gradient is a view of its base's, released with that one
        if (!grad.isReleased() && grad.root() == grad && grad.offset() == 0 && grad.size() == grad.storage().capacity()) {
            ctx.backend().release(grad.storage());
            grad.release();
        }
    }

    /** Back-propagates a given output gradient (vector-Jacobian product) from {@code output}. */
    public void backward(Tensor output, Tensor gradOutput) {
        backward(List.of(output), List.of(gradOutput), false);
    }

    /**
     * Back-propagates from several outputs at once, each seeded with its gradient (same shape):
     * leaf gradients receive Σᵢ Jᵢᵀ·gᵢ. With {@code retainGraph} every saved tensor stays alive and
     * the tape accepts further backward passes (each starts from cleared intermediate gradients;
     * leaf gradients keep accumulating, so zero them between passes); without it, this is the
     * tape's last pass and memory is freed as the walk goes. Outputs that need no gradient (a
     * constant) are skipped: their Jacobian is zero.
     */
    public void backward(List<Tensor> outputs, List<Tensor> gradOutputs, boolean retainGraph) {
        if (backwardDone) {
            throw new IllegalStateException("backward already ran on this tape; record a new tape per step (or pass retainGraph)");
        }
        if (outputs.size() != gradOutputs.size()) {
            throw new IllegalArgumentException("backward: " + outputs.size() + " outputs but " + gradOutputs.size() + " output gradients");
        }
        boolean any = false;
        for (int i = 0; i < outputs.size(); i++) {
            Tensor out = outputs.get(i), go = gradOutputs.get(i);
            if (!go.shape().equals(out.shape())) {
                throw new IllegalArgumentException("backward: output gradient " + go.describe() + " does not match output " + out.describe());
            }
            if (!produced.contains(out) && !out.requiresGrad()) continue;
            ctx.backend().accumulate(ctx.gradOf(this, out), go, 1.0);
            any = true;
        }
        if (!any && outputs.size() == 1) {
            throw new IllegalArgumentException(outputs.get(0).describe() + " was not computed on this tape from tensors that require gradients");
        }
        ctx.runningBackward(this); // rules find gradients through this tape even after it stopped recording
        walking = true;
        try {
            for (int i = entries.size() - 1; i >= 0; i--) {
                Entry e = entries.get(i);
                Tensor go = e.output.grad();
                if (go != null) {
                    e.rule.apply(go);
                    if (!retained.contains(e.output)) recycleGradient(e.output, go);
                }
                if (!retainGraph) for (Tensor s : e.saved) if (s != null) ctx.readerDone(s);
            }
        } finally {
            walking = false;
            ctx.runningBackward(null);
        }
        if (!retainGraph) backwardDone = true;
    }

    /**
     * The gradients of the scalar {@code loss} with respect to {@code wrt}, computed with every op's
     * {@link Composite} rule and so recorded on this tape as ordinary differentiable ops (PyTorch's
     * {@code create_graph=True}). Nothing is written to any tensor's {@link Tensor#grad()}, and no
     * saved tensor is freed: a following {@link #backward(List, List, boolean)} from the returned
     * gradients differentiates again. A tensor of {@code wrt} the loss does not depend on gets a
     * zero tensor that needs no gradient. Needs a higher-order tape that is still recording.
     */
    public List<Tensor> gradGraph(Tensor loss, List<Tensor> wrt) {
        if (!higherOrder) {
            throw new IllegalStateException("gradGraph needs a tape opened with recordHigherOrder(): a plain tape does not keep what the differentiable rules read");
        }
        if (ctx.tape() != this) throw new IllegalStateException("gradGraph needs its tape to be recording (call it inside the tape's block)");
        if (backwardDone) throw new IllegalStateException("gradGraph after the tape's last backward pass");
        if (loss.size() != 1) throw new IllegalArgumentException("gradGraph needs a one-element loss, got " + loss.describe());
        if (!produced.contains(loss)) {
            throw new IllegalArgumentException(loss.describe() + " was not computed on this tape from tensors that require gradients");
        }
        GradientTable grads = new GradientTable(ctx, wrt);
        grads.put(loss, ctx.ops().full(loss.shape(), loss.dtype(), 1.0));
        Contributions into = (input, c) -> {
            if (input == null || !input.requiresGrad()) return;
            if (!c.shape().equals(input.shape())) {
                throw new IllegalStateException("a differentiable rule gave " + c.describe() + " for input " + input.describe());
            }
            grads.accumulate(input, c);
        };
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            Tensor go = grads.get(e.output);
            if (go == null) continue;
            if (e.composite == null) throw new UnsupportedOperationException("op " + e.op + " has no differentiable backward rule");
            int before = entries.size();
            e.composite.apply(go, into);
            grads.consumed(e.output);
            // what the rule made and no gradient holds is not read again here: freed now, or after the
            // second pass's last reader, by the usual liveness
            for (int j = before; j < entries.size(); j++) grads.dropUnlessHeld(entries.get(j).output);
        }
        List<Tensor> out = new ArrayList<>(wrt.size());
        for (Tensor t : wrt) {
            Tensor g = grads.get(t);
            out.add(g != null ? g : ctx.ops().zeros(t.shape(), t.dtype()));
        }
        return out;
    }

    /**
     * The gradients of {@link #gradGraph} by tensor, with a count of the entries holding each storage
     * (one tensor may be the gradient of several inputs, e.g. both operands of an add): a gradient no
     * entry holds any more is dropped, so the differentiable pass keeps only what the second pass reads.
     */
    private static final class GradientTable {
        private final ExecutionContext ctx;
        private final Map<Tensor, Tensor> byTensor = new IdentityHashMap<>();
        private final Map<Tensor, Integer> holds = new IdentityHashMap<>();
        private final Set<Tensor> wanted = Collections.newSetFromMap(new IdentityHashMap<>());

        GradientTable(ExecutionContext ctx, List<Tensor> wrt) {
            this.ctx = ctx;
            wanted.addAll(wrt);
        }

        Tensor get(Tensor t) {
            return byTensor.get(t);
        }

        void put(Tensor t, Tensor g) {
            holds.merge(g.root(), 1, Integer::sum);
            Tensor old = byTensor.put(t, g);
            if (old != null) release(old);
        }

        void accumulate(Tensor t, Tensor c) {
            Tensor old = byTensor.get(t);
            put(t, old == null ? c : ctx.ops().add(old, c));
            if (old != null) dropUnlessHeld(c);
        }

        /** The rule of t's op has run: its gradient is no longer needed here (unless it was asked for). */
        void consumed(Tensor t) {
            if (wanted.contains(t)) return;
            Tensor g = byTensor.remove(t);
            if (g != null) release(g);
        }

        private void release(Tensor g) {
            Tensor r = g.root();
            if (holds.merge(r, -1, Integer::sum) == 0) {
                holds.remove(r);
                ctx.drop(r);
            }
        }

        void dropUnlessHeld(Tensor t) {
            if (!holds.containsKey(t.root())) ctx.drop(t);
        }
    }

    @Override
    public void close() {
        ctx.endTape(this);
    }
}
