package io.tessera.tensor;

import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * bf16 autocast against an independent float64 statement of the policy: operands rounded to
 * bfloat16, exact products summed, results rounded to bfloat16; backward rounds the incoming
 * gradient and each gradient it passes on. Float32 sums may land on the other side of a bfloat16
 * rounding boundary than exact ones, so each element may differ by one bfloat16 ulp (plus 1e-5 of
 * the largest magnitude for sums that cancel), nearly all must agree exactly, and every result
 * must be a bfloat16 value. Run on the reference backend, the Vector API backend, and a backend
 * that fuses attention (its log-sum-exp path).
 */
class AutocastTest {

    enum Kind { REFERENCE, SIMD, FUSED }

    static Backend backend(Kind k) {
        return switch (k) {
            case REFERENCE -> new ReferenceBackend();
            case SIMD -> new CpuBackend(2);
            case FUSED -> new ReferenceBackend() {
                @Override
                public boolean fusedAttention() {
                    return true;
                }
            };
        };
    }

    static double r(double v) {
        return BFloat16.toFloat(BFloat16.fromDouble(v));
    }

    static double[] r(double[] v) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = r(v[i]);
        return o;
    }

    static float[] randn(long seed, int n, double scale) {
        Rng rng = new Rng(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (rng.nextGaussian() * scale);
        return f;
    }

    static double[] d(float[] f) {
        double[] o = new double[f.length];
        for (int i = 0; i < f.length; i++) o[i] = f[i];
        return o;
    }

    /** Each element within one bfloat16 ulp (+ 1e-5·max|want|), at least 90 % exact, all bfloat16 values. */
    static void agrees(String what, float[] got, double[] want) {
        assertThat(got).as(what).hasSize(want.length);
        double max = 0;
        for (double w : want) max = Math.max(max, Math.abs(w));
        int exact = 0;
        for (int i = 0; i < got.length; i++) {
            assertThat(BFloat16.round(got[i])).as("%s[%d] is a bfloat16 value", what, i).isEqualTo(got[i]);
            double ulp = Math.ulp((float) want[i]) * 65536;
            assertThat(Math.abs(got[i] - want[i])).as("%s[%d]: %s vs %s", what, i, got[i], want[i]).isLessThanOrEqualTo(ulp + 1e-5 * max);
            if (got[i] == want[i]) exact++;
        }
        assertThat(exact).as("%s: elements equal to the float64 statement", what).isGreaterThanOrEqualTo((int) Math.ceil(0.9 * got.length));
    }

    /** loss = Σ y ⊙ G, so that the gradient reaching y is G. */
    static Tensor against(Ops ops, Tensor y, float[] g) {
        return ops.sum(ops.mul(y, ops.tensor(g, y.shape().dims())));
    }

    @ParameterizedTest
    @ValueSource(strings = {"REFERENCE", "SIMD"})
    void linearForwardAndBackward(Kind kind) {
        int rows = 37, in = 45, out = 23;
        float[] xv = randn(1, rows * in, 1), wv = randn(2, out * in, 0.2), bv = randn(3, out, 0.5), gv = randn(4, rows * out, 1);
        try (ExecutionContext ctx = new ExecutionContext(backend(kind), 0)) {
            Ops ops = ctx.ops();
            Tensor x = ops.tensor(xv, rows, in).requiresGrad(true), w = ops.tensor(wv, out, in).requiresGrad(true), b = ops.tensor(bv, out).requiresGrad(true);
            Tensor y;
            try (Tape tape = ctx.record()) {
                try (ExecutionContext.Autocast ac = ctx.autocast(DType.BF16)) {
                    y = ops.linear(x, w, b);
                }
                assertThat(y.dtype()).isEqualTo(DType.F32);
                tape.backward(against(ops, y, gv));
            }
            double[] x16 = r(d(xv)), w16 = r(d(wv)), b16 = r(d(bv)), g16 = r(d(gv));
            double[] yw = new double[rows * out], gx = new double[rows * in], gw = new double[out * in], gb = new double[out];
            for (int i = 0; i < rows; i++) {
                for (int o = 0; o < out; o++) {
                    double s = b16[o];
                    for (int k = 0; k < in; k++) s += x16[i * in + k] * w16[o * in + k];
                    yw[i * out + o] = r(s);
                }
            }
            for (int i = 0; i < rows; i++) for (int k = 0; k < in; k++) {
                double s = 0;
                for (int o = 0; o < out; o++) s += g16[i * out + o] * w16[o * in + k];
                gx[i * in + k] = r(s);
            }
            for (int o = 0; o < out; o++) for (int k = 0; k < in; k++) {
                double s = 0;
                for (int i = 0; i < rows; i++) s += g16[i * out + o] * x16[i * in + k];
                gw[o * in + k] = r(s);
            }
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < rows; i++) s += g16[i * out + o];
                gb[o] = r(s);
            }
            agrees("y", y.toFloatArray(), yw);
            agrees("dx", x.grad().toFloatArray(), gx);
            agrees("dW", w.grad().toFloatArray(), gw);
            agrees("db", b.grad().toFloatArray(), gb);

            // the same product in float32 differs: the rounding really happened
            Tensor y32 = ops.linear(x, w, b);
            int differ = 0;
            float[] a = y.toFloatArray(), c = y32.toFloatArray();
            for (int i = 0; i < a.length; i++) if (a[i] != c[i]) differ++;
            assertThat(differ).isGreaterThan(a.length / 2);
        }
    }

    /** a (B, M, K) or its transpose times b (K, N) shared across the batch, or batched. */
    @ParameterizedTest(name = "transA={0} transB={1} sharedB={2}")
    @CsvSource({"false,false,false", "false,true,true", "true,false,true", "true,true,false", "false,false,true"})
    void matmulForwardAndBackward(boolean ta, boolean tb, boolean shared) {
        int bt = 3, m = 9, k = 14, n = 11;
        float[] av = randn(5, bt * m * k, 1), bv = randn(6, (shared ? 1 : bt) * k * n, 1), gv = randn(7, bt * m * n, 1);
        try (ExecutionContext ctx = new ExecutionContext(backend(Kind.SIMD), 0)) {
            Ops ops = ctx.ops();
            Tensor a = ops.tensor(av, ta ? new int[] {bt, k, m} : new int[] {bt, m, k}).requiresGrad(true);
            int[] bd = tb ? new int[] {n, k} : new int[] {k, n};
            Tensor b = ops.tensor(bv, shared ? bd : new int[] {bt, bd[0], bd[1]}).requiresGrad(true);
            Tensor c;
            try (Tape tape = ctx.record()) {
                try (ExecutionContext.Autocast ac = ctx.autocast(DType.BF16)) {
                    c = ops.matmul(a, b, ta, tb);
                }
                tape.backward(against(ops, c, gv));
            }
            double[] a16 = r(d(av)), b16 = r(d(bv)), g16 = r(d(gv));
            double[] cw = new double[bt * m * n], ga = new double[a16.length], gb = new double[b16.length];
            for (int p = 0; p < bt; p++) {
                int bo = shared ? 0 : p * k * n;
                for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int q = 0; q < k; q++) {
                        double av_ = a16[p * m * k + (ta ? q * m + i : i * k + q)], bv_ = b16[bo + (tb ? j * k + q : q * n + j)];
                        s += av_ * bv_;
                    }
                    cw[p * m * n + i * n + j] = r(s);
                }
                for (int i = 0; i < m; i++) for (int q = 0; q < k; q++) {
                    double s = 0;
                    for (int j = 0; j < n; j++) s += g16[p * m * n + i * n + j] * b16[bo + (tb ? j * k + q : q * n + j)];
                    ga[p * m * k + (ta ? q * m + i : i * k + q)] = r(s);
                }
            }
            for (int p = 0; p < (shared ? 1 : bt); p++) for (int q = 0; q < k; q++) for (int j = 0; j < n; j++) {
                double s = 0;
                for (int pp = shared ? 0 : p; pp < (shared ? bt : p + 1); pp++) {
                    for (int i = 0; i < m; i++) s += a16[pp * m * k + (ta ? q * m + i : i * k + q)] * g16[pp * m * n + i * n + j];
                }
                gb[p * k * n + (tb ? j * k + q : q * n + j)] = r(s);
            }
            agrees("c", c.toFloatArray(), cw);
            agrees("da", a.grad().toFloatArray(), ga);
            agrees("db", b.grad().toFloatArray(), gb);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"REFERENCE", "SIMD", "FUSED"})
    void attentionForwardAndBackward(Kind kind) {
        int bh = 2, t = 7, s = 9, dh = 8;
        double scale = 1 / Math.sqrt(dh);
        float[] qv = randn(8, bh * t * dh, 1), kv = randn(9, bh * s * dh, 1), vv = randn(10, bh * s * dh, 1), gv = randn(11, bh * t * dh, 1);
        try (ExecutionContext ctx = new ExecutionContext(backend(kind), 0)) {
            Ops ops = ctx.ops();
            Tensor q = ops.tensor(qv, 1, bh, t, dh).requiresGrad(true), k = ops.tensor(kv, 1, bh, s, dh).requiresGrad(true),
                    v = ops.tensor(vv, 1, bh, s, dh).requiresGrad(true);
            Tensor o;
            try (Tape tape = ctx.record()) {
                try (ExecutionContext.Autocast ac = ctx.autocast(DType.BF16)) {
                    o = ops.attentionOutput(q, k, v, scale);
                }
                tape.backward(against(ops, o, gv));
            }
            double[] q16 = r(d(qv)), k16 = r(d(kv)), v16 = r(d(vv)), g16 = r(d(gv));
            double[] ow = new double[qv.length], dq = new double[qv.length], dk = new double[kv.length], dv = new double[vv.length];
            for (int h = 0; h < bh; h++) {
                for (int i = 0; i < t; i++) {
                    double[] p = new double[s];
                    double mx = Double.NEGATIVE_INFINITY, z = 0;
                    for (int j = 0; j < s; j++) {
                        double dot = 0;
                        for (int c = 0; c < dh; c++) dot += q16[(h * t + i) * dh + c] * k16[(h * s + j) * dh + c];
                        p[j] = dot * scale;
                        mx = Math.max(mx, p[j]);
                    }
                    for (int j = 0; j < s; j++) z += p[j] = Math.exp(p[j] - mx);
                    for (int j = 0; j < s; j++) p[j] /= z;
                    double[] dp = new double[s];
                    double dot = 0;
                    for (int j = 0; j < s; j++) {
                        for (int c = 0; c < dh; c++) dp[j] += g16[(h * t + i) * dh + c] * v16[(h * s + j) * dh + c];
                        dot += dp[j] * p[j];
                    }
                    for (int c = 0; c < dh; c++) {
                        double acc = 0;
                        for (int j = 0; j < s; j++) acc += p[j] * v16[(h * s + j) * dh + c];
                        ow[(h * t + i) * dh + c] = r(acc);
                    }
                    for (int j = 0; j < s; j++) {
                        double ds = p[j] * (dp[j] - dot) * scale;
                        for (int c = 0; c < dh; c++) {
                            dq[(h * t + i) * dh + c] += ds * k16[(h * s + j) * dh + c];
                            dk[(h * s + j) * dh + c] += ds * q16[(h * t + i) * dh + c];
                            dv[(h * s + j) * dh + c] += p[j] * g16[(h * t + i) * dh + c];
                        }
                    }
                }
            }
            agrees("out", o.toFloatArray(), ow);
            agrees("dq", q.grad().toFloatArray(), r(dq));
            agrees("dk", k.grad().toFloatArray(), r(dk));
            agrees("dv", v.grad().toFloatArray(), r(dv));
        }
    }

    @Test
    void scopeRestoresAndNests() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            assertThat(ctx.autocastType()).isNull();
            try (ExecutionContext.Autocast a = ctx.autocast(DType.BF16)) {
                try (ExecutionContext.Autocast b = ctx.autocast(DType.BF16)) {
                    assertThat(ctx.autocastType()).isEqualTo(DType.BF16);
                }
                assertThat(ctx.autocastType()).isEqualTo(DType.BF16);
            }
            assertThat(ctx.autocastType()).isNull();
            assertThatThrownBy(() -> ctx.autocast(DType.F64)).hasMessageContaining("BF16 only");
        }
    }

    @Test
    void higherOrderTapesAndBf16GradientsAreRefused() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            Ops ops = ctx.ops();
            Tensor x = ops.tensor(randn(1, 6, 1), 2, 3).requiresGrad(true), w = ops.tensor(randn(2, 12, 1), 4, 3);
            Supplier<Tensor> lin = () -> ops.linear(x, w, null);
            try (Tape tape = ctx.recordHigherOrder(); ExecutionContext.Autocast ac = ctx.autocast(DType.BF16)) {
                assertThatThrownBy(lin::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("higher-order");
            }
            try (Tape tape = ctx.record()) {
                assertThatThrownBy(() -> ops.cast(x, DType.BF16)).hasMessageContaining("gradient");
            }
        }
    }
}
