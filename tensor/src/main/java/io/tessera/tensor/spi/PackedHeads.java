package io.tessera.tensor.spi;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

/**
 * The layout copies of the default {@link Backend#attentionPackedLse}: a packed qkv projection
 * (B, T, 3·D), D = H·Dh, copied into (3, B, H, T, Dh), and its parts.
 */
final class PackedHeads {
    private PackedHeads() {
    }

    /** A temporary of {@code shape} in F32 on {@code be}, which the caller releases. */
    static Tensor temp(Backend be, Shape shape, boolean zeroed) {
        return new Tensor(be, shape, DType.F32, be.allocate(DType.F32, shape.size(), zeroed), 0);
    }

    /** qkv's heads copied into a (3, B, H, T, Dh) temporary. */
    static Tensor split(Backend be, Tensor qkv, int heads, int dh) {
        int b = qkv.dim(0), t = qkv.dim(1);
        Tensor p = temp(be, Shape.of(3, b, heads, t, dh), false);
        be.permute(p, qkv.view(Shape.of(b, t, 3, heads, dh)), new int[] {2, 0, 3, 1, 4}, false);
        return p;
    }

    /** Part i (0 q, 1 k, 2 v) of a (3, B, H, T, Dh) tensor, as (B, H, T, Dh). */
    static Tensor part(Tensor p, int i) {
        return p.narrow0(i, 1).view(Shape.of(p.dim(1), p.dim(2), p.dim(3), p.dim(4)));
    }
}
