package io.tessera.tensor.cpu.simd;

/**
 * One register-blocked tile of C for {@link SimdGemm}: MR rows × VN vectors, from packed
 * panels ({@link #tile}, which also reads a transposed A in place), through strides
 * ({@link #tileStrided}) or partially ({@link #edge}).
 * Implemented by {@link SgemmLoops}, one copy per vector width.
 */
interface SgemmTiles {
    /** Rows of a tile. */
    int MR = 6;
    /** Vectors per row of a tile (NR = VN · lanes columns). */
    int VN = 2;

    /**
     * c[ci + r·ldc + j] = alpha · Σ_p a[ai + p·ps + r] · bp[bi + p·NR + j] + beta · c[...], B packed;
     * ps = MR for a packed A, lda for a transposed A read in place.
     */
    void tile(int kc, float[] a, int ai, int ps, float[] bp, int bi, float[] c, int ci, int ldc, float alpha,
              float beta);

    /** A whole tile whose operands are read through row, depth and column strides. */
    void tileStrided(int kc, float[] a, int ai, int rs, int ps, int rows, float[] b, int bi, int bs,
                     float[] c, int ci, int ldc, float alpha, float beta);

    /** A partial tile (rows ≤ MR, cols ≤ NR) computed through {@code tmp}. */
    void edge(int kc, float[] a, int ai, int rs, int ps, float[] b, int bi, int bs, float[] c, int ci, int ldc,
              int rows, int cols, float alpha, float beta, float[] tmp);
}
