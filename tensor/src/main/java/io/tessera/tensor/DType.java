package io.tessera.tensor;

/**
 * Element types a tensor can hold. F32 is the training type; F64 exists for references and
 * gradient checks; I32 holds indices (masking ids, labels). The two 16-bit types, BF16 (bfloat16,
 * see {@link BFloat16}) and F16 (IEEE half precision, see {@link Float16}), hold the operands of
 * matrix products under autocast ({@link ExecutionContext#autocast}), which accumulate in float32.
 */
public enum DType {
    F32(4), F64(8), I32(4), BF16(2), F16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types that autograd differentiates. */
    public boolean isFloating() {
        return this != I32;
    }

    /** True for the 16-bit floating-point types (BF16, F16): autocast's storage. */
    public boolean isHalf() {
        return this == BF16 || this == F16;
    }

    /** {@code f} rounded to this 16-bit type and widened back (exact for F32); only for BF16 and F16. */
    public float roundHalf(float f) {
        return switch (this) {
            case BF16 -> BFloat16.round(f);
            case F16 -> Float16.round(f);
            default -> throw new IllegalArgumentException(this + " is not a 16-bit floating-point type");
        };
    }

    /** The 16-bit pattern nearest to {@code d} in this type (one rounding); only for BF16 and F16. */
    public short halfBits(double d) {
        return switch (this) {
            case BF16 -> BFloat16.fromDouble(d);
            case F16 -> Float16.fromDouble(d);
            default -> throw new IllegalArgumentException(this + " is not a 16-bit floating-point type");
        };
    }

    /** The value of a 16-bit pattern of this type (exact); only for BF16 and F16. */
    public float halfValue(short bits) {
        return switch (this) {
            case BF16 -> BFloat16.toFloat(bits);
            case F16 -> Float16.toFloat(bits);
            default -> throw new IllegalArgumentException(this + " is not a 16-bit floating-point type");
        };
    }
}
