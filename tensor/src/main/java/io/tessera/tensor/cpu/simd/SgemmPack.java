package io.tessera.tensor.cpu.simd;

/**
 * Packing for the SGEMM of {@link SimdGemm}: copies a block of op(A) into row slivers of MR rows
 * and a panel of op(B) into column slivers of NR columns, k-major inside each sliver, with
 * zero padding past the matrix edge. Packing absorbs the transposes, so the micro-kernel only
 * ever sees one layout. Plain array copies; no arithmetic.
 */
final class SgemmPack {
    private SgemmPack() {
    }

    /**
     * Packs rows [i0, i0 + mc) and depths [p0, p0 + kc) of op(A) into {@code ap} from 0:
     * ap[s·MR·kc + p·MR + r] = op(A)[i0 + s·MR + r][p0 + p], zero for rows ≥ i0 + mc.
     * op(A)[i][p] is a[aOff + i·lda + p], or a[aOff + p·lda + i] when {@code transA}.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, int mr, float[] ap) {
        if (transA) {
            packRowSlivers(a, aOff + p0 * lda + i0, lda, mc, kc, mr, 0, (mc + mr - 1) / mr, ap);
            return;
        }
        int dst = 0;
        for (int s = 0; s < mc; s += mr, dst += kc * mr) {
            int rows = Math.min(mr, mc - s);
            if (rows == 6 && mr == 6) {
                packSix(a, aOff + (i0 + s) * lda + p0, lda, kc, ap, dst);
            } else {
                int row = aOff + (i0 + s) * lda + p0;
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
    }

    /** Six rows of a row-major matrix interleaved: ap[dst + 6p + r] = a[src + r·lda + p]. */
    private static void packSix(float[] a, int src, int lda, int kc, float[] ap, int dst) {
        int r0 = src, r1 = src + lda, r2 = src + 2 * lda, r3 = src + 3 * lda, r4 = src + 4 * lda, r5 = src + 5 * lda;
        for (int p = 0; p < kc; p++, dst += 6) {
            ap[dst] = a[r0 + p];
            ap[dst + 1] = a[r1 + p];
            ap[dst + 2] = a[r2 + p];
            ap[dst + 3] = a[r3 + p];
            ap[dst + 4] = a[r4 + p];
            ap[dst + 5] = a[r5 + p];
        }
    }

    /**
     * Packs column slivers [s0, s1) (of NR columns each, counted from column j0) and depths
     * [p0, p0 + kc) of op(B) into {@code bp}: bp[s·NR·kc + p·NR + j] = op(B)[p0 + p][j0 + s·NR + j],
     * zero for columns ≥ j0 + nc. op(B)[p][j] is b[bOff + p·ldb + j], or b[bOff + j·ldb + p]
     * when {@code transB}.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int j0, int nc, int p0, int kc, int nr,
                      int s0, int s1, float[] bp) {
        if (!transB) {
            packRowSlivers(b, bOff + p0 * ldb + j0, ldb, nc, kc, nr, s0, s1, bp);
            return;
        }
        for (int s = s0; s < s1; s++) {
            int col = s * nr;
            int cols = Math.min(nr, nc - col);
            int dst = s * nr * kc;
            int src = bOff + (j0 + col) * ldb + p0;
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
     * bp[s·w·kc + p·w + j] = b[src + p·ld + s·w + j] for slivers [s0, s1), zero past column nc.
     * Packs op(B) = B and op(A) = Aᵀ alike.
     */
    private static void packRowSlivers(float[] b, int src, int ld, int nc, int kc, int w, int s0, int s1, float[] bp) {
        int full = Math.min(s1, nc / w);
        for (int p = 0; p < kc; p++) {
            int row = src + p * ld;
            if (w >= 16) {
                for (int s = s0; s < full; s++) System.arraycopy(b, row + s * w, bp, s * w * kc + p * w, w);
            } else {
                for (int s = s0; s < full; s++) {
                    int from = row + s * w, to = s * w * kc + p * w;
                    for (int j = 0; j < w; j++) bp[to + j] = b[from + j];
                }
            }
            for (int s = Math.max(s0, full); s < s1; s++) {
                int d = s * w * kc + p * w, cols = nc - s * w;
                System.arraycopy(b, row + s * w, bp, d, cols);
                for (int j = cols; j < w; j++) bp[d + j] = 0f;
            }
        }
    }
}
