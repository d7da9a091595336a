package io.tessera.tensor;

// Softmax along the last axis through Ops: float64 gradient checks (full Jacobian on a tiny
// shape, a directional derivative on a larger one), accumulation over two backward passes,
// and the properties rows-sum-to-one and finite output for huge logits (F64 and F32 SIMD).

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SoftmaxTest {
    private static final GradCheck.Fn SOFTMAX = (ops, in) -> ops.softmax(in[0]);

    @Test
    void gradientMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.full(ctx, SOFTMAX, GradCheck.randn(ctx, 1, 2, 5));
            GradCheck.full(ctx, SOFTMAX, GradCheck.randn(ctx, 2, 3, 1));
            GradCheck.directional(ctx, SOFTMAX, 3, 1e-6, GradCheck.randn(ctx, 4, 8, 40));
        }
    }

    @Test
    void backwardTwiceAccumulatesTwice() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, SOFTMAX, GradCheck.randn(ctx, 5, 3, 7));
        }
    }

    @Test
    void rowsSumToOne() {
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.reference(1), ExecutionContext.cpu(2, 1)}) {
            try (ctx) {
                Rng rng = new Rng(6);
                float[] x = new float[7 * 33];
                for (int i = 0; i < x.length; i++) x[i] = (float) (5 * rng.nextGaussian());
                float[] y = ctx.ops().softmax(ctx.ops().tensor(x, 7, 33)).toFloatArray();
                for (int r = 0; r < 7; r++) {
                    double s = 0;
                    for (int j = 0; j < 33; j++) {
                        assertThat(y[r * 33 + j]).isBetween(0f, 1f);
                        s += y[r * 33 + j];
                    }
                    assertThat(s).as("row %d on %s", r, ctx.backend().name()).isCloseTo(1.0, within(1e-6));
                }
            }
        }
    }

    @Test
    void hugeLogitsStayFinite() {
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.reference(1), ExecutionContext.cpu(1, 1)}) {
            try (ctx) {
                float[] x = new float[20];
                for (int i = 0; i < 20; i++) x[i] = i % 3 == 0 ? 1e4f : (i % 3 == 1 ? -1e4f : 0f);
                x[19] = 1e4f; // row 2 (of length 10): 1e4 at columns 0, 3, 6, 9
                float[] y = ctx.ops().softmax(ctx.ops().tensor(x, 2, 10)).toFloatArray();
                for (float v : y) assertThat(Float.isFinite(v)).isTrue();
                assertThat(y[0]).as(ctx.backend().name()).isCloseTo(0.25f, within(1e-6f));
                assertThat(y[1]).isEqualTo(0f);
                assertThat(y[2]).isEqualTo(0f);
            }
        }
    }
}
