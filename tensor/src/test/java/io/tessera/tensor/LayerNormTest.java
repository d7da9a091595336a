package io.tessera.tensor;

// LayerNorm over the last axis through Ops: float64 gradient checks with and without the
// affine weight and bias (w.r.t. x, w and b), a directional check at ViT width, accumulation
// over two backward passes, and the normalised statistics of the output.

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LayerNormTest {
    private static final GradCheck.Fn AFFINE = (ops, in) -> ops.layerNorm(in[0], in[1], in[2], 1e-5);
    private static final GradCheck.Fn PLAIN = (ops, in) -> ops.layerNorm(in[0], null, null, 1e-5);

    @Test
    void gradientWithAffineMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.full(ctx, AFFINE, GradCheck.randn(ctx, 1, 3, 5), GradCheck.randn(ctx, 2, 5), GradCheck.randn(ctx, 3, 5));
            GradCheck.full(ctx, AFFINE, GradCheck.randn(ctx, 4, 2, 2, 3), GradCheck.randn(ctx, 5, 3), GradCheck.randn(ctx, 6, 3));
            GradCheck.directional(ctx, AFFINE, 7, 1e-6, GradCheck.randn(ctx, 8, 10, 64), GradCheck.randn(ctx, 9, 64), GradCheck.randn(ctx, 10, 64));
        }
    }

    @Test
    void gradientWithoutAffineMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.full(ctx, PLAIN, GradCheck.randn(ctx, 11, 4, 6));
            GradCheck.directional(ctx, PLAIN, 12, 1e-6, GradCheck.randn(ctx, 13, 9, 48));
        }
    }

    @Test
    void backwardTwiceAccumulatesTwice() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, AFFINE, GradCheck.randn(ctx, 14, 3, 7), GradCheck.randn(ctx, 15, 7), GradCheck.randn(ctx, 16, 7));
        }
    }

    @Test
    void outputRowsHaveZeroMeanAndUnitVariance() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Rng rng = new Rng(17);
            float[] x = new float[4 * 50];
            for (int i = 0; i < x.length; i++) x[i] = (float) (3 + 2 * rng.nextGaussian());
            float[] y = ctx.ops().layerNorm(ctx.ops().tensor(x, 4, 50), null, null, 0).toFloatArray();
            for (int r = 0; r < 4; r++) {
                double m = 0, v = 0;
                for (int j = 0; j < 50; j++) m += y[r * 50 + j] / 50.0;
                for (int j = 0; j < 50; j++) v += (y[r * 50 + j] - m) * (y[r * 50 + j] - m) / 50.0;
                assertThat(m).isCloseTo(0, within(1e-6));
                assertThat(v).isCloseTo(1, within(1e-5));
            }
        }
    }
}
