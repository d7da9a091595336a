package io.tessera.tensor.spi;

import io.tessera.tensor.DType;
import io.tessera.tensor.Tensor;

/**
 * The portable form of the mixed-precision matrix product in {@link Backend#matmul}: BF16 or F16
 * operands widened to float32 copies (exact: both are subsets of float32), one float32 product,
 * float32 sums. Backends without a native 16-bit product call this; the product of two bfloat16
 * or two float16 values is exact in float32 (at most 22 significant bits, exponents in range), so
 * the result differs from a native kernel with float32 accumulation only in the order of the sums.
 */
public final class MixedPrecision {
    private MixedPrecision() {
    }

    /**
     * True when a and b are of one 16-bit type (BF16 or F16) and c is F32: the one mixed-precision
     * form {@link Backend#matmul} takes; false when neither operand is 16-bit; throws otherwise.
     */
    public static boolean isHalfProduct(Tensor c, Tensor a, Tensor b) {
        if (!a.dtype().isHalf() && !b.dtype().isHalf()) return false;
        if (a.dtype() != b.dtype() || c.dtype() != DType.F32) {
            throw new IllegalArgumentException("matmul: a mixed-precision product takes a and b of one 16-bit type (BF16 or F16) and an F32 c; got c "
                    + c.describe() + ", a " + a.describe() + ", b " + b.describe());
        }
        return true;
    }

    /** c = alpha·op(a)·op(b) + beta·c with a and b widened to float32 temporaries on {@code be}. */
    public static void matmulViaF32(Backend be, Tensor c, Tensor a, Tensor b, boolean transA, boolean transB,
                                    double alpha, double beta) {
        Tensor a32 = widened(be, a), b32 = widened(be, b);
        try {
            be.matmul(c, a32, b32, transA, transB, alpha, beta);
        } finally {
            be.release(a32.storage());
            be.release(b32.storage());
        }
    }

    /** A float32 copy of {@code x} in storage of {@code be} that the caller releases. */
    public static Tensor widened(Backend be, Tensor x) {
        Tensor w = new Tensor(be, x.shape(), DType.F32, be.allocate(DType.F32, x.size(), false), 0);
        be.copy(w, x);
        return w;
    }
}
