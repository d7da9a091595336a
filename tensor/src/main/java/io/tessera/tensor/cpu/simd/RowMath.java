package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Width-agnostic float building blocks shared by the fused row kernels (softmax, norms, losses,
 * attention): row max, sums, dot products, exp-and-sum, scaling, and a small register-blocked
 * matrix product for the per-head products of attention. Each loop has a scalar tail. Not a
 * general GEMM: it has no packing or cache blocking and is meant for operands that fit in L2.
 */
final class RowMath {
    /** Elements one chunk of row-parallel work should cover (fixed, so chunking is thread-independent). */
    static final int CHUNK_ELEMENTS = 16384;

    private RowMath() {
    }

    /** Rows per chunk for rows of length {@code d}: about {@link #CHUNK_ELEMENTS} elements. */
    static int rowsPerChunk(int d) {
        return Math.max(1, CHUNK_ELEMENTS / Math.max(1, d));
    }

    // Vectors are never made with FloatVector.zero(species) or FloatVector.broadcast(species, x)
    // here: with a species that is not a compile-time constant (it comes from the backend
    // instance), a loop-carried vector made that way stays boxed and runs ~50× slower. Zeros
    // and broadcasts are derived from a loaded vector instead (v.broadcast(x)).

    /**
     * Σ of the lanes of v, added in lane order. Used instead of {@code reduceLanes(ADD)}, whose
     * order differs between the interpreter and compiled code, so results stay identical
     * whatever the JIT has done.
     */
    static float hsum(FloatVector v) {
        float[] t = new float[v.length()];
        v.intoArray(t, 0);
        float s = 0;
        for (float x : t) s += x;
        return s;
    }

    // exp(x) = 2^n·e^r with n = round(x·log2 e), r = x − n·ln 2 (Cody–Waite split), e^r by its
    // Taylor polynomial of degree 7 (|r| ≤ ln2/2: truncation < 6e-9 relative). Only IEEE
    // basic operations and fused multiply-adds, so vector lanes, the scalar tail, the
    // interpreter and compiled code all give the same bits (the library EXP does not).
    private static final float LOG2E = 1.44269504f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUNDER = 12582912f; // 1.5·2^23: adding it rounds to an integer
    private static final float EXP_LO = -87f, EXP_HI = 88f;
    private static final float[] EXP_C = {1f / 5040, 1f / 720, 1f / 120, 1f / 24, 1f / 6, 0.5f, 1f, 1f};

    /**
     * e^x for every lane: relative error below 2e-7 for x in [−87, 88]; 0 below −87 (and for
     * −∞); x above 88 is treated as 88. NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = xc.fma(x.broadcast(LOG2E), x.broadcast(ROUNDER));
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), xc);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = x.broadcast(EXP_C[0]);
        for (int i = 1; i < EXP_C.length; i++) p = p.fma(r, x.broadcast(EXP_C[i]));
        IntVector bits = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER) - 127).lanewise(VectorOperators.LSHL, 23);
        FloatVector y = p.mul(bits.reinterpretAsFloats());
        return y.blend(0f, x.compare(VectorOperators.LT, EXP_LO));
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, the same bits. */
    static float exp(float x) {
        if (x < EXP_LO) return 0f;
        float xc = Math.min(x, EXP_HI);
        float t = Math.fma(xc, LOG2E, ROUNDER);
        float n = t - ROUNDER;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float p = EXP_C[0];
        for (int i = 1; i < EXP_C.length; i++) p = Math.fma(p, r, EXP_C[i]);
        int bits = (Float.floatToRawIntBits(t) - (Float.floatToRawIntBits(ROUNDER) - 127)) << 23;
        return p * Float.intBitsToFloat(bits);
    }

