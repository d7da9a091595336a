package io.tessera.tensor;

// Parity of the Vector API fused kernels (softmax, norms, attention, losses) with the scalar
// reference on F32 data, forward and backward, over awkward shapes and several backends
// (1 and 2 threads, 128/256-bit and preferred widths), and bitwise 1-vs-2-thread determinism.
// Gradient correctness itself is checked in the per-op float64 tests.

import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

class FusedParityTest {
    private static final int[] ROWS = {1, 3, 7, 9, 17, 33};
    private static Backend ref;
    private static List<CpuBackend> simd;

    @BeforeAll
    static void backends() {
        ref = new ReferenceBackend();
        simd = List.of(new CpuBackend(1), new CpuBackend(2), new CpuBackend(1, 128), new CpuBackend(2, 256));
    }

    @AfterAll
    static void close() {
        simd.forEach(CpuBackend::close);
    }

    /** One run of an op on a backend: returns every output and gradient it wrote. */
    @FunctionalInterface
    interface Case {
        List<float[]> run(Inputs in);
    }

    /** Builds F32 / I32 tensors on one backend from seeds, so every backend sees the same data. */
    record Inputs(Backend be) {
        Tensor randn(long seed, double scale, int... dims) {
            Rng rng = new Rng(seed);
            Shape s = Shape.of(dims);
            float[] d = new float[s.size()];
            for (int i = 0; i < d.length; i++) d[i] = (float) (scale * rng.nextGaussian());
            return of(d, dims);
        }

        Tensor randn(long seed, int... dims) {
            return randn(seed, 1.0, dims);
        }

        Tensor of(float[] d, int... dims) {
            Shape s = Shape.of(dims);
            Tensor t = new Tensor(be, s, DType.F32, be.allocate(DType.F32, s.size(), false), 0);
            be.write(t, d);
            return t;
        }

        Tensor empty(int... dims) {
            Shape s = Shape.of(dims);
            return new Tensor(be, s, DType.F32, be.allocate(DType.F32, s.size(), true), 0);
        }

        Tensor labels(long seed, int n, int classes) {
            Rng rng = new Rng(seed);
            int[] y = new int[n];
            for (int i = 0; i < n; i++) y[i] = rng.nextInt(classes);
            Tensor t = new Tensor(be, Shape.of(n), DType.I32, be.allocate(DType.I32, n, false), 0);
            be.write(t, y);
            return t;
        }

        Tensor mask(long seed, int b, int l) {
            Rng rng = new Rng(seed);
            float[] m = new float[b * l];
            for (int i = 0; i < m.length; i++) m[i] = rng.nextDouble() < 0.75 ? 1f : 0f;
            m[0] = 1f;
            return of(m, b, l);
        }
    }

    private static List<float[]> outs(Tensor... ts) {
        List<float[]> l = new ArrayList<>();
        for (Tensor t : ts) if (t != null) l.add(t.toFloatArray());
        return l;
    }

    private static void compare(String what, Case c, double atol, double rtol) {
        List<float[]> want = c.run(new Inputs(ref));
        for (CpuBackend be : simd) {
            List<float[]> got = c.run(new Inputs(be));
            assertThat(got).as(what + " output count on " + be.name()).hasSameSizeAs(want);
            for (int o = 0; o < want.size(); o++) {
                float[] w = want.get(o), g = got.get(o);
                for (int i = 0; i < w.length; i++) {
                    if (!(Math.abs(w[i] - g[i]) <= atol + rtol * Math.abs(w[i]))) {
                        fail("%s on %s: output %d element %d: reference %.8g, simd %.8g", what, be.name(), o, i, w[i], g[i]);
                    }
                }
            }
        }
    }

