// Test support shared by the LUT, SimMIM and supervised tests: a float64 directional-derivative check
// of a scalar loss over a store's trainable parameters, a small optimizer loop over a method, and a
// synthetic image set with learnable structure. Not a trainer.
package io.tessera.ssl.lut;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.AdamW;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;

import java.util.function.Supplier;

public final class MethodChecks {
    private MethodChecks() {
    }

    /** The directional derivative from backward (g·v) and from central differences (f(θ+εv) − f(θ−εv))/2ε. */
    public record Directional(double analytic, double numeric) {
        public double relativeError() {
            return Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 1e-12);
        }
    }

    /** Directional check along a random normal direction over the trainable parameters of {@code store} (F64). */
    public static Directional directional(ExecutionContext ctx, ParameterStore store, Supplier<Tensor> loss, long seed, double eps) {
        store.zeroGrad();
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            tape.backward(loss.get());
        }
        double[] g = store.gradients().toDoubleArray();
        double[] theta = store.values().toDoubleArray();
        double[] v = new double[theta.length];
        Rng rng = new Rng(seed);
        for (Parameter p : store.parameters()) {
            if (!p.trainable()) continue;
            for (int i = 0; i < p.size(); i++) v[p.offset() + i] = rng.nextGaussian();
        }
        double gv = 0;
        for (int i = 0; i < v.length; i++) gv += g[i] * v[i];
        double plus = evalAt(ctx, store, loss, theta, v, eps), minus = evalAt(ctx, store, loss, theta, v, -eps);
        store.values().backend().write(store.values(), theta);
        return new Directional(gv, (plus - minus) / (2 * eps));
    }

    private static double evalAt(ExecutionContext ctx, ParameterStore store, Supplier<Tensor> loss, double[] theta, double[] v, double eps) {
        double[] t = theta.clone();
        for (int i = 0; i < t.length; i++) t[i] += eps * v[i];
        store.values().backend().write(store.values(), t);
        try (Scope s = ctx.openScope()) {
            return loss.get().item();
        }
    }

    /** {@code steps} AdamW steps (MAE pre-training settings) over the batches in turn; returns the loss of each step. */
    public static double[] train(ExecutionContext ctx, PretrainMethod method, Batch[] batches, int steps, double lr) {
        Ops ops = ctx.ops();
        AdamW opt = AdamW.maePretrain(method.trainable());
        method.train(true);
        double[] losses = new double[steps];
        Rng root = new Rng(99);
        for (int it = 0; it < steps; it++) {
            method.trainable().zeroGrad();
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                Tensor l = method.forward(ops, batches[it % batches.length], root.split(it)).total();
                losses[it] = l.item();
                tape.backward(l);
            }
            opt.step(lr);
            method.afterOptimizerStep(it);
        }
        return losses;
    }

    /** Mean of losses[from, to). */
    public static double mean(double[] losses, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += losses[i];
        return s / (to - from);
    }

    /**
     * Smooth synthetic images (B, C, S, S) F32 (F64 when {@code f64}): per sample and channel a
     * random plane wave sin(a·x + b·y + φ) plus a little noise.
     */
    public static Tensor images(Ops ops, Rng rng, int batch, int channels, int side, boolean f64) {
        double[] d = new double[batch * channels * side * side];
        int i = 0;
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                double a = 0.2 + 0.6 * rng.nextDouble(), bb = 0.2 + 0.6 * rng.nextDouble(), phi = 6.28 * rng.nextDouble();
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) d[i++] = Math.sin(a * x + bb * y + phi) + 0.05 * rng.nextGaussian();
                }
            }
        }
        if (f64) return ops.tensor(d, batch, channels, side, side);
        float[] f = new float[d.length];
        for (int j = 0; j < f.length; j++) f[j] = (float) d[j];
        return ops.tensor(f, batch, channels, side, side);
    }

    /** A second view: a per-channel affine change of the first (a stand-in for colour jitter). */
    public static Tensor colourShift(Ops ops, Tensor view) {
        return ops.addScalar(ops.scale(view, 0.8), 0.1);
    }
}
