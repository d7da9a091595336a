package io.tessera.tensor;

// MAE's masked per-patch MSE through Ops: float64 gradient checks w.r.t. pred and target,
// accumulation over two backward passes, a hand-computed value, visible patches having no
// influence on the loss and receiving no gradient, and the error for an all-zero mask.

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MaskedMseTest {
    private static GradCheck.Fn mse(Tensor mask) {
        return (ops, in) -> ops.maskedMse(in[0], in[1], mask);
    }

    private static Tensor mask(ExecutionContext ctx, int b, int l, long seed) {
        Rng rng = new Rng(seed);
        double[] m = new double[b * l];
        for (int i = 0; i < m.length; i++) m[i] = rng.nextDouble() < 0.75 ? 1 : 0;
        m[0] = 1;
        m[m.length - 1] = 0;
        return ctx.ops().tensor(m, b, l);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.full(ctx, mse(mask(ctx, 2, 3, 1)), GradCheck.randn(ctx, 2, 2, 3, 4), GradCheck.randn(ctx, 3, 2, 3, 4));
            GradCheck.directional(ctx, mse(mask(ctx, 2, 16, 4)), 5, 1e-6, GradCheck.randn(ctx, 6, 2, 16, 12), GradCheck.randn(ctx, 7, 2, 16, 12));
        }
    }

    @Test
    void backwardTwiceAccumulatesTwice() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, mse(mask(ctx, 2, 3, 8)), GradCheck.randn(ctx, 9, 2, 3, 4), GradCheck.randn(ctx, 10, 2, 3, 4));
        }
    }

    @Test
    void handComputedValue() {
        // masked patches (0, 0) and (1, 1): ((1−0)² + 0)/2 = 0.5 and (0 + (−1−1)²)/2 = 2 → 2.5 / 2
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.reference(1), ExecutionContext.cpu(2, 1)}) {
            try (ctx) {
                Ops ops = ctx.ops();
                Tensor pred = ops.tensor(new float[] {1, 2, 3, 4, 0, 0, 1, -1}, 2, 2, 2);
                Tensor target = ops.tensor(new float[] {0, 2, 3, 0, 1, 1, 1, 1}, 2, 2, 2);
                Tensor mask = ops.tensor(new float[] {1, 0, 0, 1}, 2, 2);
                assertThat(ops.maskedMse(pred, target, mask).item()).as(ctx.backend().name()).isCloseTo(1.25, within(1e-6));
            }
        }
    }

    @Test
    void visiblePatchesAreIgnored() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor m = mask(ctx, 2, 5, 11);
            Tensor pred = GradCheck.randn(ctx, 12, 2, 5, 3), target = GradCheck.randn(ctx, 13, 2, 5, 3);
            double before = ctx.ops().maskedMse(pred, target, m).item();
            double[] mv = m.toDoubleArray(), pv = pred.f64();
            for (int r = 0; r < 10; r++) if (mv[r] == 0) for (int j = 0; j < 3; j++) pv[pred.offset() + r * 3 + j] += 100;
            assertThat(ctx.ops().maskedMse(pred, target, m).item()).isEqualTo(before);
            double[][] g = GradCheck.analytic(ctx, mse(m), ctx.ops().scalar(1.0, DType.F64), pred, target);
            for (int r = 0; r < 10; r++) {
                for (int j = 0; j < 3; j++) {
                    if (mv[r] == 0) {
                        assertThat(g[0][r * 3 + j]).isZero();
                        assertThat(g[1][r * 3 + j]).isZero();
                    } else {
                        assertThat(g[1][r * 3 + j]).isEqualTo(-g[0][r * 3 + j]);
                    }
                }
            }
        }
    }

    @Test
    void allZeroMaskThrows() {
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.reference(1), ExecutionContext.cpu(1, 1)}) {
            try (ctx) {
                Ops ops = ctx.ops();
                Tensor p = ops.tensor(new float[4], 1, 2, 2);
                assertThatThrownBy(() -> ops.maskedMse(p, p, ops.tensor(new float[2], 1, 2)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maskedMse").hasMessageContaining("Σ mask = 0");
            }
        }
    }
}