    private static void bitwise(String what, Case c) {
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
            List<float[]> a = c.run(new Inputs(one)), b = c.run(new Inputs(two));
            for (int o = 0; o < a.size(); o++) {
                float[] x = a.get(o), y = b.get(o);
                for (int i = 0; i < x.length; i++) {
                    if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                        fail("%s: output %d element %d differs between 1 thread (%s) and 2 threads (%s)", what, o, i, x[i], y[i]);
                    }
                }
            }
        }
    }

    /**
     * Runs forward and backward of Σ f(x)⊙r twice on two tapes and asserts that every leaf
     * gradient is exactly twice that of one pass (backward kernels accumulate with +=).
     */
    static void assertBackwardTwiceAccumulates(ExecutionContext ctx, GradCheck.Fn f, Tensor... inputs) {
        Tensor r = GradCheck.weights(ctx, f, inputs);
        double[][] once = GradCheck.analytic(ctx, f, r, inputs);
        for (Tensor t : inputs) {
            t.requiresGrad(t.dtype().isFloating());
            t.setGrad(null);
        }
        for (int rep = 0; rep < 2; rep++) {
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                tape.backward(ctx.ops().sum(ctx.ops().mul(f.apply(ctx.ops(), inputs), r)));
            }
        }
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].dtype().isFloating()) continue;
            assertThat(inputs[i].grad()).as("gradient of input " + i + " after two backward passes").isNotNull();
            double[] twice = inputs[i].grad().toDoubleArray();
            for (int j = 0; j < twice.length; j++) {
                if (!(Math.abs(twice[j] - 2 * once[i][j]) <= 1e-12 + 1e-12 * Math.abs(once[i][j]))) {
                    fail("input %d element %d: one pass %.12g, two passes %.12g (expected twice)", i, j, once[i][j], twice[j]);
                }
            }
            inputs[i].setGrad(null);
            inputs[i].requiresGrad(false);
        }
    }

    // ---- cases ------------------------------------------------------------------------------

    private static Case softmax(int n, int d, long seed) {
        return in -> {
            Tensor x = in.randn(seed, 3.0, n, d), y = in.empty(n, d);
            in.be().softmax(y, x);
            Tensor dx = in.randn(seed + 1, n, d), dy = in.randn(seed + 2, n, d);
            in.be().softmaxBackward(dx, dy, y);
            return outs(y, dx);
        };
    }

    private static Case layerNorm(int n, int d, boolean affine, long seed) {
        return in -> {
            Tensor x = in.randn(seed, 2.0, n, d), y = in.empty(n, d), mean = in.empty(n), rstd = in.empty(n);
            Tensor w = affine ? in.randn(seed + 1, d) : null, b = affine ? in.randn(seed + 2, d) : null;
            in.be().layerNorm(y, mean, rstd, x, w, b, 1e-5);
            Tensor dy = in.randn(seed + 3, n, d), dx = in.randn(seed + 4, n, d);
            Tensor dw = affine ? in.randn(seed + 5, d) : null, db = affine ? in.randn(seed + 6, d) : null;
            in.be().layerNormBackward(dx, dw, db, dy, x, w, mean, rstd);
            return outs(y, mean, rstd, dx, dw, db);
        };
    }

    private static Case batchNorm(int n, int c, boolean affine, long seed) {
        return in -> {
            Tensor x = in.randn(seed, 2.0, n, c), y = in.empty(n, c), mean = in.empty(c), rstd = in.empty(c);
            Tensor w = affine ? in.randn(seed + 1, c) : null, b = affine ? in.randn(seed + 2, c) : null;
            Tensor rm = in.randn(seed + 3, 0.5, c), rv = in.of(positive(seed + 4, c), c);
            in.be().batchNormTrain(y, mean, rstd, rm, rv, x, w, b, 0.1, 1e-5);
            Tensor dy = in.randn(seed + 5, n, c), dx = in.randn(seed + 6, n, c);
            Tensor dw = affine ? in.randn(seed + 7, c) : null, db = affine ? in.randn(seed + 8, c) : null;
            in.be().batchNormBackward(dx, dw, db, dy, x, w, mean, rstd);
            Tensor ye = in.empty(n, c), dxe = in.randn(seed + 9, n, c);
            Tensor dwe = affine ? in.randn(seed + 10, c) : null, dbe = affine ? in.randn(seed + 11, c) : null;
            in.be().batchNormEval(ye, x, rm, rv, w, b, 1e-5);
            in.be().batchNormEvalBackward(dxe, dwe, dbe, dy, x, rm, rv, w, 1e-5);
            return outs(y, mean, rstd, rm, rv, dx, dw, db, ye, dxe, dwe, dbe);
        };
    }

    private static float[] positive(long seed, int n) {
        Rng rng = new Rng(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (0.5 + rng.nextDouble());
        return v;
    }

    private static Case l2Normalize(int n, int d, long seed) {
        return in -> {
            Rng rng = new Rng(seed);
            float[] xv = new float[n * d];
            for (int i = 0; i < xv.length; i++) xv[i] = (float) rng.nextGaussian();
            if (n > 1) for (int j = 0; j < d; j++) xv[d + j] = 1e-9f * (j + 1); // row 1 is clamped (‖x‖ < eps)
            Tensor x = in.of(xv, n, d), y = in.empty(n, d), norm = in.empty(n);
            in.be().l2Normalize(y, norm, x, 1e-6);
            Tensor dy = in.randn(seed + 1, n, d), dx = in.randn(seed + 2, n, d);
            in.be().l2NormalizeBackward(dx, dy, x, y, norm, 1e-6);
            return outs(y, norm, dx);
        };
    }

    private static Case attention(int b, int h, int t, int s, int dh, long seed) {
        return in -> {
            Tensor q = in.randn(seed, b, h, t, dh), k = in.randn(seed + 1, b, h, s, dh), v = in.randn(seed + 2, b, h, s, dh);
            Tensor out = in.empty(b, h, t, dh), probs = in.empty(b, h, t, s);
            double scale = 1 / Math.sqrt(dh);
            in.be().attention(out, probs, q, k, v, scale);
            Tensor dout = in.randn(seed + 3, b, h, t, dh);
            Tensor dq = in.randn(seed + 4, b, h, t, dh), dk = in.randn(seed + 5, b, h, s, dh), dv = in.randn(seed + 6, b, h, s, dh);
            in.be().attentionBackward(dq, dk, dv, dout, q, k, v, probs, scale);
            return outs(out, probs, dq, dk, dv);
        };
    }

    private static Case attentionLse(int b, int h, int t, int s, int dh, long seed) {
        return in -> {
            Tensor q = in.randn(seed, b, h, t, dh), k = in.randn(seed + 1, b, h, s, dh), v = in.randn(seed + 2, b, h, s, dh);
            Tensor out = in.empty(b, h, t, dh), lse = in.empty(b, h, t);
            double scale = 1 / Math.sqrt(dh);
            in.be().attentionLse(out, lse, q, k, v, scale);
            Tensor dout = in.randn(seed + 3, b, h, t, dh);
            Tensor dq = in.randn(seed + 4, b, h, t, dh), dk = in.randn(seed + 5, b, h, s, dh), dv = in.randn(seed + 6, b, h, s, dh);
            in.be().attentionLseBackward(dq, dk, dv, dout, q, k, v, out, lse, scale);
            Tensor dvOnly = in.randn(seed + 7, b, h, s, dh);
            in.be().attentionLseBackward(null, null, dvOnly, dout, q, k, v, out, lse, scale);
            return outs(out, lse, dq, dk, dv, dvOnly);
        };
    }

    private static Case crossEntropy(int n, int v, double eps, long seed) {
        return in -> {
            Tensor logits = in.randn(seed, 3.0, n, v), labels = in.labels(seed + 1, n, v);
            Tensor losses = in.empty(n), probs = in.empty(n, v);
            in.be().crossEntropy(losses, probs, logits, labels, eps);
            Tensor dl = in.randn(seed + 2, n), dlogits = in.randn(seed + 3, n, v);
            in.be().crossEntropyBackward(dlogits, dl, probs, labels, eps);
            return outs(losses, probs, dlogits);
        };
    }

    private static Case maskedMse(int b, int l, int p, long seed) {
        return in -> {
            Tensor pred = in.randn(seed, b, l, p), target = in.randn(seed + 1, b, l, p), mask = in.mask(seed + 2, b, l);
            Tensor loss = in.empty();
            in.be().maskedMse(loss, pred, target, mask);
            Tensor dloss = in.of(new float[] {1.5f}), dp = in.randn(seed + 3, b, l, p), dt = in.randn(seed + 4, b, l, p);
            in.be().maskedMseBackward(dp, dt, dloss, pred, target, mask);
            return outs(loss, dp, dt);
        };
    }

    // ---- tests ------------------------------------------------------------------------------

    @Test
    void softmaxMatchesReference() {
        for (int d : ROWS) {
            compare("softmax n=5 d=" + d, softmax(5, d, 10 + d), 1e-6, 1e-5);
            compare("softmax n=1 d=" + d, softmax(1, d, 20 + d), 1e-6, 1e-5);
        }
        compare("softmax large", softmax(300, 197, 7), 1e-6, 1e-5);
    }

    @Test
    void layerNormMatchesReference() {
        for (int d : ROWS) {
            for (boolean affine : new boolean[] {true, false}) {
                compare("layerNorm n=5 d=" + d + " affine=" + affine, layerNorm(5, d, affine, 30 + d), 2e-5, 1e-4);
                compare("layerNorm n=1 d=" + d + " affine=" + affine, layerNorm(1, d, affine, 40 + d), 2e-5, 1e-4);
            }
        }
        compare("layerNorm large", layerNorm(200, 768, true, 8), 2e-5, 1e-4);
    }

    @Test
    void batchNormMatchesReference() {
        for (int c : new int[] {1, 3, 7, 9, 17, 33, 65, 130}) {
            compare("batchNorm n=5 c=" + c, batchNorm(5, c, true, 50 + c), 2e-5, 1e-4);
            compare("batchNorm n=2 c=" + c + " no affine", batchNorm(2, c, false, 60 + c), 2e-5, 1e-4);
        }
        compare("batchNorm large", batchNorm(256, 200, true, 9), 2e-5, 1e-4);
    }

    @Test
    void l2NormalizeMatchesReference() {
        for (int d : ROWS) {
            compare("l2Normalize n=4 d=" + d, l2Normalize(4, d, 70 + d), 1e-6, 1e-5);
            compare("l2Normalize n=1 d=" + d, l2Normalize(1, d, 80 + d), 1e-6, 1e-5);
        }
        compare("l2Normalize large", l2Normalize(300, 256, 11), 1e-6, 1e-5);
    }

    @Test
    void attentionMatchesReference() {
        int[][] shapes = {{1, 1, 1, 1, 1}, {1, 2, 3, 5, 7}, {2, 1, 9, 4, 17}, {1, 3, 17, 9, 33}, {2, 2, 7, 33, 3}, {1, 1, 33, 17, 9}};
        for (int[] z : shapes) {
            compare("attention " + Arrays.toString(z), attention(z[0], z[1], z[2], z[3], z[4], 90 + z[2]), 2e-5, 1e-4);
        }
        compare("attention large", attention(2, 3, 65, 65, 64, 12), 2e-5, 1e-4);
    }

    @Test
    void attentionLseMatchesReference() {
        int[][] shapes = {{1, 1, 1, 1, 1}, {1, 2, 3, 5, 7}, {2, 1, 9, 4, 17}, {1, 3, 17, 9, 33}, {2, 2, 7, 33, 3}};
        for (int[] z : shapes) {
            compare("attentionLse " + Arrays.toString(z), attentionLse(z[0], z[1], z[2], z[3], z[4], 190 + z[2]), 2e-5, 1e-4);
        }
        compare("attentionLse large", attentionLse(2, 3, 65, 65, 64, 22), 2e-5, 1e-4);
    }

    @Test
    void crossEntropyMatchesReference() {
        for (int v : ROWS) {
            compare("crossEntropy n=5 v=" + v + " eps=0", crossEntropy(5, v, 0, 100 + v), 1e-5, 1e-5);
            compare("crossEntropy n=1 v=" + v + " eps=0.1", crossEntropy(1, v, 0.1, 110 + v), 1e-5, 1e-5);
        }
        compare("crossEntropy large", crossEntropy(64, 1000, 0.1, 13), 1e-5, 1e-5);
    }

    @Test
    void maskedMseMatchesReference() {
        for (int p : ROWS) {
            compare("maskedMse b=2 l=5 p=" + p, maskedMse(2, 5, p, 120 + p), 1e-6, 1e-5);
            compare("maskedMse b=1 l=1 p=" + p, maskedMse(1, 1, p, 130 + p), 1e-6, 1e-5);
        }
        compare("maskedMse large", maskedMse(8, 64, 48, 14), 1e-6, 1e-5);
    }

    @Test
    void mismatchedShapesAreRejectedWithTheOpName() {
        List<Backend> all = new ArrayList<>(simd);
        all.add(ref);
        for (Backend be : all) {
            Inputs in = new Inputs(be);
            Tensor x = in.randn(1, 4, 6), y = in.empty(4, 6), mean = in.empty(4), rstd = in.empty(4);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> be.layerNorm(y, mean, rstd, x, in.randn(2, 5), null, 1e-5))
                    .as(be.name()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layerNorm");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> be.batchNormEval(y, in.randn(3, 2, 2, 6), in.empty(6), in.empty(6), null, null, 1e-5))
                    .as(be.name()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchNormEval");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> be.attention(in.empty(1, 1, 2, 3), in.empty(1, 1, 2, 4), in.randn(4, 1, 1, 2, 3), in.randn(5, 1, 1, 4, 2), in.randn(6, 1, 1, 4, 2), 1.0))
                    .as(be.name()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attention");
        }
    }

    @Test
    void reductionsAreBitwiseIdenticalOnOneAndTwoThreads() {
        bitwise("layerNorm backward (dx, dw, db)", layerNorm(3000, 40, true, 15));
        bitwise("batchNorm train/eval and backward", batchNorm(300, 330, true, 16));
        bitwise("maskedMse", maskedMse(8, 196, 48, 17));
        bitwise("attention", attention(2, 3, 20, 20, 16, 18));
        bitwise("attentionLse", attentionLse(2, 3, 20, 20, 16, 23));
        bitwise("softmax", softmax(2000, 33, 19));
    }
}
