/*
 * Matrix products, elementwise ops, reductions and layout ops of the OpenCL backend.
 */
package io.tessera.gpu;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;

/** Kernel launches for one family of Backend methods (same signatures and contracts as spi.Backend). */
final class ClTensorOps {
    private final ClLauncher launcher;
    private final ClBackend backend;

    /** {@code backend} allocates scratch buffers (released before a method returns). */
    ClTensorOps(ClLauncher launcher, ClBackend backend) {
        this.launcher = launcher;
        this.backend = backend;
    }

    /** out = x, same size and dtype (F32 or I32). */
    void copy(Tensor out, Tensor x) {
        throw new UnsupportedOperationException("copy: TODO");
    }

    void matmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta) {
        throw new UnsupportedOperationException("matmul: TODO");
    }

    void unary(UnaryOp op, Tensor out, Tensor x) {
        throw new UnsupportedOperationException("unary: TODO");
    }

    void unaryBackward(UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        throw new UnsupportedOperationException("unaryBackward: TODO");
    }

    void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("binary: TODO");
    }

    void binaryBackward(BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        throw new UnsupportedOperationException("binaryBackward: TODO");
    }

    void affine(Tensor out, Tensor x, double alpha, double beta) {
        throw new UnsupportedOperationException("affine: TODO");
    }

    void accumulate(Tensor dst, Tensor src, double alpha) {
        throw new UnsupportedOperationException("accumulate: TODO");
    }

    void sumTo(Tensor out, Tensor x, double alpha, boolean accumulate) {
        throw new UnsupportedOperationException("sumTo: TODO");
    }

    void expand(Tensor out, Tensor x, double alpha, boolean accumulate) {
        throw new UnsupportedOperationException("expand: TODO");
    }

    void maxAlong(Tensor out, Tensor x, int outer, int len, int inner) {
        throw new UnsupportedOperationException("maxAlong: TODO");
    }

    void permute(Tensor out, Tensor x, int[] perm, boolean accumulate) {
        throw new UnsupportedOperationException("permute: TODO");
    }

    void writeSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        throw new UnsupportedOperationException("writeSlice: TODO");
    }

    void readSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        throw new UnsupportedOperationException("readSlice: TODO");
    }

    void gather(Tensor out, Tensor x, Tensor index, int axis) {
        throw new UnsupportedOperationException("gather: TODO");
    }

    void scatterAdd(Tensor dx, Tensor dout, Tensor index, int axis) {
        throw new UnsupportedOperationException("scatterAdd: TODO");
    }
}
