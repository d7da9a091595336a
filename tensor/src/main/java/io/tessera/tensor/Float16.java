package io.tessera.tensor;

/**
 * Conversions between float and IEEE half precision (float16: 5 exponent bits, 10 mantissa
 * bits, largest finite value 65504, smallest subnormal 2⁻²⁴). Narrowing rounds to nearest, ties
 * to even, overflows to infinity and keeps subnormals, as the JDK's {@link Float#floatToFloat16}
 * and PyTorch's {@code Tensor.half()}. A NaN stays a NaN with its sign and the top of its
 * payload, quietened: the one NaN the GPU kernels also write (the JDK leaves the choice of NaN
 * to the platform's instruction), so every backend holds the same bits.
 */
public final class Float16 {
    /** The largest finite float16, 65504. */
    public static final float MAX = 65504f;

    private Float16() {
    }

    /** Rounds {@code f} to the nearest float16 (ties to even). */
    public static short fromFloat(float f) {
        if (Float.isNaN(f)) {
            int bits = Float.floatToRawIntBits(f);
            return (short) (((bits >>> 16) & 0x8000) | 0x7E00 | ((bits >>> 13) & 0x3FF));
        }
        return Float.floatToFloat16(f);
    }

    /**
     * Rounds {@code d} to the nearest float16 in one step (no double rounding through float):
     * where the float nearest to d is exactly halfway between two float16 values but d is not,
     * the tie is broken by the side d lies on.
     */
    public static short fromDouble(double d) {
        float f = (float) d;
        short h = fromFloat(f);
        if (Float.isNaN(f) || Float.isInfinite(f) || (double) f == d) return h;
        double v = magnitude(h), af = Math.abs(f);
        if (v == af) return h; // f is a float16 value, and d within half a float ulp of it rounds to it too
        short o = (short) (v < af ? h + 1 : h - 1); // the neighbour on f's other side (bits are sign-magnitude)
        if ((v + magnitude(o)) / 2 != af) return h; // f is not halfway: d rounds as f does
        boolean larger = Math.abs(d) > af;
        return (v > af) == larger ? h : o;
    }

    /** |value| of float16 bits, with infinity standing for 2¹⁶ (what the rounding treats it as). */
    private static double magnitude(short h) {
        float v = Math.abs(toFloat(h));
        return Float.isInfinite(v) ? 65536.0 : v;
    }

    /**
     * The float with the same value (exact). A signalling NaN pattern may come back quietened: the
     * JDK leaves that to the platform, and {@link #fromFloat} writes quiet NaNs only.
     */
    public static float toFloat(short h) {
        return Float.float16ToFloat(h);
    }

    /** {@code f} rounded to float16 and widened back: the value an F16 tensor would hold. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
