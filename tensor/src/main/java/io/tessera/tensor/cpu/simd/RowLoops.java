package io.tessera.tensor.cpu.simd;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector loops of {@link RowMath} (row max, sums, dot products, exp-and-sum, scaling, the
 * small register-blocked product), defined once per vector width by {@link WidthCopies} so that
 * the species S is a constant. Each loop has a scalar tail. Not used directly: only its
 * per-width copies run.
 */
final class RowLoops implements RowMath.Loops {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    RowLoops() {
    }

    /** max_j a[o + j], j &lt; n (−∞ for n = 0). */
    public float max(float[] a, int o, int n) {
        int l = S.length(), j = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= l) {
            FloatVector acc = FloatVector.fromArray(S, a, o);
            for (j = l; j <= n - l; j += l) acc = acc.max(FloatVector.fromArray(S, a, o + j));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; j < n; j++) m = Math.max(m, a[o + j]);
        return m;
    }

    /** Σ_j a[o + j]. */
    public float sum(float[] a, int o, int n) {
        int l = S.length(), j = 0;
        float s = 0;
        if (n >= l) {
            FloatVector acc = FloatVector.fromArray(S, a, o);
            for (j = l; j <= n - l; j += l) acc = acc.add(FloatVector.fromArray(S, a, o + j));
            float[] t = RowMath.lanes();
            acc.intoArray(t, 0);
            s = RowMath.sumLanes(t, l);
        }
        for (; j < n; j++) s += a[o + j];
        return s;
    }

    /** Σ_j (a[o + j] − c)². */
    public float sumSquaredDeviation(float[] a, int o, int n, float c) {
        int l = S.length(), j = 0;
        float s = 0;
        if (n >= l) {
            FloatVector d0 = FloatVector.fromArray(S, a, o).sub(c), acc = d0.mul(d0);
            for (j = l; j <= n - l; j += l) {
                FloatVector d = FloatVector.fromArray(S, a, o + j).sub(c);
                acc = d.fma(d, acc);
            }
            float[] t = RowMath.lanes();
            acc.intoArray(t, 0);
            s = RowMath.sumLanes(t, l);
        }
        for (; j < n; j++) {
            float d = a[o + j] - c;
            s = Math.fma(d, d, s);
        }
        return s;
    }

    /** Σ_j a[ao + j]·b[bo + j]. */
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        int l = S.length(), j = 0;
        float s = 0;
        if (n >= l) {
            FloatVector acc = FloatVector.fromArray(S, a, ao).mul(FloatVector.fromArray(S, b, bo));
            for (j = l; j <= n - l; j += l) acc = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), acc);
            float[] t = RowMath.lanes();
            acc.intoArray(t, 0);
            s = RowMath.sumLanes(t, l);
        }
        for (; j < n; j++) s = Math.fma(a[ao + j], b[bo + j], s);
        return s;
    }

    /**
     * dst[j] = exp(src[j] − shift) with {@link RowMath#exp(float)}'s operations in every lane; returns
     * Σ_j dst[j] (the full vector blocks' lane sums, then the tail in index order). src and dst
     * may be the same row. The partial last block is staged in a padded buffer so that it runs
     * in the vector code as well. The exp is written out inside the loop: a vector passed to or
     * returned from a method that is not inlined is boxed.
     */
    public float expShiftSum(float[] src, int so, float[] dst, int dOff, int n, float shift) {
        int l = S.length(), full = n - n % l, rest = n - full;
        float[] t = RowMath.lanes(); // t[l, 2l): the tail, padded with −∞ (exp 0); t[0, l): the lane sums
        for (int i = 0; i < l; i++) t[l + i] = i < rest ? src[so + full + i] : Float.NEGATIVE_INFINITY;
        FloatVector acc = FloatVector.fromArray(S, t, l).broadcast(0f);
        for (int j = 0; j < n; j += l) {
            boolean tail = j == full; // the last, partial block runs in the vector code too
            FloatVector x = (tail ? FloatVector.fromArray(S, t, l) : FloatVector.fromArray(S, src, so + j)).sub(shift);
            FloatVector xc = x.max(RowMath.EXP_LO).min(RowMath.EXP_HI);
            FloatVector nn = xc.fma(x.broadcast(RowMath.LOG2E), x.broadcast(RowMath.ROUNDER)).sub(RowMath.ROUNDER);
            FloatVector r = nn.fma(x.broadcast(-RowMath.LN2_HI), xc);
            r = nn.fma(x.broadcast(-RowMath.LN2_LO), r);
            FloatVector p = r.fma(x.broadcast(RowMath.C7), x.broadcast(RowMath.C6));
            p = p.fma(r, x.broadcast(RowMath.C5));
            p = p.fma(r, x.broadcast(RowMath.C4));
            p = p.fma(r, x.broadcast(RowMath.C3));
            p = p.fma(r, x.broadcast(RowMath.C2));
            p = p.fma(r, x.broadcast(1f));
            p = p.fma(r, x.broadcast(1f));
            // 2^n from the exponent bits: n is an integer in [−126, 127] (x was clamped to [−87, 88]),
            // so this is the normal float 2^n, the value the scalar twin builds bit by bit
            FloatVector scale = ((IntVector) nn.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            FloatVector keep = x.add(-RowMath.EXP_LO + 1).max(0f).min(1f); // 1 for x ≥ −87, 0 for x ≤ −88
            FloatVector e = p.mul(scale).mul(keep);
            if (tail) {
                e.intoArray(t, l);
            } else {
                e.intoArray(dst, dOff + j);
                acc = acc.add(e);
            }
        }
        acc.intoArray(t, 0);
        float s = RowMath.sumLanes(t, l);
        for (int i = 0; i < rest; i++) { // the tail is added after the full blocks, in index order
            dst[dOff + full + i] = t[l + i];
            s += t[l + i];
        }
        return s;
    }

    /** a[o + j] *= f. */
    public void scale(float[] a, int o, int n, float f) {
        int l = S.length(), j = 0;
        for (; j <= n - l; j += l) FloatVector.fromArray(S, a, o + j).mul(f).intoArray(a, o + j);
        for (; j < n; j++) a[o + j] *= f;
    }

    /** dst[do + j] += f·src[so + j]. */
    public void axpy(float f, float[] src, int so, float[] dst, int dOff, int n) {
        int l = S.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector s = FloatVector.fromArray(S, src, so + j);
            s.fma(s.broadcast(f), FloatVector.fromArray(S, dst, dOff + j)).intoArray(dst, dOff + j);
        }
        for (; j < n; j++) dst[dOff + j] = Math.fma(f, src[so + j], dst[dOff + j]);
    }

    /** dst[do + j] += src[so + j] (same length). */
    public void add(float[] src, int so, float[] dst, int dOff, int n) {
        int l = S.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector.fromArray(S, dst, dOff + j).add(FloatVector.fromArray(S, src, so + j)).intoArray(dst, dOff + j);
        }
        for (; j < n; j++) dst[dOff + j] += src[so + j];
    }

    /**
     * c = alpha·A·B (or c += alpha·A·B when {@code accumulate}), with A (M × K) read as
     * a[ao + m·lda + k], or a[ao + k·lda + m] when {@code transA}, B (K × N) row-major with
     * leading dimension ldb, c (M × N) with ldc. Each element is one sequential fused
     * multiply-add chain over k, in vector lanes and in the scalar tail alike, so the result does
     * not depend on the vector width.
     */
    public void gemm(int m, int n, int k, float alpha,
                     float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb,
                     float[] c, int co, int ldc, boolean accumulate) {
        int l = S.length();
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
                FloatVector c00 = FloatVector.fromArray(S, b, bo + j).broadcast(0f);
                FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
                for (int p = 0; p < k; p++) {
                    int bp = bo + p * ldb + j, ap = a0 + p * sk;
                    FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + l);
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
                    c00.fma(al, FloatVector.fromArray(S, c, cp)).intoArray(c, cp);
                    c01.fma(al, FloatVector.fromArray(S, c, cp + l)).intoArray(c, cp + l);
                    c10.fma(al, FloatVector.fromArray(S, c, cp + ldc)).intoArray(c, cp + ldc);
                    c11.fma(al, FloatVector.fromArray(S, c, cp + ldc + l)).intoArray(c, cp + ldc + l);
                    c20.fma(al, FloatVector.fromArray(S, c, cp + 2 * ldc)).intoArray(c, cp + 2 * ldc);
                    c21.fma(al, FloatVector.fromArray(S, c, cp + 2 * ldc + l)).intoArray(c, cp + 2 * ldc + l);
                    c30.fma(al, FloatVector.fromArray(S, c, cp + 3 * ldc)).intoArray(c, cp + 3 * ldc);
                    c31.fma(al, FloatVector.fromArray(S, c, cp + 3 * ldc + l)).intoArray(c, cp + 3 * ldc + l);
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
                FloatVector c0 = FloatVector.fromArray(S, b, bo + j).broadcast(0f), c1 = c0, c2 = c0, c3 = c0;
                for (int p = 0; p < k; p++) {
                    int ap = a0 + p * sk;
                    FloatVector b0 = FloatVector.fromArray(S, b, bo + p * ldb + j);
                    c0 = b0.fma(b0.broadcast(a[ap]), c0);
                    c1 = b0.fma(b0.broadcast(a[ap + sm]), c1);
                    c2 = b0.fma(b0.broadcast(a[ap + 2 * sm]), c2);
                    c3 = b0.fma(b0.broadcast(a[ap + 3 * sm]), c3);
                }
                int cp = co + i * ldc + j;
                FloatVector al = c0.broadcast(alpha);
                if (accumulate) {
                    c0.fma(al, FloatVector.fromArray(S, c, cp)).intoArray(c, cp);
                    c1.fma(al, FloatVector.fromArray(S, c, cp + ldc)).intoArray(c, cp + ldc);
                    c2.fma(al, FloatVector.fromArray(S, c, cp + 2 * ldc)).intoArray(c, cp + 2 * ldc);
                    c3.fma(al, FloatVector.fromArray(S, c, cp + 3 * ldc)).intoArray(c, cp + 3 * ldc);
                } else {
                    c0.mul(al).intoArray(c, cp);
                    c1.mul(al).intoArray(c, cp + ldc);
                    c2.mul(al).intoArray(c, cp + 2 * ldc);
                    c3.mul(al).intoArray(c, cp + 3 * ldc);
                }
            }
            for (; j < n; j++) {
                for (int r = 0; r < 4; r++) RowMath.scalarCell(a, a0 + r * sm, sk, b, bo + j, ldb, k, alpha, c, co + (i + r) * ldc + j, accumulate);
            }
        }
        for (; i < m; i++) {
            int a0 = ao + i * sm;
            int j = 0;
            for (; j + l <= n; j += l) {
                FloatVector c0 = FloatVector.fromArray(S, b, bo + j).broadcast(0f);
                for (int p = 0; p < k; p++) {
                    FloatVector b0 = FloatVector.fromArray(S, b, bo + p * ldb + j);
                    c0 = b0.fma(b0.broadcast(a[a0 + p * sk]), c0);
                }
                int cp = co + i * ldc + j;
                if (accumulate) c0.fma(c0.broadcast(alpha), FloatVector.fromArray(S, c, cp)).intoArray(c, cp);
                else c0.mul(alpha).intoArray(c, cp);
            }
            for (; j < n; j++) RowMath.scalarCell(a, a0, sk, b, bo + j, ldb, k, alpha, c, co + i * ldc + j, accumulate);
        }
    }
}
