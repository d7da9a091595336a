package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float transcendental functions over array blocks with the Vector API: exp, log, tanh, erf,
 * and exact GELU with its derivative. Lanewise arithmetic only, so results are the same in the
 * interpreter and in compiled code on every JVM. Each kernel is one loop whose body calls only
 * Vector API methods (helpers that take or return vectors would box them whenever the JIT
 * declines to inline them); functions built on exp make one pass into a scratch block, one call
 * to {@link #exp}, and one pass to combine. Block lengths must be multiples of the lane count;
 * {@link SimdElementwise} handles tails. Accuracy: exp and log about 2 ulp, erf about 1e-7.
 */
public final class VectorMath {
    /** Elements per block (a multiple of every lane count); scratch arrays have this length. */
    static final int BLOCK = 1024;

    private VectorMath() {
    }

    // exp: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2), e^r by its Taylor series to r⁷.
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5·2²³: adding and subtracting it rounds to an integer

    // erf on |u| < 1: erf(u) = u + u·P(u²), P fitted to erf(u)/u − 1 (least squares, u-weighted).
    private static final float E0 = 0.12837916612625122f, E1 = -0.37612637877464294f, E2 = 0.11283773183822632f,
            E3 = -0.026864971965551376f, E4 = 0.0052199154160916805f, E5 = -0.0008469496970064938f,
            E6 = 0.00011168923083459958f, E7 = -9.408709047420416e-06f;
    // erfc on 1 ≤ u < 4: erfc(u) = e^(−u²)·Q(t), t = (u − 2)/(u + 2), Q fitted to e^(u²)·erfc(u).
    private static final float C0 = 0.25539568066596985f, C1 = -0.4271858334541321f, C2 = 0.24165819585323334f,
            C3 = -0.07897857576608658f, C4 = 0.003733226330950856f, C5 = 0.006999218370765448f,
            C6 = -0.0008501618285663426f, C7 = -0.0010330307995900512f, C8 = -0.00011347015242790803f;
    private static final float FRAC_1_SQRT2 = 0.70710678f;
    private static final float FRAC_1_SQRT_2PI = 0.39894228f;

    /**
     * y = e^x; overflows to +∞ above about 88.72, underflows to 0 below about −103.9, NaN stays
     * NaN. x and y may be the same array.
     */
    public static void exp(VectorSpecies<Float> sp, float[] x, int xo, float[] y, int yo, int n) {
        requireWhole(sp, n);
        for (int i = 0; i < n; i += sp.length()) {
            FloatVector xc = FloatVector.fromArray(sp, x, xo + i).max(-104f).min(89f);
            FloatVector k = xc.lanewise(VectorOperators.FMA, LOG2E, ROUND).sub(ROUND);
            FloatVector r = k.lanewise(VectorOperators.FMA, -LN2_HI, xc);
            r = k.lanewise(VectorOperators.FMA, -LN2_LO, r);
            FloatVector p = r.lanewise(VectorOperators.FMA, 1f / 5040f, 1f / 720f);
            p = p.lanewise(VectorOperators.FMA, r, 1f / 120f);
            p = p.lanewise(VectorOperators.FMA, r, 1f / 24f);
            p = p.lanewise(VectorOperators.FMA, r, 1f / 6f);
            p = p.lanewise(VectorOperators.FMA, r, 0.5f);
            p = p.lanewise(VectorOperators.FMA, r, 1f);
            p = p.lanewise(VectorOperators.FMA, r, 1f);
            // 2^k as two factors 2^(k/2)·2^(k − k/2), each a normal float for k in [−150, 128]
            IntVector ki = (IntVector) k.convert(VectorOperators.F2I, 0);
            IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
            IntVector k2 = ki.sub(k1);
            FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(s1).mul(s2).intoArray(y, yo + i);
        }
    }

    /**
     * y = ln x for x in the normal float range: x = m·2^e with m in [√½, √2), ln m = 2·atanh(s),
     * s = (m − 1)/(m + 1), by its odd series to s⁹. Zero, negative, subnormal, infinite and NaN
     * inputs are recomputed in scalar code by {@link Math#log}.
     */
    public static void log(VectorSpecies<Float> sp, float[] x, int xo, float[] y, int yo, int n) {
        requireWhole(sp, n);
        FloatVector zero = FloatVector.zero(sp);
        for (int i = 0; i < n; i += sp.length()) {
            FloatVector xv = FloatVector.fromArray(sp, x, xo + i);
            IntVector bits = xv.reinterpretAsInts();
            IntVector e = bits.lanewise(VectorOperators.LSHR, 23).sub(127);
            FloatVector m = bits.lanewise(VectorOperators.AND, 0x007FFFFF).lanewise(VectorOperators.OR, 0x3F800000).reinterpretAsFloats();
            VectorMask<Float> big = m.compare(VectorOperators.GT, 1.41421356f);
            m = m.blend(m.mul(0.5f), big);
            FloatVector ef = ((FloatVector) e.convert(VectorOperators.I2F, 0)).add(zero.blend(1f, big));
            FloatVector s = m.sub(1f).div(m.add(1f));
            FloatVector z = s.mul(s);
            FloatVector p = z.lanewise(VectorOperators.FMA, 2f / 9f, 2f / 7f);
            p = p.lanewise(VectorOperators.FMA, z, 2f / 5f);
            p = p.lanewise(VectorOperators.FMA, z, 2f / 3f);
            p = p.lanewise(VectorOperators.FMA, z, 2f);
            ef.lanewise(VectorOperators.FMA, LN2_LO, p.mul(s)).add(ef.mul(LN2_HI)).intoArray(y, yo + i);
            VectorMask<Float> normal = xv.compare(VectorOperators.GE, Float.MIN_NORMAL).and(xv.compare(VectorOperators.LE, Float.MAX_VALUE));
            if (!normal.allTrue()) logSpecials(x, xo + i, y, yo + i, sp.length());
        }
    }

    private static void logSpecials(float[] x, int xo, float[] y, int yo, int n) {
        for (int j = 0; j < n; j++) {
            float v = x[xo + j];
            if (!(v >= Float.MIN_NORMAL && v <= Float.MAX_VALUE)) y[yo + j] = (float) Math.log(v);
        }
    }

    /**
     * y = tanh x: an odd Taylor polynomial to x¹¹ for |x| < 0.25, else sign(x)·(1 − 2/(e^(2|x|) + 1)).
     * scratch holds at least n floats.
     */
    public static void tanh(VectorSpecies<Float> sp, float[] x, int xo, float[] y, int yo, int n, float[] scratch) {
        requireWhole(sp, n);
        for (int i = 0; i < n; i += sp.length()) {
            FloatVector a = FloatVector.fromArray(sp, x, xo + i).abs();
            a.add(a).intoArray(scratch, i);
        }
        exp(sp, scratch, 0, scratch, 0, n);
        for (int i = 0; i < n; i += sp.length()) {
            FloatVector xv = FloatVector.fromArray(sp, x, xo + i);
            FloatVector z = xv.mul(xv);
            FloatVector p = z.lanewise(VectorOperators.FMA, -1382f / 155925f, 62f / 2835f);
            p = p.lanewise(VectorOperators.FMA, z, -17f / 315f);
            p = p.lanewise(VectorOperators.FMA, z, 2f / 15f);
            p = p.lanewise(VectorOperators.FMA, z, -1f / 3f);
            FloatVector small = p.mul(z).lanewise(VectorOperators.FMA, xv, xv);
            FloatVector q = FloatVector.broadcast(sp, -2f).div(FloatVector.fromArray(sp, scratch, i).add(1f)).add(1f);
            FloatVector big = q.blend(q.neg(), xv.compare(VectorOperators.LT, 0f));
            big.blend(small, xv.abs().compare(VectorOperators.LT, 0.25f)).intoArray(y, yo + i);
        }
    }

    /** y = erf(x), absolute error below about 1e-7. scratch holds at least n floats. */
    public static void erf(VectorSpecies<Float> sp, float[] x, int xo, float[] y, int yo, int n, float[] scratch) {
        requireWhole(sp, n);
        for (int i = 0; i < n; i += sp.length()) {
            FloatVector xv = FloatVector.fromArray(sp, x, xo + i);
            xv.mul(xv).neg().intoArray(scratch, i);
        }
        exp(sp, scratch, 0, scratch, 0, n);
        for (int i = 0; i < n; i += sp.length()) {
            FloatVector u = FloatVector.fromArray(sp, x, xo + i);
            FloatVector a = u.abs();
            FloatVector z = u.mul(u);
            FloatVector p = z.lanewise(VectorOperators.FMA, E7, E6);
            p = p.lanewise(VectorOperators.FMA, z, E5).lanewise(VectorOperators.FMA, z, E4).lanewise(VectorOperators.FMA, z, E3);
            p = p.lanewise(VectorOperators.FMA, z, E2).lanewise(VectorOperators.FMA, z, E1).lanewise(VectorOperators.FMA, z, E0);
            FloatVector small = u.lanewise(VectorOperators.FMA, p, u);
            FloatVector t = a.sub(2f).div(a.add(2f));
            FloatVector q = t.lanewise(VectorOperators.FMA, C8, C7);
            q = q.lanewise(VectorOperators.FMA, t, C6).lanewise(VectorOperators.FMA, t, C5).lanewise(VectorOperators.FMA, t, C4);
            q = q.lanewise(VectorOperators.FMA, t, C3).lanewise(VectorOperators.FMA, t, C2).lanewise(VectorOperators.FMA, t, C1);
            q = q.lanewise(VectorOperators.FMA, t, C0);
            FloatVector c = FloatVector.fromArray(sp, scratch, i).mul(q).blend(0f, a.compare(VectorOperators.GE, 4f));
            FloatVector mid = c.neg().add(1f);
            mid = mid.blend(mid.neg(), u.compare(VectorOperators.LT, 0f));
            mid.blend(small, a.compare(VectorOperators.LT, 1f)).intoArray(y, yo + i);
        }
    }

    /** scratch[i] = e^(−x²/2) for the GELU kernels. */
    private static void gaussian(VectorSpecies<Float> sp, float[] x, int xo, int n, float[] scratch) {
        for (int i = 0; i < n; i += sp.length()) {
            FloatVector xv = FloatVector.fromArray(sp, x, xo + i);
            xv.mul(xv).mul(-0.5f).intoArray(scratch, i);
        }
        exp(sp, scratch, 0, scratch, 0, n);
    }

    /**
     * y = GELU(x) = x·Φ(x) with the exact erf: Φ = ½(1 + erf(x/√2)) for |x| < √2, otherwise
     * ½·erfc(|x|/√2) below and 1 − ½·erfc(x/√2) above (keeping the tails' relative accuracy).
     * scratch holds at least n floats.
     */
    public static void gelu(VectorSpecies<Float> sp, float[] x, int xo, float[] y, int yo, int n, float[] scratch) {
        requireWhole(sp, n);
        gaussian(sp, x, xo, n, scratch);
        for (int i = 0; i < n; i += sp.length()) {
            FloatVector xv = FloatVector.fromArray(sp, x, xo + i);
            // Φ(x), as in geluBackward
            FloatVector u = xv.mul(FRAC_1_SQRT2);
            FloatVector a = u.abs();
            FloatVector z = u.mul(u);
            FloatVector p = z.lanewise(VectorOperators.FMA, E7, E6);
            p = p.lanewise(VectorOperators.FMA, z, E5).lanewise(VectorOperators.FMA, z, E4).lanewise(VectorOperators.FMA, z, E3);
            p = p.lanewise(VectorOperators.FMA, z, E2).lanewise(VectorOperators.FMA, z, E1).lanewise(VectorOperators.FMA, z, E0);
            FloatVector small = u.lanewise(VectorOperators.FMA, p, u).lanewise(VectorOperators.FMA, 0.5f, 0.5f);
            FloatVector t = a.sub(2f).div(a.add(2f));
            FloatVector q = t.lanewise(VectorOperators.FMA, C8, C7);
            q = q.lanewise(VectorOperators.FMA, t, C6).lanewise(VectorOperators.FMA, t, C5).lanewise(VectorOperators.FMA, t, C4);
            q = q.lanewise(VectorOperators.FMA, t, C3).lanewise(VectorOperators.FMA, t, C2).lanewise(VectorOperators.FMA, t, C1);
            q = q.lanewise(VectorOperators.FMA, t, C0);
            FloatVector halfC = FloatVector.fromArray(sp, scratch, i).mul(q).mul(0.5f).blend(0f, a.compare(VectorOperators.GE, 4f));
            FloatVector mid = halfC.blend(halfC.neg().add(1f), xv.compare(VectorOperators.GT, 0f));
            FloatVector cdf = mid.blend(small, a.compare(VectorOperators.LT, 1f));
            xv.mul(cdf).intoArray(y, yo + i);
        }
    }

    /**
     * dx += dy·GELU'(x), GELU'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π), one exponential for
     * both. scratch holds at least n floats.
     */
    public static void geluBackward(VectorSpecies<Float> sp, float[] dx, int dxo, float[] dy, int dyo, float[] x, int xo,
                                    int n, float[] scratch) {
        requireWhole(sp, n);
        gaussian(sp, x, xo, n, scratch);
        for (int i = 0; i < n; i += sp.length()) {
            FloatVector xv = FloatVector.fromArray(sp, x, xo + i);
            FloatVector g = FloatVector.fromArray(sp, scratch, i);
            // Φ(x), as in gelu
            FloatVector u = xv.mul(FRAC_1_SQRT2);
            FloatVector a = u.abs();
            FloatVector z = u.mul(u);
            FloatVector p = z.lanewise(VectorOperators.FMA, E7, E6);
            p = p.lanewise(VectorOperators.FMA, z, E5).lanewise(VectorOperators.FMA, z, E4).lanewise(VectorOperators.FMA, z, E3);
            p = p.lanewise(VectorOperators.FMA, z, E2).lanewise(VectorOperators.FMA, z, E1).lanewise(VectorOperators.FMA, z, E0);
            FloatVector small = u.lanewise(VectorOperators.FMA, p, u).lanewise(VectorOperators.FMA, 0.5f, 0.5f);
            FloatVector t = a.sub(2f).div(a.add(2f));
            FloatVector q = t.lanewise(VectorOperators.FMA, C8, C7);
            q = q.lanewise(VectorOperators.FMA, t, C6).lanewise(VectorOperators.FMA, t, C5).lanewise(VectorOperators.FMA, t, C4);
            q = q.lanewise(VectorOperators.FMA, t, C3).lanewise(VectorOperators.FMA, t, C2).lanewise(VectorOperators.FMA, t, C1);
            q = q.lanewise(VectorOperators.FMA, t, C0);
            FloatVector halfC = g.mul(q).mul(0.5f).blend(0f, a.compare(VectorOperators.GE, 4f));
            FloatVector mid = halfC.blend(halfC.neg().add(1f), xv.compare(VectorOperators.GT, 0f));
            FloatVector cdf = mid.blend(small, a.compare(VectorOperators.LT, 1f));
            FloatVector d = xv.mul(g.mul(FRAC_1_SQRT_2PI)).add(cdf);
            FloatVector.fromArray(sp, dy, dyo + i).lanewise(VectorOperators.FMA, d, FloatVector.fromArray(sp, dx, dxo + i)).intoArray(dx, dxo + i);
        }
    }

    private static void requireWhole(VectorSpecies<Float> sp, int n) {
        if (n % sp.length() != 0) {
            throw new IllegalArgumentException("vector-math block of " + n + " elements is not a multiple of " + sp.length() + " lanes");
        }
    }

    /** dst[j] = erf(src[j]) for j in [0, n), any n: for tests and callers without vectors. */
    public static void erf(SimdContext sc, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        VectorSpecies<Float> sp = sc.species();
        float[] scratch = new float[BLOCK];
        int main = sp.loopBound(n);
        for (int s = 0; s < main; s += BLOCK) erf(sp, src, srcOff + s, dst, dstOff + s, Math.min(BLOCK, main - s), scratch);
        if (main < n) {
            float[] tx = new float[sp.length()], ty = new float[sp.length()];
            System.arraycopy(src, srcOff + main, tx, 0, n - main);
            erf(sp, tx, 0, ty, 0, sp.length(), scratch);
            System.arraycopy(ty, 0, dst, dstOff + main, n - main);
        }
    }
}
