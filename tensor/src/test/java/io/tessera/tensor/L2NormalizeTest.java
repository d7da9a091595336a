package io.tessera.tensor;

// L2 normalisation along the last axis through Ops (torch F.normalize): float64 gradient
// checks on the regular branch and on the clamped branch (‖x‖ < eps, where the denominator is
// the constant eps), accumulation over two backward passes, and unit norms of the output.

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class L2NormalizeTest {
    @Test
    void gradientMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.Fn f = (ops, in) -> ops.l2Normalize(in[0], 1e-12);
            GradCheck.full(ctx, f, GradCheck.randn(ctx, 1, 3, 4));
            GradCheck.full(ctx, f, GradCheck.randn(ctx, 2, 2, 1));
            GradCheck.directional(ctx, f, 3, 1e-6, GradCheck.randn(ctx, 4, 10, 50));
        }
    }

    @Test
    void clampedBranchGradientIsDyOverEps() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor x = GradCheck.randn(ctx, 5, 3, 4);
            double[] v = x.f64();
            for (int i = 0; i < 4; i++) v[x.offset() + 4 + i] *= 1e-5; // row 1: ‖x‖ ≈ 2e-5 < eps = 1e-3
            GradCheck.full(ctx, (ops, in) -> ops.l2Normalize(in[0], 1e-3), x);
            Tensor y = ctx.ops().l2Normalize(x, 1e-3);
            assertThat(y.get(1, 2)).isCloseTo(v[x.offset() + 6] / 1e-3, within(1e-15));
        }
    }

    @Test
    void backwardTwiceAccumulatesTwice() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, (ops, in) -> ops.l2Normalize(in[0], 1e-12), GradCheck.randn(ctx, 6, 3, 5));
        }
    }

    @Test
    void rowsHaveUnitNorm() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            Rng rng = new Rng(7);
            float[] x = new float[5 * 19];
            for (int i = 0; i < x.length; i++) x[i] = (float) (4 * rng.nextGaussian());
            float[] y = ctx.ops().l2Normalize(ctx.ops().tensor(x, 5, 19), 1e-12).toFloatArray();
            for (int r = 0; r < 5; r++) {
                double s = 0;
                for (int j = 0; j < 19; j++) s += (double) y[r * 19 + j] * y[r * 19 + j];
                assertThat(Math.sqrt(s)).isCloseTo(1.0, within(1e-6));
            }
        }
    }
}
