package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float transcendental functions on whole vectors, written with lanewise arithmetic only (so
 * results are the same in the interpreter and in compiled code, and on every JVM): exp, log,
 * tanh, erf and the normal CDF Φ used by exact GELU. Not a general math library: accuracy is
 * what training needs (exp and log to about 2 ulp, erf to about 1e-7 absolute).
 */
public final class VectorMath {
    private VectorMath() {
    }

    // exp: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2), e^r by its Taylor series to r⁷.
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5·2²³: adding and subtracting it rounds to an integer

    // erf on |x| < 1: erf(x) = x + x·P(x²), P fitted to erf(x)/x − 1 (least squares in x-weighted error).
    private static final float[] ERF_SMALL = {0.12837916612625122f, -0.37612637877464294f, 0.11283773183822632f,
            -0.026864971965551376f, 0.0052199154160916805f, -0.0008469496970064938f, 0.00011168923083459958f,
            -9.408709047420416e-06f};
    // erfc on 1 ≤ |x| < 4: erfc(x) = e^(−x²)·Q(t), t = (x − 2)/(x + 2), Q fitted to erfcx = e^(x²)·erfc(x).
    private static final float[] ERFC_MID = {0.25539568066596985f, -0.4271858334541321f, 0.24165819585323334f,
            -0.07897857576608658f, 0.003733226330950856f, 0.006999218370765448f, -0.0008501618285663426f,
            -0.0010330307995900512f, -0.00011347015242790803f};
    private static final float FRAC_1_SQRT2 = 0.70710678f;
    private static final float FRAC_1_SQRT_2PI = 0.39894228f;

