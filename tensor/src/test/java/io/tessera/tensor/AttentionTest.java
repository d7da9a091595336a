package io.tessera.tensor;

// Fused scaled dot-product attention through Ops: float64 gradient checks w.r.t. q, k and v
// with T ≠ S, a directional check at a larger size, accumulation over two backward passes,
// and the returned probabilities (rows sum to one; uniform when all keys are equal).

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
}
