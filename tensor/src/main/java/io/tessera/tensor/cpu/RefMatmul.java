package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/** Scalar reference kernels (TO BE WRITTEN). */
public final class RefMatmul {
    private RefMatmul() {
    }

    public static void matmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta) {
        throw new UnsupportedOperationException("RefMatmul.matmul");
    }
}
