package io.tessera.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.fail;

/**
 * float64 central-difference gradient checks. The function under test maps input tensors to an
 * output of any shape; the checked scalar is Σ out ⊙ r for a fixed random r, so every output
 * element contributes with its own weight. {@link #full} compares the whole Jacobian-vector
 * product element by element (tiny shapes); {@code directional} compares one random
 * directional derivative (larger shapes), over inputs or over any F64 spans such as a module's
 * flat parameter store. Published in the tensor test-jar for the other modules' tests.
 */
public final class GradCheck {
    /** The function under test, built from {@link Ops} calls. */
    @FunctionalInterface
    public interface Fn {
        Tensor apply(Ops ops, Tensor[] inputs);
    }

    private static final double H = 1e-6;

    private GradCheck() {
    }

    /** Checks d(Σ f(x)⊙r)/dx for every element of every F64 input against central differences. */
    public static void full(ExecutionContext ctx, Fn f, Tensor... inputs) {
        full(ctx, f, 1e-6, 1e-5, inputs);
    }

    public static void full(ExecutionContext ctx, Fn f, double atol, double rtol, Tensor... inputs) {
        Tensor r = weights(ctx, f, inputs);
        double[][] analytic = analytic(ctx, f, r, inputs);
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].dtype().isFloating()) continue;
            double[] x = inputs[i].f64();
            int off = inputs[i].offset();
            for (int j = 0; j < inputs[i].size(); j++) {
                double keep = x[off + j];
                x[off + j] = keep + H;
                double lp = loss(ctx, f, r, inputs);
                x[off + j] = keep - H;
                double lm = loss(ctx, f, r, inputs);
                x[off + j] = keep;
                double num = (lp - lm) / (2 * H);
                double an = analytic[i][j];
                if (!(Math.abs(an - num) <= atol + rtol * Math.abs(num))) {
                    fail("gradient of input %d element %d: analytic %.10g, numeric %.10g (input %s)", i, j, an, num, inputs[i].describe());
                }
            }
        }
    }

    /**
     * Checks one random directional derivative of Σ f(inputs)⊙r (all floating inputs perturbed
     * together along a seeded direction), as {@link #directional(ExecutionContext, Closure, long, double, List)}.
     */
    public static void directional(ExecutionContext ctx, Fn f, long seed, double rtol, Tensor... inputs) {
        List<Span> spans = new ArrayList<>();
        for (Tensor t : inputs) if (t.dtype().isFloating()) spans.add(Span.leaf(t));
        directional(ctx, ops -> f.apply(ops, inputs), seed, rtol, spans);
    }

    /** A function of the tensors it captures (a module's parameters, its inputs), built from {@link Ops} calls. */
    @FunctionalInterface
    public interface Closure {
        Tensor apply(Ops ops);
    }

    /**
     * Elements [from, to) of an F64 tensor that a directional check moves. {@code gradients} is
     * the tensor a backward pass accumulates their gradient into (aligned with {@code values};
     * zeroed before the pass), or null when {@code values} is a leaf whose own {@code grad()}
     * receives it.
     */
    public record Span(Tensor values, Tensor gradients, int from, int to) {
        public Span {
            if (values.dtype() != DType.F64) throw new IllegalArgumentException("GradCheck perturbs F64 tensors, got " + values.describe());
            if (from < 0 || to < from || to > values.size()) {
                throw new IllegalArgumentException("span [" + from + ", " + to + ") outside " + values.describe());
            }
            if (gradients != null && gradients.size() != values.size()) {
                throw new IllegalArgumentException("gradients " + gradients.describe() + " not aligned with " + values.describe());
            }
        }

        /** All of a leaf tensor (an input): its gradient is the {@code grad()} backward leaves on it. */
        public static Span leaf(Tensor values) {
            return new Span(values, null, 0, values.size());
        }
    }

    /**
     * Checks one random directional derivative: with u seeded standard normals over the spans'
     * elements (span by span, in order) and L = Σ f⊙r for the fixed weights r of {@link #weights},
     * the analytic u·∇L from one backward pass must match (L(x + h·u) − L(x − h·u)) / 2h within
     * 1e-7 + rtol·|numeric|. A numeric derivative below 1e-6 fails as vacuous: the direction
     * hardly moves the loss, so agreement would prove nothing.
     */
    public static void directional(ExecutionContext ctx, Closure f, long seed, double rtol, List<Span> spans) {
        Tensor r = weights(ctx, (ops, in) -> f.apply(ops), spans.getFirst().values());
        double[][] grad = analytic(ctx, f, r, spans);
        Rng rng = new Rng(seed);
        double[][] dir = new double[spans.size()][];
        double predicted = 0;
        for (int i = 0; i < spans.size(); i++) {
            dir[i] = new double[spans.get(i).to() - spans.get(i).from()];
            for (int j = 0; j < dir[i].length; j++) {
                dir[i][j] = rng.nextGaussian();
                predicted += dir[i][j] * grad[i][j];
            }
        }
        shift(spans, dir, H);
        double lp = loss(ctx, f, r);
        shift(spans, dir, -2 * H);
        double lm = loss(ctx, f, r);
        shift(spans, dir, H);
        double num = (lp - lm) / (2 * H);
        if (Math.abs(num) < 1e-6) {
            fail("vacuous check (seed %d): the loss hardly moves along the direction (numeric %.3g)", seed, num);
        }
        if (!(Math.abs(predicted - num) <= 1e-7 + rtol * Math.abs(num))) {
            fail("directional derivative (seed %d): analytic %.10g, numeric %.10g", seed, predicted, num);
        }
    }

    /** The gradient of Σ f⊙r over each span's elements, from one backward pass. */
    private static double[][] analytic(ExecutionContext ctx, Closure f, Tensor r, List<Span> spans) {
        for (Span s : spans) {
            if (s.gradients() == null) {
                s.values().requiresGrad(true);
                s.values().setGrad(null);
            } else {
                ctx.backend().fill(s.gradients(), 0.0);
            }
        }
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            tape.backward(ctx.ops().sum(ctx.ops().mul(f.apply(ctx.ops()), r)));
        }
        double[][] g = new double[spans.size()][];
        for (int i = 0; i < spans.size(); i++) {
            Span s = spans.get(i);
            Tensor gt = s.gradients() != null ? s.gradients() : s.values().grad();
            g[i] = gt == null ? new double[s.to() - s.from()] : Arrays.copyOfRange(gt.toDoubleArray(), s.from(), s.to());
        }
        for (Span s : spans) {
            if (s.gradients() == null) {
                s.values().setGrad(null);
                s.values().requiresGrad(false);
            }
        }
        return g;
    }

    /** The analytic gradient of Σ f(x)⊙r for each input (zeros for inputs that get none). */
    public static double[][] analytic(ExecutionContext ctx, Fn f, Tensor r, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.dtype().isFloating()) t.requiresGrad(true);
            t.setGrad(null);
        }
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            Tensor out = f.apply(ctx.ops(), inputs);
            tape.backward(ctx.ops().sum(ctx.ops().mul(out, r)));
        }
        double[][] g = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            g[i] = inputs[i].grad() == null ? new double[inputs[i].size()] : inputs[i].grad().toDoubleArray();
            inputs[i].setGrad(null);
            inputs[i].requiresGrad(false);
        }
        return g;
    }

    /** Fixed random output weights r with f's output shape (persistent). */
    public static Tensor weights(ExecutionContext ctx, Fn f, Tensor... inputs) {
        Shape outShape;
        try (Scope s = ctx.openScope()) {
            outShape = f.apply(ctx.ops(), inputs).shape();
        }
        Rng rng = new Rng(outShape.hashCode());
        double[] w = new double[outShape.size()];
        for (int i = 0; i < w.length; i++) w[i] = rng.nextGaussian();
        Tensor r = ctx.allocatePersistent(outShape, inputs[0].dtype(), false);
        ctx.backend().write(r, w);
        return r;
    }

    private static double loss(ExecutionContext ctx, Fn f, Tensor r, Tensor... inputs) {
        return loss(ctx, ops -> f.apply(ops, inputs), r);
    }

    private static double loss(ExecutionContext ctx, Closure f, Tensor r) {
        try (Scope s = ctx.openScope()) {
            return ctx.ops().sum(ctx.ops().mul(f.apply(ctx.ops()), r)).item();
        }
    }

    private static void shift(List<Span> spans, double[][] dir, double h) {
        for (int i = 0; i < spans.size(); i++) {
            Span s = spans.get(i);
            double[] x = s.values().f64();
            int base = s.values().offset() + s.from();
            for (int j = 0; j < dir[i].length; j++) x[base + j] += h * dir[i][j];
        }
    }

    /** A persistent F64 tensor of standard normals. */
    public static Tensor randn(ExecutionContext ctx, long seed, int... dims) {
        Rng rng = new Rng(seed);
        Shape s = Shape.of(dims);
        double[] d = new double[s.size()];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextGaussian();
        Tensor t = ctx.allocatePersistent(s, DType.F64, false);
        ctx.backend().write(t, d);
        return t;
    }
}
