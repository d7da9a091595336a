package io.tessera.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * float64 gradient checks of reshape, permute, transpose, slice, concat, gather (with repeated
 * indices) and cast, through {@link Ops} on the reference backend.
 */
class LayoutGradTest {
    private final ExecutionContext ctx = ExecutionContext.reference(3);

    @Test
    void reshapePermuteTranspose() {
        Tensor x = GradCheck.randn(ctx, 1, 2, 3, 4);
        GradCheck.full(ctx, (o, in) -> o.reshape(in[0], 4, -1), x);
        GradCheck.full(ctx, (o, in) -> o.permute(in[0], 2, 0, 1), x);
        GradCheck.full(ctx, (o, in) -> o.permute(in[0], -1, 1, 0), x);
        GradCheck.full(ctx, (o, in) -> o.transpose(in[0], 0, 2), x);
        GradCheck.full(ctx, (o, in) -> o.transpose(in[0], -1, -2), x);
        Tensor big = GradCheck.randn(ctx, 2, 2, 5, 3, 4, 6);
        GradCheck.directional(ctx, (o, in) -> o.permute(in[0], 2, 0, 3, 1, 4), 4, 1e-6, big);
    }

    @Test
    void sliceAndConcat() {
        Tensor x = GradCheck.randn(ctx, 3, 3, 5);
        GradCheck.full(ctx, (o, in) -> o.slice(in[0], 1, 1, 3), x);
        GradCheck.full(ctx, (o, in) -> o.slice(in[0], 0, 2, 1), x);
        Tensor a = GradCheck.randn(ctx, 4, 3, 2), b = GradCheck.randn(ctx, 5, 3, 4);
        GradCheck.full(ctx, (o, in) -> o.concat(1, in[0], in[1]), a, b);
        GradCheck.full(ctx, (o, in) -> o.concat(-1, in[0], o.slice(in[1], 1, 0, 1), in[0]), a, b);
        Tensor c = GradCheck.randn(ctx, 6, 2, 4);
        GradCheck.full(ctx, (o, in) -> o.concat(0, in[0], in[1]), GradCheck.randn(ctx, 7, 1, 4), c);
    }

    @Test
    void gatherWithRepeatedIndices() {
        Tensor x = GradCheck.randn(ctx, 8, 2, 5, 3);
        Tensor idx = ctx.ops().indices(new int[]{4, 0, 4, 1, 1, 2}, 2, 3);
        GradCheck.full(ctx, (o, in) -> o.gather(in[0], idx, 1), x);
        Tensor idx0 = ctx.ops().indices(new int[]{1, 1, 0}, 3);
        GradCheck.full(ctx, (o, in) -> o.gather(in[0], idx0, 0), x);
        int[] last = new int[2 * 5 * 4];
        for (int i = 0; i < last.length; i++) last[i] = (i * 7) % 3;
        Tensor idx2 = ctx.ops().indices(last, 2, 5, 4);
        GradCheck.full(ctx, (o, in) -> o.gather(in[0], idx2, 2), x);
    }

    @Test
    void castCarriesTheGradientBack() {
        Tensor x = GradCheck.randn(ctx, 9, 3, 4);
        GradCheck.full(ctx, (o, in) -> o.copy(in[0]), x);
        Tensor r = GradCheck.randn(ctx, 10, 3, 4);
        x.requiresGrad(true);
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            Tensor y = ctx.ops().cast(ctx.ops().cast(x, DType.F32), DType.F64);
            assertThat(y.dtype()).isEqualTo(DType.F64);
            tape.backward(ctx.ops().sum(ctx.ops().mul(y, r)));
        }
        double[] g = x.grad().toDoubleArray(), rv = r.toDoubleArray();
        for (int i = 0; i < g.length; i++) assertThat(g[i]).isCloseTo(rv[i], offset(1e-6));
    }
}
