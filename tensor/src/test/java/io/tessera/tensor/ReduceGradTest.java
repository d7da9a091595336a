package io.tessera.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/**
 * float64 gradient checks of sum, mean, var (ddof 0 and 1) over several axis sets with and
 * without keepDims, and of expand; plus the values of var against a direct computation.
 */
class ReduceGradTest {
    private final ExecutionContext ctx = ExecutionContext.reference(5);

    private static final int[][] AXES = {{}, {0}, {1}, {-1}, {0, 2}, {1, 2}};

    @Test
    void sumAndMeanGradients() {
        Tensor x = GradCheck.randn(ctx, 1, 2, 3, 4);
        for (int[] axes : AXES) {
            for (boolean keep : new boolean[]{false, true}) {
                GradCheck.full(ctx, (o, in) -> o.sum(in[0], keep, axes), x);
                GradCheck.full(ctx, (o, in) -> o.mean(in[0], keep, axes), x);
            }
        }
        GradCheck.full(ctx, (o, in) -> o.sum(in[0]), x);
        GradCheck.full(ctx, (o, in) -> o.mean(in[0]), x);
    }

    @Test
    void varGradients() {
        Tensor x = GradCheck.randn(ctx, 2, 2, 3, 4);
        for (int[] axes : AXES) {
            for (int ddof : new int[]{0, 1}) {
                for (boolean keep : new boolean[]{false, true}) {
                    GradCheck.full(ctx, (o, in) -> o.var(in[0], keep, ddof, axes), x);
                }
            }
        }
        Tensor big = GradCheck.randn(ctx, 3, 16, 40);
        GradCheck.directional(ctx, (o, in) -> o.var(in[0], false, 1, -1), 9, 1e-6, big);
    }

    @Test
    void varMatchesItsDefinition() {
        Tensor x = GradCheck.randn(ctx, 4, 3, 5);
        double[] v = x.toDoubleArray();
        for (int ddof : new int[]{0, 1}) {
            double[] got = ctx.ops().var(x, false, ddof, 1).toDoubleArray();
            for (int r = 0; r < 3; r++) {
                double m = 0, s = 0;
                for (int c = 0; c < 5; c++) m += v[r * 5 + c] / 5;
                for (int c = 0; c < 5; c++) s += (v[r * 5 + c] - m) * (v[r * 5 + c] - m);
                assertThat(got[r]).isCloseTo(s / (5 - ddof), offset(1e-12));
            }
        }
        assertThatThrownBy(() -> ctx.ops().var(GradCheck.randn(ctx, 1, 1, 3), false, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ddof 1");
    }

    @Test
    void expandGradients() {
        GradCheck.full(ctx, (o, in) -> o.expand(in[0], Shape.of(3, 4)), GradCheck.randn(ctx, 6, 3, 1));
        GradCheck.full(ctx, (o, in) -> o.expand(in[0], Shape.of(2, 3, 4)), GradCheck.randn(ctx, 7, 4));
        GradCheck.full(ctx, (o, in) -> o.expand(in[0], Shape.of(2, 3, 4)), GradCheck.randn(ctx, 8, 2, 1, 4));
        GradCheck.directional(ctx, (o, in) -> o.expand(in[0], Shape.of(5, 30, 8)), 3, 1e-6, GradCheck.randn(ctx, 9, 5, 1, 8));
        assertThatThrownBy(() -> ctx.ops().expand(GradCheck.randn(ctx, 1, 3), Shape.of(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(3)").hasMessageContaining("(4)");
    }
}
