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
        int dst = 0;
        for (int s = 0; s < mc; s += mr) {
            int rows = Math.min(mr, mc - s);
            if (transA) {
                int src = aOff + p0 * lda + i0 + s;
                for (int p = 0; p < kc; p++, src += lda, dst += mr) {
                    for (int r = 0; r < rows; r++) ap[dst + r] = a[src + r];
                    for (int r = rows; r < mr; r++) ap[dst + r] = 0f;
                }
            } else {
                int row = aOff + (i0 + s) * lda + p0;
                for (int r = 0; r < rows; r++) {
                    int src = row + r * lda;
                    for (int p = 0, d = dst + r; p < kc; p++, d += mr) ap[d] = a[src + p];
                }
                for (int r = rows; r < mr; r++) {
                    for (int p = 0, d = dst + r; p < kc; p++, d += mr) ap[d] = 0f;
                }
                dst += kc * mr;
            }
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
        for (int s = s0; s < s1; s++) {
            int col = s * nr;
            int cols = Math.min(nr, nc - col);
            int dst = s * nr * kc;
            if (transB) {
                int src = bOff + (j0 + col) * ldb + p0;
                for (int j = 0; j < cols; j++) {
                    int sj = src + j * ldb;
                    for (int p = 0, d = dst + j; p < kc; p++, d += nr) bp[d] = b[sj + p];
                }
                for (int j = cols; j < nr; j++) {
                    for (int p = 0, d = dst + j; p < kc; p++, d += nr) bp[d] = 0f;
                }
            } else {
                int src = bOff + p0 * ldb + j0 + col;
                for (int p = 0; p < kc; p++, src += ldb, dst += nr) {
                    System.arraycopy(b, src, bp, dst, cols);
                    for (int j = cols; j < nr; j++) bp[dst + j] = 0f;
                }
            }
        }
    }
}
