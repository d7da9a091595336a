package io.tessera.tensor;

// Fused scaled dot-product attention through Ops: float64 gradient checks w.r.t. q, k and v
// with T ≠ S, a directional check at a larger size, accumulation over two backward passes,
// and the returned probabilities (rows sum to one; uniform when all keys are equal). The
// log-sum-exp variant (attentionLse, what a fused backend keeps): the reference against the
// probability variant and against an independent log-sum-exp, and Ops.attentionOutput on a
// backend that reports fused attention, by central differences.

import io.tessera.tensor.cpu.ReferenceBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AttentionTest {
    private static GradCheck.Fn attn(double scale) {
        return (ops, in) -> ops.attention(in[0], in[1], in[2], scale).out();
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            // q (B=1, H=2, T=3, Dh=4); k, v (1, 2, S=5, 4)
            GradCheck.full(ctx, attn(0.5), GradCheck.randn(ctx, 1, 1, 2, 3, 4), GradCheck.randn(ctx, 2, 1, 2, 5, 4), GradCheck.randn(ctx, 3, 1, 2, 5, 4));
            GradCheck.full(ctx, attn(1.0), GradCheck.randn(ctx, 4, 2, 1, 4, 2), GradCheck.randn(ctx, 5, 2, 1, 1, 2), GradCheck.randn(ctx, 6, 2, 1, 1, 2));
            GradCheck.directional(ctx, attn(0.25), 7, 1e-6, GradCheck.randn(ctx, 8, 2, 2, 9, 16), GradCheck.randn(ctx, 9, 2, 2, 7, 16), GradCheck.randn(ctx, 10, 2, 2, 7, 16));
        }
    }

    @Test
    void backwardTwiceAccumulatesTwice() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, attn(0.5), GradCheck.randn(ctx, 11, 1, 2, 3, 4), GradCheck.randn(ctx, 12, 1, 2, 5, 4), GradCheck.randn(ctx, 13, 1, 2, 5, 4));
        }
    }

    @Test
    void probabilitiesAreRowStochastic() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            Ops ops = ctx.ops();
            Rng rng = new Rng(14);
            float[] q = new float[2 * 3 * 5 * 8], k = new float[2 * 3 * 7 * 8];
            for (int i = 0; i < q.length; i++) q[i] = (float) rng.nextGaussian();
            for (int i = 0; i < k.length; i++) k[i] = (float) rng.nextGaussian();
            Tensor kt = ops.tensor(k, 2, 3, 7, 8);
            Ops.Attention a = ops.attention(ops.tensor(q, 2, 3, 5, 8), kt, kt, 1 / Math.sqrt(8));
            float[] p = a.probs().toFloatArray();
            assertThat(a.probs().shape()).isEqualTo(Shape.of(2, 3, 5, 7));
            for (int r = 0; r < 2 * 3 * 5; r++) {
                double s = 0;
                for (int j = 0; j < 7; j++) s += p[r * 7 + j];
                assertThat(s).isCloseTo(1, within(1e-6));
            }
            // equal keys: uniform probabilities, and out is the mean of v
            Tensor same = ops.tensor(new float[] {1, 2, 1, 2, 1, 2}, 1, 1, 3, 2);
            Tensor v = ops.tensor(new float[] {3, 0, 6, 3, 0, 3}, 1, 1, 3, 2);
            Ops.Attention u = ops.attention(ops.tensor(new float[] {0.3f, -1f}, 1, 1, 1, 2), same, v, 1.0);
            assertThat(u.probs().toDoubleArray()).containsExactly(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, within(1e-6));
            assertThat(u.out().toDoubleArray()).containsExactly(new double[] {3, 2}, within(1e-5));
        }
    }

    /** The reference backend reporting fused attention, so Ops.attentionOutput takes the log-sum-exp path. */
    private static ExecutionContext fusedReference(long seed) {
        return new ExecutionContext(new ReferenceBackend() {
            @Override
            public boolean fusedAttention() {
                return true;
            }
        }, seed);
    }

    private static GradCheck.Fn attnOut(double scale) {
        return (ops, in) -> ops.attentionOutput(in[0], in[1], in[2], scale);
    }

    @Test
    void logSumExpVariantMatchesTheProbabilityVariant() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            var be = ctx.backend();
            int b = 2, h = 2, t = 5, s = 7, dh = 3;
            double scale = 0.7;
            Tensor q = GradCheck.randn(ctx, 21, b, h, t, dh), k = GradCheck.randn(ctx, 22, b, h, s, dh), v = GradCheck.randn(ctx, 23, b, h, s, dh);
            Tensor out = ctx.ops().zeros(Shape.of(b, h, t, dh), DType.F64), probs = ctx.ops().zeros(Shape.of(b, h, t, s), DType.F64);
            be.attention(out, probs, q, k, v, scale);
            Tensor out2 = ctx.ops().zeros(Shape.of(b, h, t, dh), DType.F64), lse = ctx.ops().zeros(Shape.of(b, h, t), DType.F64);
            be.attentionLse(out2, lse, q, k, v, scale);
            assertThat(out2.toDoubleArray()).containsExactly(out.toDoubleArray(), within(1e-14));
            // lse = log Σ_j exp(scale·q_i·k_j), summed directly (no max shift: the scores are small here)
            double[] qa = q.toDoubleArray(), ka = k.toDoubleArray(), la = lse.toDoubleArray();
            for (int g = 0; g < b * h; g++) {
                for (int i = 0; i < t; i++) {
                    double sum = 0;
                    for (int j = 0; j < s; j++) {
                        double dot = 0;
                        for (int c = 0; c < dh; c++) dot += qa[(g * t + i) * dh + c] * ka[(g * s + j) * dh + c];
                        sum += Math.exp(scale * dot);
                    }
                    assertThat(la[g * t + i]).as("lse of head %d row %d", g, i).isCloseTo(Math.log(sum), within(1e-12));
                }
            }
            Tensor dout = GradCheck.randn(ctx, 24, b, h, t, dh);
            Tensor[] want = {GradCheck.randn(ctx, 25, b, h, t, dh), GradCheck.randn(ctx, 26, b, h, s, dh), GradCheck.randn(ctx, 27, b, h, s, dh)};
            Tensor[] got = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                got[i] = ctx.ops().zeros(want[i].shape(), DType.F64);
                be.copy(got[i], want[i]); // both accumulate onto the same starting gradients
            }
            be.attentionBackward(want[0], want[1], want[2], dout, q, k, v, probs, scale);
            be.attentionLseBackward(got[0], got[1], got[2], dout, q, k, v, out2, lse, scale);
            for (int i = 0; i < 3; i++) {
                assertThat(got[i].toDoubleArray()).as("gradient %d", i).containsExactly(want[i].toDoubleArray(), within(1e-12));
            }
        }
    }

    @Test
    void attentionOutputOnAFusedBackendMatchesFiniteDifferences() {
        try (ExecutionContext ctx = fusedReference(2)) {
            assertThat(ctx.backend().fusedAttention()).isTrue();
            GradCheck.full(ctx, attnOut(0.5), GradCheck.randn(ctx, 31, 1, 2, 3, 4), GradCheck.randn(ctx, 32, 1, 2, 5, 4), GradCheck.randn(ctx, 33, 1, 2, 5, 4));
            GradCheck.full(ctx, attnOut(1.0), GradCheck.randn(ctx, 34, 2, 1, 4, 2), GradCheck.randn(ctx, 35, 2, 1, 1, 2), GradCheck.randn(ctx, 36, 2, 1, 1, 2));
            GradCheck.directional(ctx, attnOut(0.25), 37, 1e-6, GradCheck.randn(ctx, 38, 2, 2, 9, 16), GradCheck.randn(ctx, 39, 2, 2, 7, 16),
                    GradCheck.randn(ctx, 40, 2, 2, 7, 16));
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, attnOut(0.5), GradCheck.randn(ctx, 41, 1, 2, 3, 4), GradCheck.randn(ctx, 42, 1, 2, 5, 4),
                    GradCheck.randn(ctx, 43, 1, 2, 5, 4));
        }
    }

    @Test
    void attentionOutputIsTheOutputOfAttentionOnEveryPath() {
        try (ExecutionContext plain = ExecutionContext.reference(3); ExecutionContext fused = fusedReference(3)) {
            for (ExecutionContext ctx : new ExecutionContext[] {plain, fused}) {
                Tensor q = GradCheck.randn(ctx, 51, 1, 3, 6, 5), k = GradCheck.randn(ctx, 52, 1, 3, 4, 5), v = GradCheck.randn(ctx, 53, 1, 3, 4, 5);
                double[] want = ctx.ops().attention(q, k, v, 0.4).out().toDoubleArray();
                assertThat(ctx.ops().attentionOutput(q, k, v, 0.4).toDoubleArray()).as(ctx.backend().name()).containsExactly(want, within(1e-14));
            }
        }
    }
}
