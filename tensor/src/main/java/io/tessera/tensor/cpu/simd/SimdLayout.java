package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Elements;
import io.tessera.tensor.cpu.RefLayout;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 layout kernels: permute (axes merged first; contiguous blocks copied with arraycopy
 * when the innermost axis stays innermost, as in (B, T, 3, H, Dh) → (3, B, H, T, Dh), and
 * 32 × 32 tiles when it moves, as in the last-two-axes swap), slices with arraycopy, gather and
 * scatter-add by rows. Other dtypes go to {@link RefLayout}, which also holds the shape checks.
 */
public final class SimdLayout {
    private static final int TILE = 32;

    private SimdLayout() {
    }

    /** out = x with axes permuted, out.dim(i) = x.dim(perm[i]) (+ out when accumulate). */
    public static void permute(SimdContext sc, Tensor out, Tensor x, int[] perm, boolean accumulate) {
        RefLayout.checkPermute(out, x, perm);
        if (!ElementwiseLoops.allF32(out, x)) {
            RefLayout.permute(out, x, perm, accumulate);
            return;
        }
        int n = out.size();
        if (n == 0) return;
        LayoutPermutation p = LayoutPermutation.of(x.shape(), perm);
        float[] o = out.f32(), xs = x.f32();
        int oo = out.offset(), xo = x.offset();
        VectorSpecies<Float> sp = sc.species();
        int m = p.rank();
        if (m == 0 || (m == 1 && p.stride(0) == 1)) {
            copyOrAdd(sp, n, xs, xo, o, oo, accumulate);
            return;
        }
        if (p.stride(m - 1) == 1) { // innermost axis stays innermost: block copies
            int block = p.dim(m - 1), outerCount = n / block;
            ElementwiseLoops.forItems(sc, outerCount, Math.max(1, ElementwiseLoops.CHUNK / block), n, (from, to) -> {
                int[] idx = p.decode(from, m - 1, -1);
                int src = p.xOffset(idx);
                for (int t = from; t < to; t++) {
                    copyOrAdd(sp, block, xs, xo + src, o, oo + t * block, accumulate);
                    src = p.advance(idx, src, m - 1, -1);
                }
            });
            return;
        }
        int j = p.contiguousAxis(); // the out axis that is innermost in x
        int rows = p.dim(j), cols = p.dim(m - 1), colStride = p.stride(m - 1), rowStride = p.outStride(j);
        int outerCount = n / (rows * cols);
        ElementwiseLoops.forItems(sc, outerCount, Math.max(1, ElementwiseLoops.CHUNK / (rows * cols)), n, (from, to) -> {
            int[] idx = p.decode(from, m - 1, j);
            int src = p.xOffset(idx);
            for (int t = from; t < to; t++) {
                transposeTile(xs, xo + src, colStride, o, oo + p.outOffset(idx), rowStride, rows, cols, accumulate);
                src = p.advance(idx, src, m - 1, j);
            }
        });
    }

    /** out[..., start + j, ...] = x[..., j, ...] along axis (+= when accumulate). */
    public static void writeSlice(SimdContext sc, Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        RefLayout.checkSlice("writeSlice", out, x, axis, start);
        if (!ElementwiseLoops.allF32(out, x)) {
            RefLayout.writeSlice(out, x, axis, start, accumulate);
            return;
        }
        int inner = out.shape().inner(axis);
        slices(sc, out.shape().outer(axis), x.dim(axis) * inner, x.f32(), x.offset(), x.dim(axis) * inner,
                out.f32(), out.offset() + start * inner, out.dim(axis) * inner, accumulate);
    }

    /** out = x[..., start : start + out.dim(axis), ...] (+ out when accumulate). */
    public static void readSlice(SimdContext sc, Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        RefLayout.checkSlice("readSlice", x, out, axis, start);
        if (!ElementwiseLoops.allF32(out, x)) {
            RefLayout.readSlice(out, x, axis, start, accumulate);
            return;
        }
        int inner = x.shape().inner(axis);
        slices(sc, x.shape().outer(axis), out.dim(axis) * inner, x.f32(), x.offset() + start * inner, x.dim(axis) * inner,
                out.f32(), out.offset(), out.dim(axis) * inner, accumulate);
    }

