package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.UnaryOp;
import io.tessera.tensor.spi.BinaryOp;

/** Scalar reference kernels (TO BE WRITTEN). */
public final class RefElementwise {
    private RefElementwise() {
    }

    public static void unary(UnaryOp op, Tensor out, Tensor x) {
        throw new UnsupportedOperationException("RefElementwise.unary");
    }

    public static void unaryBackward(UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        throw new UnsupportedOperationException("RefElementwise.unaryBackward");
    }

    public static void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("RefElementwise.binary");
    }

    public static void binaryBackward(BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("RefElementwise.binaryBackward");
    }

    public static void affine(Tensor out, Tensor x, double alpha, double beta) {
        throw new UnsupportedOperationException("RefElementwise.affine");
    }

    public static void accumulate(Tensor dst, Tensor src, double alpha) {
        throw new UnsupportedOperationException("RefElementwise.accumulate");
    }
}
