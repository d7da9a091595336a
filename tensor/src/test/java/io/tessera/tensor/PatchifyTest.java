package io.tessera.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MAE's patchify and unpatchify: the layout (patch index row-major over the grid, inside a
 * patch (py·P + px)·C + c), the round trip unpatchify∘patchify = identity on the reference and
 * the SIMD backend, gradients, and the shape errors.
 */
class PatchifyTest {

    @Test
    void patchifyLayoutMatchesMae() {
        for (ExecutionContext ctx : new ExecutionContext[]{ExecutionContext.reference(1), ExecutionContext.cpu(2, 1)}) {
            Ops o = ctx.ops();
            int b = 2, c = 3, p = 4, h = 2, w = 3;
            Tensor img = o.randn(new Rng(5), Shape.of(b, c, h * p, w * p), DType.F32);
            Tensor x = o.patchify(img, p);
            assertThat(x.shape()).isEqualTo(Shape.of(b, h * w, p * p * c));
            for (int bi = 0; bi < b; bi++)
                for (int hy = 0; hy < h; hy++)
                    for (int wx = 0; wx < w; wx++)
                        for (int py = 0; py < p; py++)
                            for (int px = 0; px < p; px++)
                                for (int ci = 0; ci < c; ci++) {
                                    double expected = img.get(bi, ci, hy * p + py, wx * p + px);
                                    assertThat(x.get(bi, hy * w + wx, (py * p + px) * c + ci)).isEqualTo(expected);
                                }
            ctx.close();
        }
    }

    @Test
    void unpatchifyInvertsPatchify() {
        for (ExecutionContext ctx : new ExecutionContext[]{ExecutionContext.reference(1), ExecutionContext.cpu(1, 1), ExecutionContext.cpu(2, 1)}) {
            Ops o = ctx.ops();
            for (int[] c : new int[][]{{2, 3, 8, 12, 4}, {1, 1, 28, 28, 7}, {3, 3, 32, 32, 16}, {1, 2, 5, 10, 5}}) {
                Tensor img = o.randn(new Rng(c[2]), Shape.of(c[0], c[1], c[2], c[3]), DType.F32);
                Tensor back = o.unpatchify(o.patchify(img, c[4]), c[4], c[1], c[2] / c[4], c[3] / c[4]);
                assertThat(back.shape()).isEqualTo(img.shape());
                assertThat(back.toFloatArray()).containsExactly(img.toFloatArray());
            }
            ctx.close();
        }
    }

    @Test
    void gradients() {
        ExecutionContext ctx = ExecutionContext.reference(2);
        GradCheck.full(ctx, (o, in) -> o.patchify(in[0], 2), GradCheck.randn(ctx, 1, 1, 2, 4, 6));
        GradCheck.full(ctx, (o, in) -> o.unpatchify(in[0], 2, 3, 2, 1), GradCheck.randn(ctx, 2, 2, 2, 12));
    }

    @Test
    void badShapesAreRejected() {
        Ops o = ExecutionContext.reference(1).ops();
        assertThatThrownBy(() -> o.patchify(o.zeros(1, 3, 10, 12), 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("patch 4").hasMessageContaining("(1, 3, 10, 12)");
        assertThatThrownBy(() -> o.unpatchify(o.zeros(1, 6, 48), 4, 3, 2, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(1, 6, 48)");
    }
}
