package io.tessera.tensor.cpu.simd;

/**
 * The vectorised packing copies of {@link SgemmPack}, one implementation per vector width
 * ({@link SgemmPackLoops}): transposed A into row slivers of six, untransposed A interleaved six
 * rows at a time, transposed B into column slivers of NR. Plain copies, no arithmetic; each
 * method handles only whole slivers and leaves ragged edges to {@link SgemmPack}.
 */
interface SgemmPanels {
    /**
     * Six columns at a time of {@code kc} row-major rows: dst[d0 + s·6·kc + p·6 + r] =
     * src[src0 + p·ld + s·6 + r] for whole slivers s &lt; {@code slivers}, r &lt; 6, p &lt; kc.
     */
    void sixColumns(float[] src, int src0, int ld, int kc, int slivers, float[] dst, int d0);

    /** Six rows interleaved: dst[d0 + 6p + r] = src[src0 + r·ld + p] for r &lt; 6, p &lt; kc. */
    void sixRows(float[] src, int src0, int ld, int kc, float[] dst, int d0);

    /**
     * Whole column slivers of NR = 2 · lanes of {@code kc} row-major rows, each row read once
     * from left to right: dst[d0 + s·NR·kc + p·NR + j] = src[src0 + p·ld + s·NR + j] for
     * slivers s0 ≤ s &lt; s1.
     */
    void rowSlivers(float[] src, int src0, int ld, int kc, int s0, int s1, float[] dst, int d0);

    /**
     * NR rows of B stored transposed, as one packed sliver: dst[d0 + p·NR + j] =
     * src[src0 + j·ld + p] for j &lt; NR = 2 · lanes, p &lt; kc.
     */
    void transposedSliver(float[] src, int src0, int ld, int kc, float[] dst, int d0);
}
