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
 * Autocast in bfloat16 and in float16 against an independent float64 statement of the policy:
 * operands rounded to the 16-bit type, exact products summed, results rounded to it; backward
 * rounds the incoming gradient and each gradient it passes on. Float32 sums may land on the other
 * side of a rounding boundary than exact ones, so each element may differ by one ulp of the type
 * (plus 1e-5 of the largest magnitude for sums that cancel), nearly all must agree exactly, and
 * every result must be a value of the type. Run on the reference backend, the Vector API backend,
 * and a backend that fuses attention (its log-sum-exp path). float16's narrow range is checked on
 * its own: a product beyond 65504 becomes infinite, a gradient below 2⁻²⁵ becomes zero.
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

    /** The 16-bit type of the test running (a fresh instance per test). */
    private DType type = DType.BF16;

    double r(double v) {
        return type.halfValue(type.halfBits(v));
    }

    double[] r(double[] v) {
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

    /** Each element within one ulp of the type (+ 1e-5·max|want|), at least 90 % exact, all values of the type. */
    void agrees(String what, float[] got, double[] want) {
        assertThat(got).as(what).hasSize(want.length);
        double max = 0;
        for (double w : want) max = Math.max(max, Math.abs(w));
        int exact = 0;
        for (int i = 0; i < got.length; i++) {
            assertThat(type.roundHalf(got[i])).as("%s[%d] is a %s value", what, i, type).isEqualTo(got[i]);
            double ulp = type == DType.BF16 ? Math.ulp((float) want[i]) * 65536 : Math.max(Math.ulp((float) want[i]) * 8192, 0x1p-24);
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
    @CsvSource({"REFERENCE,BF16", "SIMD,BF16", "REFERENCE,F16", "SIMD,F16"})
    void linearForwardAndBackward(Kind kind, DType type) {
        this.type = type;
        int rows = 37, in = 45, out = 23;
        float[] xv = randn(1, rows * in, 1), wv = randn(2, out * in, 0.2), bv = randn(3, out, 0.5), gv = randn(4, rows * out, 1);
        try (ExecutionContext ctx = new ExecutionContext(backend(kind), 0)) {
            Ops ops = ctx.ops();
            Tensor x = ops.tensor(xv, rows, in).requiresGrad(true), w = ops.tensor(wv, out, in).requiresGrad(true), b = ops.tensor(bv, out).requiresGrad(true);
            Tensor y;
            try (Tape tape = ctx.record()) {
                try (ExecutionContext.Autocast ac = ctx.autocast(type)) {
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
    @ParameterizedTest(name = "transA={0} transB={1} sharedB={2} {3}")
    @CsvSource({"false,false,false,BF16", "false,true,true,BF16", "true,false,true,BF16", "true,true,false,BF16", "false,false,true,BF16",
            "false,true,true,F16", "true,false,false,F16"})
    void matmulForwardAndBackward(boolean ta, boolean tb, boolean shared, DType type) {
        this.type = type;
        int bt = 3, m = 9, k = 14, n = 11;
        float[] av = randn(5, bt * m * k, 1), bv = randn(6, (shared ? 1 : bt) * k * n, 1), gv = randn(7, bt * m * n, 1);
        try (ExecutionContext ctx = new ExecutionContext(backend(Kind.SIMD), 0)) {
            Ops ops = ctx.ops();
            Tensor a = ops.tensor(av, ta ? new int[] {bt, k, m} : new int[] {bt, m, k}).requiresGrad(true);
            int[] bd = tb ? new int[] {n, k} : new int[] {k, n};
            Tensor b = ops.tensor(bv, shared ? bd : new int[] {bt, bd[0], bd[1]}).requiresGrad(true);
            Tensor c;
            try (Tape tape = ctx.record()) {
                try (ExecutionContext.Autocast ac = ctx.autocast(type)) {
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
    @CsvSource({"REFERENCE,BF16", "SIMD,BF16", "FUSED,BF16", "REFERENCE,F16", "SIMD,F16", "FUSED,F16"})
    void attentionForwardAndBackward(Kind kind, DType type) {
        this.type = type;
        int bh = 2, t = 7, s = 9, dh = 8;
        double scale = 1 / Math.sqrt(dh);
        float[] qv = randn(8, bh * t * dh, 1), kv = randn(9, bh * s * dh, 1), vv = randn(10, bh * s * dh, 1), gv = randn(11, bh * t * dh, 1);
        try (ExecutionContext ctx = new ExecutionContext(backend(kind), 0)) {
            Ops ops = ctx.ops();
            Tensor q = ops.tensor(qv, 1, bh, t, dh).requiresGrad(true), k = ops.tensor(kv, 1, bh, s, dh).requiresGrad(true),
                    v = ops.tensor(vv, 1, bh, s, dh).requiresGrad(true);
            Tensor o;
            try (Tape tape = ctx.record()) {
                try (ExecutionContext.Autocast ac = ctx.autocast(type)) {
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
            try (ExecutionContext.Autocast a = ctx.autocast(DType.F16)) {
                assertThat(ctx.autocastType()).isEqualTo(DType.F16);
            }
            assertThatThrownBy(() -> ctx.autocast(DType.F64)).hasMessageContaining("BF16 or F16");
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
                assertThatThrownBy(() -> ops.cast(x, DType.F16)).hasMessageContaining("gradient");
            }
            Tensor h = ops.cast(ops.tensor(randn(3, 6, 1), 2, 3), DType.F16);
            assertThatThrownBy(() -> ops.exp(h)).hasMessageContaining("F16 tensors are storage");
        }
    }

    /**
     * float16's range, the reason for loss scaling: a product beyond 65504 is infinite, a gradient
     * that rounds below 2⁻²⁵ is zero, and the same gradient multiplied by 2¹⁶ first survives and
     * divides back to the float32 gradient within float16's rounding.
     */
    @ParameterizedTest
    @ValueSource(strings = {"REFERENCE", "SIMD"})
    void float16OverflowsAndUnderflows(Kind kind) {
        try (ExecutionContext ctx = new ExecutionContext(backend(kind), 0)) {
            Ops ops = ctx.ops();
            Tensor x = ops.tensor(new float[] {300, 1e-3f}, 1, 2).requiresGrad(true);
            Tensor w = ops.tensor(new float[] {300, 0, 1e-3f, 0}, 2, 2).requiresGrad(true);
            float[][] dw = new float[2][];
            float[] scales = {1, 65536};
            for (int pass = 0; pass < 2; pass++) {
                w.setGrad(null);
                x.setGrad(null);
                Tensor y;
                try (Tape tape = ctx.record()) {
                    try (ExecutionContext.Autocast ac = ctx.autocast(DType.F16)) {
                        y = ops.linear(x, w, null); // (90000 → inf, 0.3)
                    }
                    // loss = scale·1e-8·y[1]: dy[1] = scale·1e-8, dW[1, 0] = scale·1e-8·300
                    tape.backward(ops.mul(ops.sum(ops.mul(ops.slice(y, 1, 1, 1), ops.scalar(1e-8, DType.F32))), ops.scalar(scales[pass], DType.F32)));
                }
                float[] yv = y.toFloatArray();
                assertThat(yv[0]).as("300·300 in float16").isEqualTo(Float.POSITIVE_INFINITY);
                assertThat(yv[1]).isEqualTo(Float16.round(Float16.round(1e-3f) * 300f));
                dw[pass] = w.grad().toFloatArray();
            }
            assertThat(dw[0][2]).as("1e-8 is below float16's smallest subnormal halfway point").isZero();
            float want = Float16.round(Float16.round(1e-8f * 65536) * 300f);
            assertThat(dw[1][2]).isEqualTo(want).isNotZero();
            assertThat(Math.abs(dw[1][2] / 65536.0 - 3e-6)).as("unscaled, within float16 rounding of 1e-8·300").isLessThan(3e-6 * 0x1p-10);
        }
    }
}
