package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.UnaryOp;
import io.tessera.tensor.spi.BinaryOp;

/** Vector API kernels (TO BE WRITTEN). */
public final class SimdElementwise {
    private SimdElementwise() {
    }

    public static void unary(SimdContext sc, UnaryOp op, Tensor out, Tensor x) {
        throw new UnsupportedOperationException("SimdElementwise.unary");
    }

    public static void unaryBackward(SimdContext sc, UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        throw new UnsupportedOperationException("SimdElementwise.unaryBackward");
    }

    public static void binary(SimdContext sc, BinaryOp op, Tensor out, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("SimdElementwise.binary");
    }

    public static void binaryBackward(SimdContext sc, BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("SimdElementwise.binaryBackward");
    }

    public static void affine(SimdContext sc, Tensor out, Tensor x, double alpha, double beta) {
        throw new UnsupportedOperationException("SimdElementwise.affine");
    }

    public static void accumulate(SimdContext sc, Tensor dst, Tensor src, double alpha) {
        throw new UnsupportedOperationException("SimdElementwise.accumulate");
    }
}
