package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.VectorSpecies;

/**
 * Packing for the SGEMM of {@link SimdGemm}: copies a block of op(A) into row slivers of MR rows
 * and slivers of op(B) into column slivers of NR columns, k-major inside each sliver, with
 * zero padding past the matrix edge. Packing absorbs the transposes, so the micro-kernel only
 * ever sees one layout. Whole slivers go through the vector copies of {@link SgemmPanels} for the
 * species' width, ragged edges element by element here. Plain copies; no arithmetic.
 */
final class SgemmPack {
    /** The vector copies per width, indexed by {@link WidthCopies#index}. */
    private static final SgemmPanels[] PANELS = WidthCopies.all(SgemmPanels.class, "SgemmPackLoops", SgemmPanels[]::new);

    private SgemmPack() {
    }

    /**
     * Packs rows [i0, i0 + mc) and depths [p0, p0 + kc) of op(A) into {@code ap} from 0:
     * ap[s·MR·kc + p·MR + r] = op(A)[i0 + s·MR + r][p0 + p], zero for rows ≥ i0 + mc.
     * op(A)[i][p] is a[aOff + i·lda + p], or a[aOff + p·lda + i] when {@code transA}.
     */
    static void packA(VectorSpecies<Float> sp, boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
                      int mr, float[] ap) {
        SgemmPanels v = PANELS[WidthCopies.index(sp)];
        int whole = mr == 6 ? mc / 6 : 0;
        if (transA) {
            int src = aOff + p0 * lda + i0;
            v.sixColumns(a, src, lda, kc, whole, ap, 0);
            packRowSlivers(a, src, lda, mc, kc, mr, whole, (mc + mr - 1) / mr, ap, 0);
            return;
        }
        for (int s = 0, dst = 0; s < mc; s += mr, dst += kc * mr) {
            int rows = Math.min(mr, mc - s), row = aOff + (i0 + s) * lda + p0;
            if (s / mr < whole) {
                v.sixRows(a, row, lda, kc, ap, dst);
                continue;
            }
            for (int r = 0; r < mr; r++) {
                int src = row + r * lda;
                if (r < rows) {
                    for (int p = 0, d = dst + r; p < kc; p++, d += mr) ap[d] = a[src + p];
                } else {
                    for (int p = 0, d = dst + r; p < kc; p++, d += mr) ap[d] = 0f;
                }
            }
        }
    }

    /**
     * Packs column slivers [s0, s1) (of NR columns each, counted from column j0) and depths
     * [p0, p0 + kc) of op(B) into {@code bp} from {@code base}: bp[base + s·NR·kc + p·NR + j] =
     * op(B)[p0 + p][j0 + s·NR + j], zero for columns ≥ j0 + nc. op(B)[p][j] is b[bOff + p·ldb + j],
     * or b[bOff + j·ldb + p] when {@code transB}.
     */
    static void packB(VectorSpecies<Float> sp, boolean transB, float[] b, int bOff, int ldb, int j0, int nc, int p0,
                      int kc, int nr, int s0, int s1, float[] bp, int base) {
        SgemmPanels v = PANELS[WidthCopies.index(sp)];
        if (!transB) {
            int src = bOff + p0 * ldb + j0, full = Math.min(s1, nc / nr);
            if (nr == 2 * sp.length() && full > s0) { // whole slivers by vectors, the ragged one below
                v.rowSlivers(b, src, ldb, kc, s0, full, bp, base);
                s0 = full;
            }
            packRowSlivers(b, src, ldb, nc, kc, nr, s0, s1, bp, base);
            return;
        }
        for (int s = s0; s < s1; s++) {
            int col = s * nr;
            int cols = Math.min(nr, nc - col);
            int dst = base + s * nr * kc;
            int src = bOff + (j0 + col) * ldb + p0;
            if (cols == nr && nr == 2 * sp.length()) {
                v.transposedSliver(b, src, ldb, kc, bp, dst);
                continue;
            }
            for (int j = 0; j < cols; j++) {
                int sj = src + j * ldb;
                for (int p = 0, d = dst + j; p < kc; p++, d += nr) bp[d] = b[sj + p];
            }
            for (int j = cols; j < nr; j++) {
                for (int p = 0, d = dst + j; p < kc; p++, d += nr) bp[d] = 0f;
            }
        }
    }

    /**
     * Row-major rows cut into slivers of width w, reading each row once from left to right:
     * bp[base + s·w·kc + p·w + j] = b[src + p·ld + s·w + j] for slivers [s0, s1), zero past
     * column nc. Packs the ragged last sliver of op(B) = B and the ragged edge of op(A) = Aᵀ.
     */
    private static void packRowSlivers(float[] b, int src, int ld, int nc, int kc, int w, int s0, int s1, float[] bp,
                                       int base) {
        int full = Math.min(s1, nc / w);
        for (int p = 0; p < kc; p++) {
            int row = src + p * ld;
            for (int s = s0; s < full; s++) { // whole slivers of B go through SgemmPanels.rowSlivers instead
                int from = row + s * w, to = base + s * w * kc + p * w;
                for (int j = 0; j < w; j++) bp[to + j] = b[from + j];
            }
            for (int s = Math.max(s0, full); s < s1; s++) {
                int d = base + s * w * kc + p * w, cols = nc - s * w;
                System.arraycopy(b, row + s * w, bp, d, cols);
                for (int j = cols; j < w; j++) bp[d + j] = 0f;
            }
        }
    }
}
