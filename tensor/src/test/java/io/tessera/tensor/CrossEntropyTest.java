package io.tessera.tensor;

// Softmax cross-entropy with label smoothing through Ops (PyTorch semantics): float64
// gradient checks for ε = 0 and ε = 0.1, accumulation over two backward passes, a 2×3 example
// against a hand-computed value, huge logits, and the error for a label out of range.

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CrossEntropyTest {
    private static GradCheck.Fn ce(Tensor labels, double eps) {
        return (ops, in) -> ops.crossEntropy(in[0], labels, eps);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor y = ctx.ops().indices(new int[] {2, 0, 3}, 3);
            for (double eps : new double[] {0, 0.1}) {
                GradCheck.full(ctx, ce(y, eps), GradCheck.randn(ctx, 1, 3, 4));
            }
            int[] many = new int[16];
            for (int i = 0; i < many.length; i++) many[i] = (i * 7) % 50;
            Tensor ym = ctx.ops().indices(many, 16);
            GradCheck.directional(ctx, ce(ym, 0.1), 2, 1e-6, GradCheck.randn(ctx, 3, 16, 50));
            GradCheck.directional(ctx, ce(ym, 0.0), 4, 1e-6, GradCheck.randn(ctx, 5, 16, 50));
        }
    }

    @Test
    void backwardTwiceAccumulatesTwice() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            FusedParityTest.assertBackwardTwiceAccumulates(ctx, ce(ctx.ops().indices(new int[] {1, 0}, 2), 0.1), GradCheck.randn(ctx, 6, 2, 3));
        }
    }

    @Test
    void smoothedLossMatchesHandComputedValue() {
        // row 0: lse = 3 + log(1 + e⁻¹ + e⁻²) = 3.4076060, −log p₂ = 0.4076060, mean −log p = 1.4076060
        // row 1: lse = 1 + log(1 + e⁻² + e^−0.5) = 1.5549563, −log p₀ = 0.5549563, mean −log p = 1.3882896
        // loss = mean(0.9·0.4076060 + 0.1·1.4076060, 0.9·0.5549563 + 0.1·1.3882896) = 0.5729481
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.reference(1), ExecutionContext.cpu(1, 1)}) {
            try (ctx) {
                Ops ops = ctx.ops();
                Tensor logits = ops.tensor(new float[] {1, 2, 3, 1, -1, 0.5f}, 2, 3);
                Tensor labels = ops.indices(new int[] {2, 0}, 2);
                Tensor losses = ops.empty(Shape.of(2)), probs = ops.empty(Shape.of(2, 3));
                ctx.backend().crossEntropy(losses, probs, logits, labels, 0.1);
                double[] l = losses.toDoubleArray();
                assertThat((l[0] + l[1]) / 2).as(ctx.backend().name()).isCloseTo(0.5729481087, within(1e-6));
            }
        }
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Tensor logits = ctx.ops().tensor(new double[] {1, 2, 3, 1, -1, 0.5}, 2, 3);
            assertThat(ctx.ops().crossEntropy(logits, ctx.ops().indices(new int[] {2, 0}, 2), 0.1).item()).isCloseTo(0.5729481087098525, within(1e-12));
        }
    }

    @Test
    void hugeLogitsStayFinite() {
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.reference(1), ExecutionContext.cpu(1, 1)}) {
            try (ctx) {
                Tensor logits = ctx.ops().tensor(new float[] {1e4f, -1e4f, 0, 0, 1e4f, 1e4f}, 2, 3);
                Tensor losses = ctx.ops().empty(Shape.of(2)), probs = ctx.ops().empty(Shape.of(2, 3));
                ctx.backend().crossEntropy(losses, probs, logits, ctx.ops().indices(new int[] {0, 1}, 2), 0);
                assertThat(losses.toDoubleArray()).containsExactly(new double[] {0, Math.log(2)}, within(1e-6));
            }
        }
    }

    @Test
    void labelOutOfRangeNamesRowAndLabel() {
        for (ExecutionContext ctx : new ExecutionContext[] {ExecutionContext.reference(1), ExecutionContext.cpu(1, 1)}) {
            try (ctx) {
                Tensor logits = ctx.ops().tensor(new float[6], 2, 3);
                assertThatThrownBy(() -> ctx.ops().crossEntropy(logits, ctx.ops().indices(new int[] {0, 3}, 2), 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 3").hasMessageContaining("row 1");
                assertThatThrownBy(() -> ctx.ops().crossEntropy(logits, ctx.ops().indices(new int[] {-1, 0}, 2), 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label -1").hasMessageContaining("row 0");
            }
        }
    }
}