    /** max_j a[o + j], j &lt; n (−∞ for n = 0). */
    static float max(VectorSpecies<Float> sp, float[] a, int o, int n) {
        int l = sp.length(), j = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= l) {
            FloatVector acc = FloatVector.fromArray(sp, a, o);
            for (j = l; j <= n - l; j += l) acc = acc.max(FloatVector.fromArray(sp, a, o + j));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; j < n; j++) m = Math.max(m, a[o + j]);
        return m;
    }

    /** Σ_j a[o + j]. */
    static float sum(VectorSpecies<Float> sp, float[] a, int o, int n) {
        int l = sp.length(), j = 0;
        float s = 0;
        if (n >= l) {
            FloatVector acc = FloatVector.fromArray(sp, a, o);
            for (j = l; j <= n - l; j += l) acc = acc.add(FloatVector.fromArray(sp, a, o + j));
            s = RowMath.hsum(acc);
        }
        for (; j < n; j++) s += a[o + j];
        return s;
    }

    /** Σ_j (a[o + j] − c)². */
    static float sumSquaredDeviation(VectorSpecies<Float> sp, float[] a, int o, int n, float c) {
        int l = sp.length(), j = 0;
        float s = 0;
        if (n >= l) {
            FloatVector d0 = FloatVector.fromArray(sp, a, o).sub(c), acc = d0.mul(d0);
            for (j = l; j <= n - l; j += l) {
                FloatVector d = FloatVector.fromArray(sp, a, o + j).sub(c);
                acc = d.fma(d, acc);
            }
            s = RowMath.hsum(acc);
        }
        for (; j < n; j++) {
            float d = a[o + j] - c;
            s = Math.fma(d, d, s);
        }
        return s;
    }

    /** Σ_j a[ao + j]·b[bo + j]. */
    static float dot(VectorSpecies<Float> sp, float[] a, int ao, float[] b, int bo, int n) {
        int l = sp.length(), j = 0;
        float s = 0;
        if (n >= l) {
            FloatVector acc = FloatVector.fromArray(sp, a, ao).mul(FloatVector.fromArray(sp, b, bo));
            for (j = l; j <= n - l; j += l) acc = FloatVector.fromArray(sp, a, ao + j).fma(FloatVector.fromArray(sp, b, bo + j), acc);
            s = RowMath.hsum(acc);
        }
        for (; j < n; j++) s = Math.fma(a[ao + j], b[bo + j], s);
        return s;
    }

    /** dst[j] = exp(src[j] − shift); returns Σ_j dst[j]. src and dst may be the same row. */
    static float expShiftSum(VectorSpecies<Float> sp, float[] src, int so, float[] dst, int dOff, int n, float shift) {
        int l = sp.length(), j = 0;
        float s = 0;
        if (n >= l) {
            FloatVector acc = exp(FloatVector.fromArray(sp, src, so).sub(shift));
            acc.intoArray(dst, dOff);
            for (j = l; j <= n - l; j += l) {
                FloatVector e = exp(FloatVector.fromArray(sp, src, so + j).sub(shift));
                e.intoArray(dst, dOff + j);
                acc = acc.add(e);
            }
            s = RowMath.hsum(acc);
        }
        for (; j < n; j++) {
            float e = exp(src[so + j] - shift);
            dst[dOff + j] = e;
            s += e;
        }
        return s;
    }

    /** a[o + j] *= f. */
    static void scale(VectorSpecies<Float> sp, float[] a, int o, int n, float f) {
        int l = sp.length(), j = 0;
        for (; j <= n - l; j += l) FloatVector.fromArray(sp, a, o + j).mul(f).intoArray(a, o + j);
        for (; j < n; j++) a[o + j] *= f;
    }

    /** dst[do + j] += f·src[so + j]. */
    static void axpy(VectorSpecies<Float> sp, float f, float[] src, int so, float[] dst, int dOff, int n) {
        int l = sp.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector s = FloatVector.fromArray(sp, src, so + j);
            s.fma(s.broadcast(f), FloatVector.fromArray(sp, dst, dOff + j)).intoArray(dst, dOff + j);
        }
        for (; j < n; j++) dst[dOff + j] = Math.fma(f, src[so + j], dst[dOff + j]);
    }

    /** dst[do + j] += src[so + j] (same length). */
    static void add(VectorSpecies<Float> sp, float[] src, int so, float[] dst, int dOff, int n) {
        int l = sp.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector.fromArray(sp, dst, dOff + j).add(FloatVector.fromArray(sp, src, so + j)).intoArray(dst, dOff + j);
        }
        for (; j < n; j++) dst[dOff + j] += src[so + j];
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
    static void gemm(VectorSpecies<Float> sp, int m, int n, int k, float alpha,
                     float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb,
                     float[] c, int co, int ldc, boolean accumulate) {
        int l = sp.length();
        if (k == 0) { // an empty sum: c = 0, or unchanged when accumulating
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, co + i * ldc, co + i * ldc + n, 0f);
            return;
        }
        int sm = transA ? 1 : lda, sk = transA ? lda : 1;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = ao + i * sm;
            int j = 0;
            for (; j + 2 * l <= n; j += 2 * l) {
                FloatVector c00 = FloatVector.fromArray(sp, b, bo + j).broadcast(0f);
                FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
                for (int p = 0; p < k; p++) {
                    int bp = bo + p * ldb + j, ap = a0 + p * sk;
                    FloatVector b0 = FloatVector.fromArray(sp, b, bp), b1 = FloatVector.fromArray(sp, b, bp + l);
                    FloatVector x0 = b0.broadcast(a[ap]), x1 = b0.broadcast(a[ap + sm]);
                    FloatVector x2 = b0.broadcast(a[ap + 2 * sm]), x3 = b0.broadcast(a[ap + 3 * sm]);
                    c00 = b0.fma(x0, c00);
                    c01 = b1.fma(x0, c01);
                    c10 = b0.fma(x1, c10);
                    c11 = b1.fma(x1, c11);
                    c20 = b0.fma(x2, c20);
                    c21 = b1.fma(x2, c21);
                    c30 = b0.fma(x3, c30);
                    c31 = b1.fma(x3, c31);
                }
                int cp = co + i * ldc + j;
                put(c00, alpha, c, cp, accumulate);
                put(c01, alpha, c, cp + l, accumulate);
                put(c10, alpha, c, cp + ldc, accumulate);
                put(c11, alpha, c, cp + ldc + l, accumulate);
                put(c20, alpha, c, cp + 2 * ldc, accumulate);
                put(c21, alpha, c, cp + 2 * ldc + l, accumulate);
                put(c30, alpha, c, cp + 3 * ldc, accumulate);
                put(c31, alpha, c, cp + 3 * ldc + l, accumulate);
            }
            for (; j + l <= n; j += l) {
                FloatVector c0 = FloatVector.fromArray(sp, b, bo + j).broadcast(0f), c1 = c0, c2 = c0, c3 = c0;
                for (int p = 0; p < k; p++) {
                    int ap = a0 + p * sk;
                    FloatVector b0 = FloatVector.fromArray(sp, b, bo + p * ldb + j);
                    c0 = b0.fma(b0.broadcast(a[ap]), c0);
                    c1 = b0.fma(b0.broadcast(a[ap + sm]), c1);
                    c2 = b0.fma(b0.broadcast(a[ap + 2 * sm]), c2);
                    c3 = b0.fma(b0.broadcast(a[ap + 3 * sm]), c3);
                }
                int cp = co + i * ldc + j;
                put(c0, alpha, c, cp, accumulate);
                put(c1, alpha, c, cp + ldc, accumulate);
                put(c2, alpha, c, cp + 2 * ldc, accumulate);
                put(c3, alpha, c, cp + 3 * ldc, accumulate);
            }
            for (; j < n; j++) {
                for (int r = 0; r < 4; r++) scalarCell(a, a0 + r * sm, sk, b, bo + j, ldb, k, alpha, c, co + (i + r) * ldc + j, accumulate);
            }
        }
        for (; i < m; i++) {
            int a0 = ao + i * sm;
            int j = 0;
            for (; j + l <= n; j += l) {
                FloatVector c0 = FloatVector.fromArray(sp, b, bo + j).broadcast(0f);
                for (int p = 0; p < k; p++) {
                    FloatVector b0 = FloatVector.fromArray(sp, b, bo + p * ldb + j);
                    c0 = b0.fma(b0.broadcast(a[a0 + p * sk]), c0);
                }
                put(c0, alpha, c, co + i * ldc + j, accumulate);
            }
            for (; j < n; j++) scalarCell(a, a0, sk, b, bo + j, ldb, k, alpha, c, co + i * ldc + j, accumulate);
        }
    }

    private static void scalarCell(float[] a, int ap, int sk, float[] b, int bp, int ldb, int k, float alpha,
                                   float[] c, int cp, boolean accumulate) {
        float s = 0;
        for (int p = 0; p < k; p++) s = Math.fma(b[bp + p * ldb], a[ap + p * sk], s);
        c[cp] = accumulate ? Math.fma(alpha, s, c[cp]) : alpha * s;
    }

    private static void put(FloatVector acc, float alpha, float[] c, int cp, boolean accumulate) {
        if (accumulate) acc.fma(acc.broadcast(alpha), FloatVector.fromArray(acc.species(), c, cp)).intoArray(c, cp);
        else acc.mul(alpha).intoArray(c, cp);
    }
}
