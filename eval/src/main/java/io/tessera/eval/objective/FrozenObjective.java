// The one question every analysis asks: what is this method's loss at this point in weight space, on
// this fixed data, with these fixed masks? A pre-training method (or the supervised baseline) in eval
// mode (BatchNorm on running statistics, no drop path, teachers frozen), a fixed list of batches, one
// seeded random stream per batch so masks and views are redrawn identically on every evaluation, and
// an optional L2 term. The landscape, the Hessian tools, the convexity map and the study all take it.
package io.tessera.eval.objective;

import io.tessera.nn.Parameter;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;

import java.util.List;
import java.util.Locale;

/**
 * L(θ) = Σ_b (B_b/N)·L_b(θ) with L_b the method's loss of batch b under the fixed stream of batch b,
 * plus (λ/2)·Σ‖θ_p‖² over the parameters that take weight decay when {@code terms} is TASK_L2.
 */
public final class FrozenObjective {
    /** The loss as the method defines it, or with the weight-decay term (Park &amp; Kim's NLL + L2). */
    public enum Terms {
        TASK, TASK_L2;

        public String label() {
            return this == TASK ? "task" : "task+l2";
        }

        public static Terms parse(String s) {
            if (s.equalsIgnoreCase("task")) return TASK;
            if (s.equalsIgnoreCase("task+l2") || s.equalsIgnoreCase("task_l2")) return TASK_L2;
            throw new IllegalArgumentException("unknown loss terms '" + s + "'; choose task or task+l2");
        }
    }

    private final PretrainMethod method;
    private final List<Batch> batches;
    private final long seed;
    private final Terms terms;
    private final double weightDecay;
    /** N: the samples the weights B_b/N divide by (of the whole objective, for a share). */
    private final int samples;
    /** The whole objective's index of this one's first batch: its stream and its name in messages. */
    private final int firstStream;
    private final int totalBatches;

    /**
     * @param batches     fixed batches (persistent tensors, not released between evaluations)
     * @param seed        the seed of the per-batch streams (masks, drop of views): the same seed gives the same masks
     * @param weightDecay λ of the L2 term (ignored for TASK)
     */
    public FrozenObjective(PretrainMethod method, List<Batch> batches, long seed, Terms terms, double weightDecay) {
        this(method, batches, seed, terms, weightDecay, 0, batches.size(), sizes(batches));
    }

