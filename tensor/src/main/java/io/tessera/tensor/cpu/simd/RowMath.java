package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.VectorSpecies;

/**
 * Float building blocks shared by the fused row kernels (softmax, norms, losses,
 * attention): row max, sums, dot products, exp-and-sum, scaling, and a small register-blocked
 * matrix product for the per-head products of attention. Each loop has a scalar tail. Not a
 * general GEMM: it has no packing or cache blocking and is meant for operands that fit in L2.
 */
final class RowMath {
    /** Elements one chunk of row-parallel work should cover (fixed, so chunking is thread-independent). */
    static final int CHUNK_ELEMENTS = 16384;

    /** The vector loops of this class ({@link RowLoops}, one copy per width); see the static methods. */
    interface Loops {
        /** max_j a[o + j], j &lt; n (−∞ for n = 0). */
        float max(float[] a, int o, int n);

        /** Σ_j a[o + j]. */
        float sum(float[] a, int o, int n);

        /** Σ_j (a[o + j] − c)². */
        float sumSquaredDeviation(float[] a, int o, int n, float c);

        /** Σ_j a[ao + j]·b[bo + j]. */
        float dot(float[] a, int ao, float[] b, int bo, int n);

        /**
         * dst[j] = exp(src[j] − shift) with {@link #exp(float)}'s operations in every lane; returns
         * Σ_j dst[j] (the full vector blocks' lane sums, then the tail in index order). src and dst
         * may be the same row. The partial last block is staged in a padded buffer so that it runs
         * in the vector code as well. The exp is written out inside the loop: a vector passed to or
         * returned from a method that is not inlined is boxed.
         */
        float expShiftSum(float[] src, int so, float[] dst, int dOff, int n, float shift);

        /** a[o + j] *= f. */
        void scale(float[] a, int o, int n, float f);

        /** dst[do + j] += f·src[so + j]. */
        void axpy(float f, float[] src, int so, float[] dst, int dOff, int n);

        /** dst[do + j] += src[so + j] (same length). */
        void add(float[] src, int so, float[] dst, int dOff, int n);

        /**
         * c = alpha·A·B (or c += alpha·A·B when {@code accumulate}), with A (M × K) read as
         * a[ao + m·lda + k], or a[ao + k·lda + m] when {@code transA}, B (K × N) row-major with
         * leading dimension ldb, c (M × N) with ldc. Each element is one sequential fused
         * multiply-add chain over k, in vector lanes and in the scalar tail alike, so the result does
         * not depend on the vector width.
         */
        void gemm(int m, int n, int k, float alpha, float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb, float[] c, int co, int ldc, boolean accumulate);
    }

    private static final Loops[] LOOPS = WidthCopies.all(Loops.class, "RowLoops", Loops[]::new);

    private RowMath() {
    }

    /** Rows per chunk for rows of length {@code d}: about {@link #CHUNK_ELEMENTS} elements. */
    static int rowsPerChunk(int d) {
        return Math.max(1, CHUNK_ELEMENTS / Math.max(1, d));
    }

    // The vector loops live in RowLoops, defined once per width with the species as a constant
    // (WidthCopies): with a species that is not a compile-time constant every vector is a heap
    // object and a loop runs tens of times slower. Inside them: no vector is passed to, or
    // returned from, a helper method (a call the JIT does not inline boxes it).

    /**
     * The per-thread lane buffer: {@code v.intoArray(lanes(), 0)} then {@link #sumLanes} adds the
     * lanes in lane order. Used instead of {@code reduceLanes(ADD)}, whose order differs between
     * the interpreter and compiled code, so results stay identical whatever the JIT has done.
     * (A helper taking the vector itself would box it whenever the JIT does not inline it.)
     */
    static float[] lanes() {
        return LANES.get();
    }

    /** t[0] + t[1] + … + t[l − 1], in that order. */
    static float sumLanes(float[] t, int l) {
        float s = 0;
        for (int i = 0; i < l; i++) s += t[i];
        return s;
    }

