package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.FloatVector;
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

    // Rules that keep vectors in registers when the species is not a compile-time constant (it
    // comes from the backend instance): (1) never FloatVector.zero(species) or
    // FloatVector.broadcast(species, x) for a loop-carried vector; derive zeros and broadcasts
    // from a loaded vector (v.broadcast(x)); (2) no integer lane operations or masks; (3) never
    // pass a vector to, or return one from, a helper method: if the JIT does not inline the
    // call the vector is boxed, and the kernel runs about 50 times slower.

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
    // Taylor polynomial of degree 7 (|r| ≤ ln2/2: truncation < 6e-9 relative), and 2^n built
    // from the bits of n by exact multiplications by powers of two. Only float additions,
    // multiplications, fused multiply-adds, min and max: integer lane operations and masks
    // do not compile to vector code with a species that is not a compile-time constant, and
    // the library EXP gives different bits in the interpreter and in compiled code. So vector
    // lanes, the scalar tail and every JIT tier give the same bits.
    private static final float LOG2E = 1.44269504f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUNDER = 12582912f; // 1.5·2^23: adding it rounds to an integer
    private static final float EXP_LO = -87f, EXP_HI = 88f;
    private static final float C7 = 1f / 5040, C6 = 1f / 720, C5 = 1f / 120, C4 = 1f / 24, C3 = 1f / 6, C2 = 0.5f;
    private static final float TWO_M126 = 0x1p-126f, TWO_64 = 0x1p64f;

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
        float u = n + 126f;
        float b = (Math.fma(u, 0x1p-8f, 0x1p-9f) + ROUNDER) - ROUNDER;
        u = Math.fma(b, -128f, u);
        float f = Math.fma(b, TWO_64 - 1, 1f);
        float scale = f * TWO_M126 * f;
        b = (Math.fma(u, 0x1p-7f, 0x1p-8f) + ROUNDER) - ROUNDER;
        u = Math.fma(b, -64f, u);
        scale *= Math.fma(b, TWO_64 - 1, 1f);
        b = (Math.fma(u, 0x1p-6f, 0x1p-7f) + ROUNDER) - ROUNDER;
        u = Math.fma(b, -32f, u);
        scale *= Math.fma(b, 0x1p32f - 1, 1f);
        b = (Math.fma(u, 0x1p-5f, 0x1p-6f) + ROUNDER) - ROUNDER;
        u = Math.fma(b, -16f, u);
        scale *= Math.fma(b, 0x1p16f - 1, 1f);
        b = (Math.fma(u, 0x1p-4f, 0x1p-5f) + ROUNDER) - ROUNDER;
        u = Math.fma(b, -8f, u);
        scale *= Math.fma(b, 255f, 1f);
        b = (Math.fma(u, 0x1p-3f, 0x1p-4f) + ROUNDER) - ROUNDER;
        u = Math.fma(b, -4f, u);
        scale *= Math.fma(b, 15f, 1f);
        b = (Math.fma(u, 0x1p-2f, 0x1p-3f) + ROUNDER) - ROUNDER;
        u = Math.fma(b, -2f, u);
        scale *= Math.fma(b, 3f, 1f);
        scale *= Math.fma(u, 1f, 1f);
        float keep = Math.min(Math.max(x + (-EXP_LO + 1), 0f), 1f);
        return p * scale * keep;
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
            float[] t = lanes();
            acc.intoArray(t, 0);
            s = sumLanes(t, l);
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
            float[] t = lanes();
            acc.intoArray(t, 0);
            s = sumLanes(t, l);
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
            float[] t = lanes();
            acc.intoArray(t, 0);
            s = sumLanes(t, l);
        }
        for (; j < n; j++) s = Math.fma(a[ao + j], b[bo + j], s);
        return s;
    }

    /**
     * dst[j] = exp(src[j] − shift) with {@link #exp(float)}'s operations in every lane; returns
     * Σ_j dst[j] (the full vector blocks' lane sums, then the tail in index order). src and dst
     * may be the same row. The partial last block is staged in a padded buffer so that it runs
     * in the vector code as well. The exp is written out inside the loop: a vector passed to or
     * returned from a method that is not inlined is boxed.
     */
    static float expShiftSum(VectorSpecies<Float> sp, float[] src, int so, float[] dst, int dOff, int n, float shift) {
        int l = sp.length(), full = n - n % l, rest = n - full;
        float[] t = lanes(); // t[l, 2l): the tail, padded with −∞ (exp 0); t[0, l): the lane sums
        for (int i = 0; i < l; i++) t[l + i] = i < rest ? src[so + full + i] : Float.NEGATIVE_INFINITY;
        FloatVector acc = FloatVector.fromArray(sp, t, l).broadcast(0f);
        for (int j = 0; j < n; j += l) {
            boolean tail = j == full; // the last, partial block runs in the vector code too
            FloatVector x = (tail ? FloatVector.fromArray(sp, t, l) : FloatVector.fromArray(sp, src, so + j)).sub(shift);
            FloatVector xc = x.max(EXP_LO).min(EXP_HI);
            FloatVector nn = xc.fma(x.broadcast(LOG2E), x.broadcast(ROUNDER)).sub(ROUNDER);
            FloatVector r = nn.fma(x.broadcast(-LN2_HI), xc);
            r = nn.fma(x.broadcast(-LN2_LO), r);
            FloatVector p = r.fma(x.broadcast(C7), x.broadcast(C6));
            p = p.fma(r, x.broadcast(C5));
            p = p.fma(r, x.broadcast(C4));
            p = p.fma(r, x.broadcast(C3));
            p = p.fma(r, x.broadcast(C2));
            p = p.fma(r, x.broadcast(1f));
            p = p.fma(r, x.broadcast(1f));
            // 2^n = 2^−126 · 2^u with u = n + 126 in [0, 253], bit by bit from the top: for u < 2^(k+1)
            // bit k is round((u + 1/2) / 2^(k+1)), rounded by adding and subtracting 1.5·2^23
            FloatVector u = nn.add(126f);
            FloatVector rr = x.broadcast(ROUNDER);
            FloatVector b = u.fma(x.broadcast(0x1p-8f), x.broadcast(0x1p-9f)).add(rr).sub(rr); // bit 7 (128): two factors of 2^64
            u = b.fma(x.broadcast(-128f), u);
            FloatVector f = b.fma(x.broadcast(TWO_64 - 1), x.broadcast(1f));
            FloatVector scale = f.mul(TWO_M126).mul(f);
            b = u.fma(x.broadcast(0x1p-7f), x.broadcast(0x1p-8f)).add(rr).sub(rr);
            u = b.fma(x.broadcast(-64f), u);
            scale = scale.mul(b.fma(x.broadcast(TWO_64 - 1), x.broadcast(1f)));
            b = u.fma(x.broadcast(0x1p-6f), x.broadcast(0x1p-7f)).add(rr).sub(rr);
            u = b.fma(x.broadcast(-32f), u);
            scale = scale.mul(b.fma(x.broadcast(0x1p32f - 1), x.broadcast(1f)));
            b = u.fma(x.broadcast(0x1p-5f), x.broadcast(0x1p-6f)).add(rr).sub(rr);
            u = b.fma(x.broadcast(-16f), u);
            scale = scale.mul(b.fma(x.broadcast(0x1p16f - 1), x.broadcast(1f)));
            b = u.fma(x.broadcast(0x1p-4f), x.broadcast(0x1p-5f)).add(rr).sub(rr);
            u = b.fma(x.broadcast(-8f), u);
            scale = scale.mul(b.fma(x.broadcast(255f), x.broadcast(1f)));
            b = u.fma(x.broadcast(0x1p-3f), x.broadcast(0x1p-4f)).add(rr).sub(rr);
            u = b.fma(x.broadcast(-4f), u);
            scale = scale.mul(b.fma(x.broadcast(15f), x.broadcast(1f)));
            b = u.fma(x.broadcast(0x1p-2f), x.broadcast(0x1p-3f)).add(rr).sub(rr);
            u = b.fma(x.broadcast(-2f), u);
            scale = scale.mul(b.fma(x.broadcast(3f), x.broadcast(1f)));
            scale = scale.mul(u.fma(x.broadcast(1f), x.broadcast(1f))); // the last bit is u itself
            FloatVector keep = x.add(-EXP_LO + 1).max(0f).min(1f); // 1 for x ≥ −87, 0 for x ≤ −88
            FloatVector e = p.mul(scale).mul(keep);
            if (tail) {
                e.intoArray(t, l);
            } else {
                e.intoArray(dst, dOff + j);
                acc = acc.add(e);
            }
        }
        acc.intoArray(t, 0);
        float s = sumLanes(t, l);
        for (int i = 0; i < rest; i++) { // the tail is added after the full blocks, in index order
            dst[dOff + full + i] = t[l + i];
            s += t[l + i];
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
                FloatVector al = c00.broadcast(alpha);
                if (accumulate) {
                    c00.fma(al, FloatVector.fromArray(sp, c, cp)).intoArray(c, cp);
                    c01.fma(al, FloatVector.fromArray(sp, c, cp + l)).intoArray(c, cp + l);
                    c10.fma(al, FloatVector.fromArray(sp, c, cp + ldc)).intoArray(c, cp + ldc);
                    c11.fma(al, FloatVector.fromArray(sp, c, cp + ldc + l)).intoArray(c, cp + ldc + l);
                    c20.fma(al, FloatVector.fromArray(sp, c, cp + 2 * ldc)).intoArray(c, cp + 2 * ldc);
                    c21.fma(al, FloatVector.fromArray(sp, c, cp + 2 * ldc + l)).intoArray(c, cp + 2 * ldc + l);
                    c30.fma(al, FloatVector.fromArray(sp, c, cp + 3 * ldc)).intoArray(c, cp + 3 * ldc);
                    c31.fma(al, FloatVector.fromArray(sp, c, cp + 3 * ldc + l)).intoArray(c, cp + 3 * ldc + l);
                } else {
                    c00.mul(al).intoArray(c, cp);
                    c01.mul(al).intoArray(c, cp + l);
                    c10.mul(al).intoArray(c, cp + ldc);
                    c11.mul(al).intoArray(c, cp + ldc + l);
                    c20.mul(al).intoArray(c, cp + 2 * ldc);
                    c21.mul(al).intoArray(c, cp + 2 * ldc + l);
                    c30.mul(al).intoArray(c, cp + 3 * ldc);
                    c31.mul(al).intoArray(c, cp + 3 * ldc + l);
                }
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
                FloatVector al = c0.broadcast(alpha);
                if (accumulate) {
                    c0.fma(al, FloatVector.fromArray(sp, c, cp)).intoArray(c, cp);
                    c1.fma(al, FloatVector.fromArray(sp, c, cp + ldc)).intoArray(c, cp + ldc);
                    c2.fma(al, FloatVector.fromArray(sp, c, cp + 2 * ldc)).intoArray(c, cp + 2 * ldc);
                    c3.fma(al, FloatVector.fromArray(sp, c, cp + 3 * ldc)).intoArray(c, cp + 3 * ldc);
                } else {
                    c0.mul(al).intoArray(c, cp);
                    c1.mul(al).intoArray(c, cp + ldc);
                    c2.mul(al).intoArray(c, cp + 2 * ldc);
                    c3.mul(al).intoArray(c, cp + 3 * ldc);
                }
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
                int cp = co + i * ldc + j;
                if (accumulate) c0.fma(c0.broadcast(alpha), FloatVector.fromArray(sp, c, cp)).intoArray(c, cp);
                else c0.mul(alpha).intoArray(c, cp);
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
}
