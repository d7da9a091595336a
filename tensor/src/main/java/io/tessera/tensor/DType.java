package io.tessera.tensor;

/**
 * Element types a tensor can hold. F32 is the training type; F64 exists for references and
 * gradient checks; I32 holds indices (masking ids, labels); BF16 (bfloat16, see {@link BFloat16})
 * holds the operands and results of matrix products under bf16 autocast
 * ({@link ExecutionContext#autocast}), which accumulate in float32.
 */
public enum DType {
    F32(4), F64(8), I32(4), BF16(2);

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
}
