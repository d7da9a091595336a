package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.VectorSpecies;

/**
 * Float transcendental functions over array blocks with the Vector API: exp, log, tanh, erf,
 * and exact GELU with its derivative. Lanewise arithmetic only, so results are the same in the
 * interpreter and in compiled code on every JVM. The kernels live in {@link MathLoops}, one copy
 * per width with the species as a constant; each is one loop whose body calls only Vector API
 * methods (helpers that take or return vectors would box them whenever the JIT declines to
 * inline them); functions built on exp make one pass into a scratch block, one call
 * to {@link #exp}, and one pass to combine. Block lengths must be multiples of the lane count;
 * {@link SimdElementwise} handles tails. Accuracy: exp and log about 2 ulp, erf about 1e-7.
 */
public final class VectorMath {
    /** Elements per block (a multiple of every lane count); scratch arrays have this length. */
    static final int BLOCK = 1024;

    /** The kernels of this class ({@link MathLoops}, one copy per width); see the static methods. */
    interface Loops {
        /**
         * y = e^x; overflows to +∞ above about 88.72, underflows to 0 below about −103.9, NaN stays
         * NaN. x and y may be the same array.
         */
        void exp(float[] x, int xo, float[] y, int yo, int n);

        /**
         * y = ln x for x in the normal float range: x = m·2^e with m in [√½, √2), ln m = 2·atanh(s),
         * s = (m − 1)/(m + 1), by its odd series to s⁹. Zero, negative, subnormal, infinite and NaN
         * inputs are recomputed in scalar code by {@link Math#log}.
         */
        void log(float[] x, int xo, float[] y, int yo, int n);

        /**
         * y = tanh x: an odd Taylor polynomial to x¹¹ for |x| < 0.25, else sign(x)·(1 − 2/(e^(2|x|) + 1)).
         * scratch holds at least n floats.
         */
        void tanh(float[] x, int xo, float[] y, int yo, int n, float[] scratch);

        /** y = erf(x), absolute error below about 1e-7. scratch holds at least n floats. */
        void erf(float[] x, int xo, float[] y, int yo, int n, float[] scratch);

        /**
         * y = GELU(x) = x·Φ(x) with the exact erf: Φ = ½(1 + erf(x/√2)) for |x| < √2, otherwise
         * ½·erfc(|x|/√2) below and 1 − ½·erfc(x/√2) above (keeping the tails' relative accuracy).
         * scratch holds at least n floats.
         */
        void gelu(float[] x, int xo, float[] y, int yo, int n, float[] scratch);

        /**
         * dx += dy·GELU'(x), GELU'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π), one exponential for
         * both. scratch holds at least n floats.
         */
        void geluBackward(float[] dx, int dxo, float[] dy, int dyo, float[] x, int xo, int n, float[] scratch);
    }

    private static final Loops[] LOOPS = WidthCopies.all(Loops.class, "MathLoops", Loops[]::new);

    private VectorMath() {
    }

    // exp: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2), e^r by its Taylor series to r⁷.
    static final float LOG2E = 1.44269504f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float ROUND = 12582912f; // 1.5·2²³: adding and subtracting it rounds to an integer

    // erf on |u| < 1: erf(u) = u + u·P(u²), P fitted to erf(u)/u − 1 (least squares, u-weighted).
    static final float E0 = 0.12837916612625122f, E1 = -0.37612637877464294f, E2 = 0.11283773183822632f,
            E3 = -0.026864971965551376f, E4 = 0.0052199154160916805f, E5 = -0.0008469496970064938f,
            E6 = 0.00011168923083459958f, E7 = -9.408709047420416e-06f;
    // erfc on 1 ≤ u < 4: erfc(u) = e^(−u²)·Q(t), t = (u − 2)/(u + 2), Q fitted to e^(u²)·erfc(u).
    static final float C0 = 0.25539568066596985f, C1 = -0.4271858334541321f, C2 = 0.24165819585323334f,
            C3 = -0.07897857576608658f, C4 = 0.003733226330950856f, C5 = 0.006999218370765448f,
            C6 = -0.0008501618285663426f, C7 = -0.0010330307995900512f, C8 = -0.00011347015242790803f;
    static final float FRAC_1_SQRT2 = 0.70710678f;
    static final float FRAC_1_SQRT_2PI = 0.39894228f;

    /**
     * y = e^x; overflows to +∞ above about 88.72, underflows to 0 below about −103.9, NaN stays
     * NaN. x and y may be the same array.
     */
    public static void exp(VectorSpecies<Float> sp, float[] x, int xo, float[] y, int yo, int n) {
        LOOPS[WidthCopies.index(sp)].exp(x, xo, y, yo, n);
    }

    /**
     * y = ln x for x in the normal float range: x = m·2^e with m in [√½, √2), ln m = 2·atanh(s),
     * s = (m − 1)/(m + 1), by its odd series to s⁹. Zero, negative, subnormal, infinite and NaN
     * inputs are recomputed in scalar code by {@link Math#log}.
     */
    public static void log(VectorSpecies<Float> sp, float[] x, int xo, float[] y, int yo, int n) {
        LOOPS[WidthCopies.index(sp)].log(x, xo, y, yo, n);
    }

    static void logSpecials(float[] x, int xo, float[] y, int yo, int n) {
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
        LOOPS[WidthCopies.index(sp)].tanh(x, xo, y, yo, n, scratch);
    }

    /** y = erf(x), absolute error below about 1e-7. scratch holds at least n floats. */
    public static void erf(VectorSpecies<Float> sp, float[] x, int xo, float[] y, int yo, int n, float[] scratch) {
        LOOPS[WidthCopies.index(sp)].erf(x, xo, y, yo, n, scratch);
    }


    /**
     * y = GELU(x) = x·Φ(x) with the exact erf: Φ = ½(1 + erf(x/√2)) for |x| < √2, otherwise
     * ½·erfc(|x|/√2) below and 1 − ½·erfc(x/√2) above (keeping the tails' relative accuracy).
     * scratch holds at least n floats.
     */
    public static void gelu(VectorSpecies<Float> sp, float[] x, int xo, float[] y, int yo, int n, float[] scratch) {
        LOOPS[WidthCopies.index(sp)].gelu(x, xo, y, yo, n, scratch);
    }

    /**
     * dx += dy·GELU'(x), GELU'(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π), one exponential for
     * both. scratch holds at least n floats.
     */
    public static void geluBackward(VectorSpecies<Float> sp, float[] dx, int dxo, float[] dy, int dyo, float[] x, int xo, int n, float[] scratch) {
        LOOPS[WidthCopies.index(sp)].geluBackward(dx, dxo, dy, dyo, x, xo, n, scratch);
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
