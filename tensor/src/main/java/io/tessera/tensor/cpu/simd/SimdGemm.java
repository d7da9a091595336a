package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;

/** Vector API kernels (TO BE WRITTEN). */
public final class SimdGemm {
    private SimdGemm() {
    }

    public static void matmul(SimdContext sc, Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta) {
        throw new UnsupportedOperationException("SimdGemm.matmul");
    }
}
