package io.tessera.tensor;

import static org.assertj.core.api.Assertions.fail;

/**
 * float64 central-difference gradient checks. The function under test maps input tensors to an
 * output of any shape; the checked scalar is Σ out ⊙ r for a fixed random r, so every output
 * element contributes with its own weight. {@link #full} compares the whole Jacobian-vector
 * product element by element (tiny shapes); {@link #directional} compares one random
 * directional derivative (larger shapes).
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

    /** Checks one random directional derivative (all inputs perturbed together along a seeded direction). */
    public static void directional(ExecutionContext ctx, Fn f, long seed, double rtol, Tensor... inputs) {
        Tensor r = weights(ctx, f, inputs);
        double[][] analytic = analytic(ctx, f, r, inputs);
        Rng rng = new Rng(seed);
        double[][] dir = new double[inputs.length][];
        double predicted = 0;
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].dtype().isFloating()) continue;
            dir[i] = new double[inputs[i].size()];
            for (int j = 0; j < dir[i].length; j++) {
                dir[i][j] = rng.nextGaussian();
                predicted += dir[i][j] * analytic[i][j];
            }
        }
        shift(inputs, dir, H);
        double lp = loss(ctx, f, r, inputs);
        shift(inputs, dir, -2 * H);
        double lm = loss(ctx, f, r, inputs);
        shift(inputs, dir, H);
        double num = (lp - lm) / (2 * H);
        if (!(Math.abs(predicted - num) <= 1e-7 + rtol * Math.abs(num))) {
            fail("directional derivative (seed %d): analytic %.10g, numeric %.10g", seed, predicted, num);
        }
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
        try (Scope s = ctx.openScope()) {
            return ctx.ops().sum(ctx.ops().mul(f.apply(ctx.ops(), inputs), r)).item();
        }
    }

    private static void shift(Tensor[] inputs, double[][] dir, double h) {
        for (int i = 0; i < inputs.length; i++) {
            if (dir[i] == null) continue;
            double[] x = inputs[i].f64();
            for (int j = 0; j < dir[i].length; j++) x[inputs[i].offset() + j] += h * dir[i][j];
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
