package io.tessera.tensor;

/**
 * Conversions between float and bfloat16 (the upper 16 bits of an IEEE float: 8 exponent bits,
 * 7 mantissa bits). Narrowing rounds to nearest, ties to even, overflows to infinity and keeps
 * subnormals, bit for bit as PyTorch's {@code Tensor.bfloat16()}. A NaN stays a NaN with its sign
 * and the top of its payload, quietened (PyTorch's scalar and vectorised paths each pick another
 * fixed NaN; none of them is a number). Written here rather than taken from a library because
 * BF16 tensors must hold exactly the bits the reference holds on every backend, and the JDK's
 * {@code Float.floatToFloat16} is IEEE half precision.
 */
public final class BFloat16 {
    private BFloat16() {
    }

    /** Rounds {@code f} to the nearest bfloat16 (ties to even). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int bias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + bias) >>> 16);
    }

    /**
     * Rounds {@code d} to the nearest bfloat16 in one step (no double rounding through float):
     * where the float nearest to d lies exactly halfway between two bfloat16 values but d does not,
     * the tie is broken by the side d lies on.
     */
    public static short fromDouble(double d) {
        float f = (float) d;
        if (Float.isNaN(f) || Float.isInfinite(f) || (double) f == d) return fromFloat(f);
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0xFFFF) == 0x8000) {
            // magnitude of d above or below that of f: nudge f's magnitude one float ulp that way
            bits += Math.abs(d) > Math.abs((double) f) ? 1 : -1;
            return fromFloat(Float.intBitsToFloat(bits));
        }
        return fromFloat(f);
    }

    /** The float with the same value (exact). */
    public static float toFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** {@code f} rounded to bfloat16 and widened back: the value a BF16 tensor would hold. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
