package io.tessera.tensor.cpu.simd;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels of {@link VectorMath} (exp, log, tanh, erf, GELU and its derivative over blocks
 * whose length is a multiple of the lane count), defined once per vector width by
 * {@link WidthCopies} so that the species S is a constant. Not used directly: only its
 * per-width copies run.
 */
final class MathLoops implements VectorMath.Loops {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    MathLoops() {
    }

    /**
     * y = e^x; overflows to +∞ above about 88.72, underflows to 0 below about −103.9, NaN stays
     * NaN. x and y may be the same array.
     */
    public void exp(float[] x, int xo, float[] y, int yo, int n) {
        requireWhole(n);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector xc = FloatVector.fromArray(S, x, xo + i).max(-104f).min(89f);
            FloatVector k = xc.lanewise(VectorOperators.FMA, VectorMath.LOG2E, VectorMath.ROUND).sub(VectorMath.ROUND);
            FloatVector r = k.lanewise(VectorOperators.FMA, -VectorMath.LN2_HI, xc);
            r = k.lanewise(VectorOperators.FMA, -VectorMath.LN2_LO, r);
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
    public void log(float[] x, int xo, float[] y, int yo, int n) {
        requireWhole(n);
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
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
            ef.lanewise(VectorOperators.FMA, VectorMath.LN2_LO, p.mul(s)).add(ef.mul(VectorMath.LN2_HI)).intoArray(y, yo + i);
            VectorMask<Float> normal = xv.compare(VectorOperators.GE, Float.MIN_NORMAL).and(xv.compare(VectorOperators.LE, Float.MAX_VALUE));
            if (!normal.allTrue()) VectorMath.logSpecials(x, xo + i, y, yo + i, S.length());
        }
    }