    /** e^x; overflows to +∞ above about 88.72 and underflows to 0 below about −103.9; NaN stays NaN. */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-104f).min(89f);
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
        return p.mul(s1).mul(s2);
    }

    /**
     * ln x for x in the normal float range: x = m·2^e with m in [√½, √2), ln m = 2·atanh(s),
     * s = (m − 1)/(m + 1), by its odd series to s⁹. Lanes that are zero, negative, subnormal,
     * infinite or NaN are recomputed in scalar code by {@link Math#log}.
     */
    public static FloatVector log(FloatVector x) {
        VectorSpecies<Float> sp = x.species();
        IntVector bits = x.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).sub(127);
        FloatVector m = bits.lanewise(VectorOperators.AND, 0x007FFFFF).lanewise(VectorOperators.OR, 0x3F800000).reinterpretAsFloats();
        VectorMask<Float> big = m.compare(VectorOperators.GT, 1.41421356f);
        m = m.blend(m.mul(0.5f), big);
        FloatVector ef = ((FloatVector) e.convert(VectorOperators.I2F, 0)).add(FloatVector.zero(sp).blend(1f, big));
        FloatVector s = m.sub(1f).div(m.add(1f));
        FloatVector z = s.mul(s);
        FloatVector p = z.lanewise(VectorOperators.FMA, 2f / 9f, 2f / 7f);
        p = p.lanewise(VectorOperators.FMA, z, 2f / 5f);
        p = p.lanewise(VectorOperators.FMA, z, 2f / 3f);
        p = p.lanewise(VectorOperators.FMA, z, 2f);
        FloatVector lm = p.mul(s);
        FloatVector out = ef.lanewise(VectorOperators.FMA, LN2_LO, lm).add(ef.mul(LN2_HI));
        VectorMask<Float> normal = x.compare(VectorOperators.GE, Float.MIN_NORMAL).and(x.compare(VectorOperators.LE, Float.MAX_VALUE));
        if (!normal.allTrue()) {
            float[] xs = x.toArray(), os = out.toArray();
            for (int i = 0; i < xs.length; i++) {
                if (!normal.laneIsSet(i)) os[i] = (float) Math.log(xs[i]);
            }
            out = FloatVector.fromArray(sp, os, 0);
        }
        return out;
    }

    /**
     * tanh x: an odd Taylor polynomial to x¹¹ for |x| < 0.25, otherwise sign(x)·(1 − 2/(e^(2|x|) + 1)).
     */
    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector p = z.lanewise(VectorOperators.FMA, -1382f / 155925f, 62f / 2835f);
        p = p.lanewise(VectorOperators.FMA, z, -17f / 315f);
        p = p.lanewise(VectorOperators.FMA, z, 2f / 15f);
        p = p.lanewise(VectorOperators.FMA, z, -1f / 3f);
        FloatVector small = p.mul(z).lanewise(VectorOperators.FMA, x, x);
        FloatVector big = FloatVector.broadcast(x.species(), 1f).sub(FloatVector.broadcast(x.species(), 2f).div(exp(a.add(a)).add(1f)));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        return big.blend(small, a.compare(VectorOperators.LT, 0.25f));
    }

    /** erfc(a) for a ≥ 1 (0 from 4 on, where erf rounds to 1 in float). */
    private static FloatVector erfcMid(FloatVector a) {
        FloatVector t = a.sub(2f).div(a.add(2f));
        FloatVector q = t.lanewise(VectorOperators.FMA, ERFC_MID[8], ERFC_MID[7]);
        for (int i = 6; i >= 0; i--) q = q.lanewise(VectorOperators.FMA, t, ERFC_MID[i]);
        FloatVector c = exp(a.mul(a).neg()).mul(q);
        return c.blend(0f, a.compare(VectorOperators.GE, 4f));
    }

    /** erf(x) − x for |x| < 1, as x·P(x²). */
    private static FloatVector erfSmallMinusX(FloatVector x) {
        FloatVector z = x.mul(x);
        FloatVector p = z.lanewise(VectorOperators.FMA, ERF_SMALL[7], ERF_SMALL[6]);
        for (int i = 5; i >= 0; i--) p = p.lanewise(VectorOperators.FMA, z, ERF_SMALL[i]);
        return x.mul(p);
    }

    /** erf(x), absolute error below about 1e-7 (tested against the double-precision {@code Erf}). */
    public static FloatVector erf(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector small = erfSmallMinusX(x).add(x);
        FloatVector mid = FloatVector.broadcast(x.species(), 1f).sub(erfcMid(a));
        mid = mid.blend(mid.neg(), x.compare(VectorOperators.LT, 0f));
        VectorMask<Float> isSmall = a.compare(VectorOperators.LT, 1f);
        if (isSmall.allTrue()) return small;
        return mid.blend(small, isSmall);
    }

    /**
     * The standard normal CDF Φ(x) = ½(1 + erf(x/√2)); for x ≤ −√2 it is ½·erfc(|x|/√2),
     * which keeps the relative accuracy of the lower tail.
     */
    public static FloatVector normalCdf(FloatVector x) {
        FloatVector u = x.mul(FRAC_1_SQRT2);
        FloatVector a = u.abs();
        VectorMask<Float> isSmall = a.compare(VectorOperators.LT, 1f);
        FloatVector small = erfSmallMinusX(u).add(u).lanewise(VectorOperators.FMA, 0.5f, 0.5f);
        if (isSmall.allTrue()) return small;
        FloatVector halfC = erfcMid(a).mul(0.5f);
        FloatVector mid = halfC.blend(FloatVector.broadcast(x.species(), 1f).sub(halfC), x.compare(VectorOperators.GT, 0f));
        return mid.blend(small, isSmall);
    }

    /** The standard normal density φ(x) = e^(−x²/2)/√(2π). */
    public static FloatVector normalPdf(FloatVector x) {
        return exp(x.mul(x).mul(-0.5f)).mul(FRAC_1_SQRT_2PI);
    }

    /** GELU with the exact erf: x·Φ(x). */
    public static FloatVector gelu(FloatVector x) {
        return x.mul(normalCdf(x));
    }

    /** GELU'(x) = Φ(x) + x·φ(x). */
    public static FloatVector geluDerivative(FloatVector x) {
        return x.lanewise(VectorOperators.FMA, normalPdf(x), normalCdf(x));
    }

    /** erf over an array slice, for tests and callers without vectors: dst[j] = erf(src[j]). */
    public static void erf(SimdContext sc, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        VectorSpecies<Float> sp = sc.species();
        int i = 0;
        for (; i <= n - sp.length(); i += sp.length()) {
            erf(FloatVector.fromArray(sp, src, srcOff + i)).intoArray(dst, dstOff + i);
        }
        if (i < n) {
            float[] tmp = new float[sp.length()];
            System.arraycopy(src, srcOff + i, tmp, 0, n - i);
            float[] r = erf(FloatVector.fromArray(sp, tmp, 0)).toArray();
            System.arraycopy(r, 0, dst, dstOff + i, n - i);
        }
    }
}
