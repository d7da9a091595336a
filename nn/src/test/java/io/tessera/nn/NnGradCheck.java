package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;

import static org.assertj.core.api.Assertions.fail;

/**
 * float64 central-difference check of a module's gradients: the checked scalar is Σ f ⊙ r for a
 * fixed random r; the analytic directional derivative along a random direction over all
 * trainable parameters (the flat store) and the given inputs is compared with
 * (L(θ + h·u) − L(θ − h·u)) / 2h. Test helper, not library code.
 */
final class NnGradCheck {
    /** The function under test: reads the store's parameters and the captured inputs. */
    @FunctionalInterface
    interface Fn {
        Tensor apply(Ops ops);
    }

    private static final double H = 1e-6;

    private NnGradCheck() {
    }

    /** Persistent F64 standard normals. */
    static Tensor randn(ExecutionContext ctx, long seed, int... dims) {
        Rng rng = new Rng(seed);
        Shape s = Shape.of(dims);
        double[] d = new double[s.size()];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextGaussian();
        Tensor t = ctx.allocatePersistent(s, DType.F64, false);
        ctx.backend().write(t, d);
        return t;
    }

    static void directional(ExecutionContext ctx, ParameterStore store, Fn f, long seed, double rtol, Tensor... inputs) {
        Tensor r;
        try (Scope s = ctx.openScope()) {
            Shape outShape = f.apply(ctx.ops()).shape();
            r = randn(ctx, seed ^ 0x5bd1e995L, outShape.dims());
        }
        store.zeroGrad();
        for (Tensor t : inputs) {
            t.requiresGrad(true);
            t.setGrad(null);
        }
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            tape.backward(ctx.ops().sum(ctx.ops().mul(f.apply(ctx.ops()), r)));
        }
        double[] gp = store.gradients().toDoubleArray();
        double[][] gi = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            gi[i] = inputs[i].grad() == null ? new double[inputs[i].size()] : inputs[i].grad().toDoubleArray();
            inputs[i].setGrad(null);
            inputs[i].requiresGrad(false);
        }

        Rng rng = new Rng(seed);
        double[] up = new double[gp.length];
        double predicted = 0;
        for (Parameter p : store.parameters()) {
            if (!p.trainable()) continue;
            for (int j = p.offset(); j < p.offset() + p.size(); j++) {
                up[j] = rng.nextGaussian();
                predicted += up[j] * gp[j];
            }
        }
        double[][] ui = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            ui[i] = new double[inputs[i].size()];
            for (int j = 0; j < ui[i].length; j++) {
                ui[i][j] = rng.nextGaussian();
                predicted += ui[i][j] * gi[i][j];
            }
        }
        shift(store, up, inputs, ui, H);
        double lp = loss(ctx, f, r);
        shift(store, up, inputs, ui, -2 * H);
        double lm = loss(ctx, f, r);
        shift(store, up, inputs, ui, H);
        double numeric = (lp - lm) / (2 * H);
        if (Math.abs(numeric) < 1e-6) {
            fail("vacuous check (seed %d): the loss hardly moves along the direction (numeric %.3g)", seed, numeric);
        }
        if (!(Math.abs(predicted - numeric) <= 1e-7 + rtol * Math.abs(numeric))) {
            fail("directional derivative (seed %d): analytic %.12g, numeric %.12g", seed, predicted, numeric);
        }
    }

    private static double loss(ExecutionContext ctx, Fn f, Tensor r) {
        try (Scope s = ctx.openScope()) {
            return ctx.ops().sum(ctx.ops().mul(f.apply(ctx.ops()), r)).item();
        }
    }

    private static void shift(ParameterStore store, double[] up, Tensor[] inputs, double[][] ui, double h) {
        Tensor v = store.values();
        double[] x = v.f64();
        for (int j = 0; j < up.length; j++) x[v.offset() + j] += h * up[j];
        for (int i = 0; i < inputs.length; i++) {
            double[] xi = inputs[i].f64();
            for (int j = 0; j < ui[i].length; j++) xi[inputs[i].offset() + j] += h * ui[i][j];
        }
    }
}