    /** out[a, k, r] = x[a, index[a, k], r]; indices out of range throw before anything is written. */
    public static void gather(SimdContext sc, Tensor out, Tensor x, Tensor index, int axis) {
        RefLayout.checkGather("gather", out, x, index, axis);
        if (!ElementwiseLoops.allF32(out, x)) {
            RefLayout.gather(out, x, index, axis);
            return;
        }
        int outer = x.shape().outer(axis), len = x.dim(axis), inner = x.shape().inner(axis), k = index.dim(axis);
        int[] ix = Elements.readInts(index);
        RefLayout.checkIndices("gather", ix, k, len, axis, x);
        float[] o = out.f32(), xs = x.f32();
        int oo = out.offset(), xo = x.offset();
        ElementwiseLoops.forItems(sc, outer * k, Math.max(1, ElementwiseLoops.CHUNK / Math.max(inner, 1)), out.size(), (from, to) -> {
            for (int t = from; t < to; t++) {
                int a = t / k;
                System.arraycopy(xs, xo + (a * len + ix[t]) * inner, o, oo + t * inner, inner);
            }
        });
    }

    /** dx[a, index[a, k], r] += dout[a, k, r]; repeated indices add up in k order. */
    public static void scatterAdd(SimdContext sc, Tensor dx, Tensor dout, Tensor index, int axis) {
        if (dx == null) return;
        RefLayout.checkGather("scatterAdd", dout, dx, index, axis);
        if (!ElementwiseLoops.allF32(dx, dout)) {
            RefLayout.scatterAdd(dx, dout, index, axis);
            return;
        }
        int outer = dx.shape().outer(axis), len = dx.dim(axis), inner = dx.shape().inner(axis), k = index.dim(axis);
        int[] ix = Elements.readInts(index);
        RefLayout.checkIndices("scatterAdd", ix, k, len, axis, dx);
        float[] d = dx.f32(), g = dout.f32();
        int dOff = dx.offset(), gOff = dout.offset();
        VectorSpecies<Float> sp = sc.species();
        // parallel over a only: rows of different a never collide, and within one a the order is k's
        ElementwiseLoops.forItems(sc, outer, Math.max(1, ElementwiseLoops.CHUNK / Math.max(1, k * inner)), dout.size(), (from, to) -> {
            for (int a = from; a < to; a++) {
                for (int j = 0; j < k; j++) {
                    int t = a * k + j;
                    copyOrAdd(sp, inner, g, gOff + t * inner, d, dOff + (a * len + ix[t]) * inner, true);
                }
            }
        });
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** For each of {@code outer} rows: dst row (+)= src row, rows of {@code len} elements with the given pitches. */
    private static void slices(SimdContext sc, int outer, int len, float[] src, int so, int srcPitch,
                               float[] dst, int dOff, int dstPitch, boolean accumulate) {
        VectorSpecies<Float> sp = sc.species();
        ElementwiseLoops.forItems(sc, outer, Math.max(1, ElementwiseLoops.CHUNK / Math.max(1, len)), (long) outer * len, (from, to) -> {
            for (int a = from; a < to; a++) copyOrAdd(sp, len, src, so + a * srcPitch, dst, dOff + a * dstPitch, accumulate);
        });
    }

    /** dst[0, n) = src[0, n), or += when accumulate. */
    private static void copyOrAdd(VectorSpecies<Float> sp, int n, float[] src, int so, float[] dst, int dOff, boolean accumulate) {
        if (!accumulate) {
            System.arraycopy(src, so, dst, dOff, n);
            return;
        }
        RowMath.add(sp, src, so, dst, dOff, n);
    }

    /**
     * out[r·rowStride + c] (+)= x[r + c·colStride] for r < rows, c < cols, in TILE × TILE tiles so
     * that both the strided reads and the strided writes stay in cache.
     */
    private static void transposeTile(float[] x, int xo, int colStride, float[] o, int oo, int rowStride,
                                      int rows, int cols, boolean accumulate) {
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            int r1 = Math.min(rows, r0 + TILE);
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int c1 = Math.min(cols, c0 + TILE);
                for (int r = r0; r < r1; r++) {
                    int dst = oo + r * rowStride, src = xo + r;
                    if (accumulate) {
                        for (int c = c0; c < c1; c++) o[dst + c] += x[src + c * colStride];
                    } else {
                        for (int c = c0; c < c1; c++) o[dst + c] = x[src + c * colStride];
                    }
                }
            }
        }
    }
}