    /** Per-thread room for the lanes of two vectors of up to 2048 bits. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[128]);

    // exp(x) = 2^n·e^r with n = round(x·log2 e), r = x − n·ln 2 (Cody–Waite split), e^r by its
    // Taylor polynomial of degree 7 (|r| ≤ ln2/2: truncation < 6e-9 relative), and 2^n from the
    // exponent bits of n + 127 (after the clamp n is an integer in [−126, 127], so 2^n is an
    // exact normal float). Only correctly rounded float operations and exact integer ones: the
    // library EXP gives different bits in the interpreter and in compiled code. So vector lanes
    // (RowLoops), the scalar tail and every JIT tier give the same bits.
    static final float LOG2E = 1.44269504f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    static final float ROUNDER = 12582912f; // 1.5·2^23: adding it rounds to an integer
    static final float EXP_LO = -87f, EXP_HI = 88f;
    static final float C7 = 1f / 5040, C6 = 1f / 720, C5 = 1f / 120, C4 = 1f / 24, C3 = 1f / 6, C2 = 0.5f;

    /**
     * e^x: relative error below 2e-7 for x in [−87, 88]; 0 for x ≤ −88 (and −∞), a ramp below
     * 2e-38 between −88 and −87; x above 88 is treated as 88; NaN stays NaN. The vector loop of
     * {@link #expShiftSum} performs the same operations lane by lane and gives the same bits.
     */
    static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float n = Math.fma(xc, LOG2E, ROUNDER) - ROUNDER;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, C7, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        float scale = Float.intBitsToFloat(((int) n + 127) << 23);
        float keep = Math.min(Math.max(x + (-EXP_LO + 1), 0f), 1f);
        return p * scale * keep;
    }

    /** max_j a[o + j], j &lt; n (−∞ for n = 0). */
    static float max(VectorSpecies<Float> sp, float[] a, int o, int n) {
        return LOOPS[WidthCopies.index(sp)].max(a, o, n);
    }

    /** Σ_j a[o + j]. */
    static float sum(VectorSpecies<Float> sp, float[] a, int o, int n) {
        return LOOPS[WidthCopies.index(sp)].sum(a, o, n);
    }

    /** Σ_j (a[o + j] − c)². */
    static float sumSquaredDeviation(VectorSpecies<Float> sp, float[] a, int o, int n, float c) {
        return LOOPS[WidthCopies.index(sp)].sumSquaredDeviation(a, o, n, c);
    }

    /** Σ_j a[ao + j]·b[bo + j]. */
    static float dot(VectorSpecies<Float> sp, float[] a, int ao, float[] b, int bo, int n) {
        return LOOPS[WidthCopies.index(sp)].dot(a, ao, b, bo, n);
    }

    /**
     * dst[j] = exp(src[j] − shift) with {@link #exp(float)}'s operations in every lane; returns
     * Σ_j dst[j] (the full vector blocks' lane sums, then the tail in index order). src and dst
     * may be the same row. The partial last block is staged in a padded buffer so that it runs
     * in the vector code as well. The exp is written out inside the loop: a vector passed to or
     * returned from a method that is not inlined is boxed.
     */
    static float expShiftSum(VectorSpecies<Float> sp, float[] src, int so, float[] dst, int dOff, int n, float shift) {
        return LOOPS[WidthCopies.index(sp)].expShiftSum(src, so, dst, dOff, n, shift);
    }

    /** a[o + j] *= f. */
    static void scale(VectorSpecies<Float> sp, float[] a, int o, int n, float f) {
        LOOPS[WidthCopies.index(sp)].scale(a, o, n, f);
    }

    /** dst[do + j] += f·src[so + j]. */
    static void axpy(VectorSpecies<Float> sp, float f, float[] src, int so, float[] dst, int dOff, int n) {
        LOOPS[WidthCopies.index(sp)].axpy(f, src, so, dst, dOff, n);
    }

    /** dst[do + j] += src[so + j] (same length). */
    static void add(VectorSpecies<Float> sp, float[] src, int so, float[] dst, int dOff, int n) {
        LOOPS[WidthCopies.index(sp)].add(src, so, dst, dOff, n);
    }

    /** dst (cols × rows) = srcᵀ for src (rows × cols) at the given offsets. */
    static void transpose(float[] src, int so, int rows, int cols, float[] dst, int dOff) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) dst[dOff + c * rows + r] = src[so + r * cols + c];
        }
    }

    /**
     * c = alpha·A·B (or c += alpha·A·B when {@code accumulate}), with A (M × K) read as
     * a[ao + m·lda + k], or a[ao + k·lda + m] when {@code transA}, B (K × N) row-major with
     * leading dimension ldb, c (M × N) with ldc. Each element is one sequential fused
     * multiply-add chain over k, in vector lanes and in the scalar tail alike, so the result does
     * not depend on the vector width.
     */
    static void gemm(VectorSpecies<Float> sp, int m, int n, int k, float alpha, float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb, float[] c, int co, int ldc, boolean accumulate) {
        LOOPS[WidthCopies.index(sp)].gemm(m, n, k, alpha, a, ao, lda, transA, b, bo, ldb, c, co, ldc, accumulate);
    }

    static void scalarCell(float[] a, int ap, int sk, float[] b, int bp, int ldb, int k, float alpha,
                                   float[] c, int cp, boolean accumulate) {
        float s = 0;
        for (int p = 0; p < k; p++) s = Math.fma(b[bp + p * ldb], a[ap + p * sk], s);
        c[cp] = accumulate ? Math.fma(alpha, s, c[cp]) : alpha * s;
    }
}
