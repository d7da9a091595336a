package io.tessera.tensor;

// Cosine similarity along the last axis through Ops (normalize ∘ mul ∘ sum): float64
// gradient checks w.r.t. both operands, and its values for parallel, opposite and orthogonal
// vectors.

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CosineSimilarityTest {
    private static final GradCheck.Fn COS = (ops, in) -> ops.cosineSimilarity(in[0], in[1]);

    @Test
    void gradientMatchesFiniteDifferences() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            GradCheck.full(ctx, COS, GradCheck.randn(ctx, 1, 3, 4), GradCheck.randn(ctx, 2, 3, 4));
            GradCheck.directional(ctx, COS, 3, 1e-6, GradCheck.randn(ctx, 4, 8, 64), GradCheck.randn(ctx, 5, 8, 64));
        }
    }

    @Test
    void knownValues() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Ops ops = ctx.ops();
            Tensor a = ops.tensor(new double[] {1, 2, 3, 1, 0, 0, 2, -1, 0}, 3, 3);
            Tensor b = ops.tensor(new double[] {2, 4, 6, -3, 0, 0, 1, 2, 5}, 3, 3);
            assertThat(ops.cosineSimilarity(a, b).toDoubleArray()).containsExactly(new double[] {1, -1, 0}, within(1e-12));
        }
    }
}