    /**
     * y = tanh x: an odd Taylor polynomial to x¹¹ for |x| < 0.25, else sign(x)·(1 − 2/(e^(2|x|) + 1)).
     * scratch holds at least n floats.
     */
    public void tanh(float[] x, int xo, float[] y, int yo, int n, float[] scratch) {
        requireWhole(n);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector a = FloatVector.fromArray(S, x, xo + i).abs();
            a.add(a).intoArray(scratch, i);
        }
        exp(scratch, 0, scratch, 0, n);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector z = xv.mul(xv);
            FloatVector p = z.lanewise(VectorOperators.FMA, -1382f / 155925f, 62f / 2835f);
            p = p.lanewise(VectorOperators.FMA, z, -17f / 315f);
            p = p.lanewise(VectorOperators.FMA, z, 2f / 15f);
            p = p.lanewise(VectorOperators.FMA, z, -1f / 3f);
            FloatVector small = p.mul(z).lanewise(VectorOperators.FMA, xv, xv);
            FloatVector q = FloatVector.broadcast(S, -2f).div(FloatVector.fromArray(S, scratch, i).add(1f)).add(1f);
            FloatVector big = q.blend(q.neg(), xv.compare(VectorOperators.LT, 0f));
            big.blend(small, xv.abs().compare(VectorOperators.LT, 0.25f)).intoArray(y, yo + i);
        }
    }

    /** y = erf(x), absolute error below about 1e-7. scratch holds at least n floats. */
    public void erf(float[] x, int xo, float[] y, int yo, int n, float[] scratch) {
        requireWhole(n);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            xv.mul(xv).neg().intoArray(scratch, i);
        }
        exp(scratch, 0, scratch, 0, n);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector u = FloatVector.fromArray(S, x, xo + i);
            FloatVector a = u.abs();
            FloatVector z = u.mul(u);
            FloatVector p = z.lanewise(VectorOperators.FMA, VectorMath.E7, VectorMath.E6);
            p = p.lanewise(VectorOperators.FMA, z, VectorMath.E5).lanewise(VectorOperators.FMA, z, VectorMath.E4).lanewise(VectorOperators.FMA, z, VectorMath.E3);
            p = p.lanewise(VectorOperators.FMA, z, VectorMath.E2).lanewise(VectorOperators.FMA, z, VectorMath.E1).lanewise(VectorOperators.FMA, z, VectorMath.E0);
            FloatVector small = u.lanewise(VectorOperators.FMA, p, u);
            FloatVector t = a.sub(2f).div(a.add(2f));
            FloatVector q = t.lanewise(VectorOperators.FMA, VectorMath.C8, VectorMath.C7);
            q = q.lanewise(VectorOperators.FMA, t, VectorMath.C6).lanewise(VectorOperators.FMA, t, VectorMath.C5).lanewise(VectorOperators.FMA, t, VectorMath.C4);
            q = q.lanewise(VectorOperators.FMA, t, VectorMath.C3).lanewise(VectorOperators.FMA, t, VectorMath.C2).lanewise(VectorOperators.FMA, t, VectorMath.C1);
            q = q.lanewise(VectorOperators.FMA, t, VectorMath.C0);
            FloatVector c = FloatVector.fromArray(S, scratch, i).mul(q).blend(0f, a.compare(VectorOperators.GE, 4f));
            FloatVector mid = c.neg().add(1f);
            mid = mid.blend(mid.neg(), u.compare(VectorOperators.LT, 0f));
            mid.blend(small, a.compare(VectorOperators.LT, 1f)).intoArray(y, yo + i);
        }
    }

    /** scratch[i] = e^(−x²/2) for the GELU kernels. */
    private void gaussian(float[] x, int xo, int n, float[] scratch) {
        for (int i = 0; i < n; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            xv.mul(xv).mul(-0.5f).intoArray(scratch, i);
        }
        exp(scratch, 0, scratch, 0, n);
    }

    /**
     * y = GELU(x) = x·Φ(x) with the exact erf: Φ = ½(1 + erf(x/√2)) for |x| < √2, otherwise
     * ½·erfc(|x|/√2) below and 1 − ½·erfc(x/√2) above (keeping the tails' relative accuracy).
     * scratch holds at least n floats.
     */
    public void gelu(float[] x, int xo, float[] y, int yo, int n, float[] scratch) {
        requireWhole(n);
        gaussian(x, xo, n, scratch);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            // Φ(x), as in geluBackward
            FloatVector u = xv.mul(VectorMath.FRAC_1_SQRT2);
            FloatVector a = u.abs();
            FloatVector z = u.mul(u);
            FloatVector p = z.lanewise(VectorOperators.FMA, VectorMath.E7, VectorMath.E6);
            p = p.lanewise(VectorOperators.FMA, z, VectorMath.E5).lanewise(VectorOperators.FMA, z, VectorMath.E4).lanewise(VectorOperators.FMA, z, VectorMath.E3);
            p = p.lanewise(VectorOperators.FMA, z, VectorMath.E2).lanewise(VectorOperators.FMA, z, VectorMath.E1).lanewise(VectorOperators.FMA, z, VectorMath.E0);
            FloatVector small = u.lanewise(VectorOperators.FMA, p, u).lanewise(VectorOperators.FMA, 0.5f, 0.5f);
            FloatVector t = a.sub(2f).div(a.add(2f));
            FloatVector q = t.lanewise(VectorOperators.FMA, VectorMath.C8, VectorMath.C7);
            q = q.lanewise(VectorOperators.FMA, t, VectorMath.C6).lanewise(VectorOperators.FMA, t, VectorMath.C5).lanewise(VectorOperators.FMA, t, VectorMath.C4);
            q = q.lanewise(VectorOperators.FMA, t, VectorMath.C3).lanewise(VectorOperators.FMA, t, VectorMath.C2).lanewise(VectorOperators.FMA, t, VectorMath.C1);
            q = q.lanewise(VectorOperators.FMA, t, VectorMath.C0);
            FloatVector halfC = FloatVector.fromArray(S, scratch, i).mul(q).mul(0.5f).blend(0f, a.compare(VectorOperators.GE, 4f));
            FloatVector mid = halfC.blend(halfC.neg().add(1f), xv.compare(VectorOperators.GT, 0f));
            FloatVector cdf = mid.blend(small, a.compare(VectorOperators.LT, 1f));
            xv.mul(cdf).intoArray(y, yo + i);
        }
    }

    /**
     * dx += dy·GELU'(x), GELU'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π), one exponential for
     * both. scratch holds at least n floats.
     */
    public void geluBackward(float[] dx, int dxo, float[] dy, int dyo, float[] x, int xo,
                                    int n, float[] scratch) {
        requireWhole(n);
        gaussian(x, xo, n, scratch);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector g = FloatVector.fromArray(S, scratch, i);
            // Φ(x), as in gelu
            FloatVector u = xv.mul(VectorMath.FRAC_1_SQRT2);
            FloatVector a = u.abs();
            FloatVector z = u.mul(u);
            FloatVector p = z.lanewise(VectorOperators.FMA, VectorMath.E7, VectorMath.E6);
            p = p.lanewise(VectorOperators.FMA, z, VectorMath.E5).lanewise(VectorOperators.FMA, z, VectorMath.E4).lanewise(VectorOperators.FMA, z, VectorMath.E3);
            p = p.lanewise(VectorOperators.FMA, z, VectorMath.E2).lanewise(VectorOperators.FMA, z, VectorMath.E1).lanewise(VectorOperators.FMA, z, VectorMath.E0);
            FloatVector small = u.lanewise(VectorOperators.FMA, p, u).lanewise(VectorOperators.FMA, 0.5f, 0.5f);
            FloatVector t = a.sub(2f).div(a.add(2f));
            FloatVector q = t.lanewise(VectorOperators.FMA, VectorMath.C8, VectorMath.C7);
            q = q.lanewise(VectorOperators.FMA, t, VectorMath.C6).lanewise(VectorOperators.FMA, t, VectorMath.C5).lanewise(VectorOperators.FMA, t, VectorMath.C4);
            q = q.lanewise(VectorOperators.FMA, t, VectorMath.C3).lanewise(VectorOperators.FMA, t, VectorMath.C2).lanewise(VectorOperators.FMA, t, VectorMath.C1);
            q = q.lanewise(VectorOperators.FMA, t, VectorMath.C0);
            FloatVector halfC = g.mul(q).mul(0.5f).blend(0f, a.compare(VectorOperators.GE, 4f));
            FloatVector mid = halfC.blend(halfC.neg().add(1f), xv.compare(VectorOperators.GT, 0f));
            FloatVector cdf = mid.blend(small, a.compare(VectorOperators.LT, 1f));
            FloatVector d = xv.mul(g.mul(VectorMath.FRAC_1_SQRT_2PI)).add(cdf);
            FloatVector.fromArray(S, dy, dyo + i).lanewise(VectorOperators.FMA, d, FloatVector.fromArray(S, dx, dxo + i)).intoArray(dx, dxo + i);
        }
    }

    private void requireWhole(int n) {
        if (n % S.length() != 0) {
            throw new IllegalArgumentException("vector-math block of " + n + " elements is not a multiple of " + S.length() + " lanes");
        }
    }
}