    private FrozenObjective(PretrainMethod method, List<Batch> batches, long seed, Terms terms, double weightDecay, int firstStream, int totalBatches, int samples) {
        if (batches.isEmpty()) throw new IllegalArgumentException("an objective needs at least one batch");
        if (terms == Terms.TASK_L2 && !(weightDecay > 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("the task+l2 loss needs a positive, finite weight decay, got " + weightDecay);
        }
        this.method = method;
        this.batches = List.copyOf(batches);
        this.seed = seed;
        this.terms = terms;
        this.weightDecay = weightDecay;
        this.firstStream = firstStream;
        this.totalBatches = totalBatches;
        this.samples = samples;
    }

    /**
     * Batches {@code first} … {@code first + batches.size() − 1} of an objective of {@code totalBatches}
     * batches and {@code totalSamples} samples, as one rank of a group holds them. Each batch keeps the
     * stream (masks, views) and the weight B_b/N it has in the whole, so the sums over the ranks of what
     * the shares compute — the value, the gradient, H·v — are the whole objective's, up to the order
     * of the additions.
     *
     * @throws IllegalArgumentException when the batches do not fit in the whole (index or sample count)
     */
    public static FrozenObjective share(PretrainMethod method, List<Batch> batches, int first, int totalBatches, int totalSamples,
                                        long seed, Terms terms, double weightDecay) {
        if (first < 0 || first + batches.size() > totalBatches) {
            throw new IllegalArgumentException("a share of batches " + first + ".." + (first + batches.size() - 1) + " does not fit in an objective of " + totalBatches + " batches");
        }
        int own = sizes(batches);
        if (own > totalSamples) throw new IllegalArgumentException("a share of " + own + " samples does not fit in an objective of " + totalSamples);
        return new FrozenObjective(method, batches, seed, terms, weightDecay, first, totalBatches, totalSamples);
    }

    private static int sizes(List<Batch> batches) {
        long n = 0;
        for (Batch b : batches) n += b.size();
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("an objective holds at most " + Integer.MAX_VALUE + " samples, got " + n);
        return (int) n;
    }

    public PretrainMethod method() { return method; }

    public List<Batch> batches() { return batches; }

    public long seed() { return seed; }

    public Terms terms() { return terms; }

    public double weightDecay() { return weightDecay; }

    /** N, the number of samples over all batches (of the whole objective, for a {@link #share}). */
    public int samples() { return samples; }

    /** The whole objective's index of {@code batches().get(0)} (0 unless this is a {@link #share}). */
    public int firstBatch() { return firstStream; }

    /** The number of batches of the whole objective ({@code batches().size()} unless this is a {@link #share}). */
    public int totalBatches() { return totalBatches; }

    /** B_b / N, the weight of batch b in the mean. */
    public double weight(int b) {
        return batches.get(b).size() / (double) samples;
    }

    /** The fixed stream of batch b: masks and any random view draw come from it, identically every time. */
    public Rng stream(int b) {
        return new Rng(seed).split("objective").split(firstStream + b);
    }

    /** The objective of batch b alone (weight 1), with the same masks as batch b has here. */
    public FrozenObjective batch(int b) {
        List<Batch> one = List.of(batches.get(b));
        return new FrozenObjective(method, one, seed, terms, weightDecay, firstStream + b, totalBatches, sizes(one));
    }

    /**
     * The scalar loss of batch b (the L2 term included when chosen), recorded on the context's tape
     * if one is open. The method is switched to eval mode first.
     */
    public Tensor loss(Ops ops, int b) {
        method.train(false);
        Tensor loss = method.forward(ops, batches.get(b), stream(b)).total();
        if (terms == Terms.TASK_L2) loss = ops.add(loss, l2(ops));
        return loss;
    }

    /** (λ/2)·Σ‖θ‖² over the trainable parameters that take weight decay. */
    private Tensor l2(Ops ops) {
        Tensor sum = null;
        for (Parameter p : method.trainable().parameters()) {
            if (!p.trainable() || !p.decay()) continue;
            Tensor s = ops.sum(ops.square(p.tensor()));
            sum = sum == null ? s : ops.add(sum, s);
        }
        if (sum == null) throw new IllegalArgumentException("the task+l2 loss found no parameter that takes weight decay");
        return ops.scale(sum, weightDecay / 2);
    }

    /** L(θ) at the current weights, in inference mode (no tape); throws when it is not finite. */
    public double value(ExecutionContext ctx) {
        if (ctx.tape() != null) throw new IllegalStateException("evaluate the objective outside a recording tape");
        double total = 0;
        for (int b = 0; b < batches.size(); b++) {
            double l;
            try (Scope s = ctx.openScope()) {
                l = loss(ctx.ops(), b).item();
            }
            requireFinite(l, b);
            total += weight(b) * l;
        }
        return total;
    }

    /** The objective and the batch-weighted mean of every part the method reports (e.g. "accuracy" of the supervised ViT). */
    public record Evaluation(double loss, java.util.Map<String, Double> parts) {
    }

    /** L(θ) and the weighted means of the method's parts, in inference mode; throws when the loss is not finite. */
    public Evaluation evaluate(ExecutionContext ctx) {
        if (ctx.tape() != null) throw new IllegalStateException("evaluate the objective outside a recording tape");
        double total = 0;
        java.util.Map<String, Double> parts = new java.util.LinkedHashMap<>();
        for (int b = 0; b < batches.size(); b++) {
            try (Scope s = ctx.openScope()) {
                method.train(false);
                var out = method.forward(ctx.ops(), batches.get(b), stream(b));
                Tensor loss = terms == Terms.TASK_L2 ? ctx.ops().add(out.total(), l2(ctx.ops())) : out.total();
                double l = loss.item();
                requireFinite(l, b);
                total += weight(b) * l;
                double w = weight(b);
                out.parts().forEach((k, t) -> parts.merge(k, w * t.item(), Double::sum));
            }
        }
        return new Evaluation(total, parts);
    }

    /** Throws a clear error when the loss of batch b is NaN or infinite. */
    public void requireFinite(double loss, int b) {
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException(String.format(Locale.ROOT, "the %s loss of batch %d (of %d) is %s at these weights; "
                    + "no analysis of a non-finite loss is meaningful", method.name(), firstStream + b, totalBatches, loss));
        }
    }

    /** The settings that define this objective, for result files. */
    public java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("method", method.name());
        m.put("terms", terms.label());
        if (terms == Terms.TASK_L2) m.put("weight_decay", weightDecay);
        m.put("batches", (long) totalBatches);
        if (batches.size() != totalBatches) m.put("share", "batches " + firstStream + ".." + (firstStream + batches.size() - 1));
        m.put("samples", (long) samples);
        m.put("mask_seed", seed);
        m.put("mode", "eval (BatchNorm running statistics, no drop path; teachers frozen)");
        return m;
    }
}
