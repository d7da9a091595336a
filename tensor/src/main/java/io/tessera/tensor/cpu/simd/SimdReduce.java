package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;

/** Vector API kernels (TO BE WRITTEN). */
public final class SimdReduce {
    private SimdReduce() {
    }

    public static void sumTo(SimdContext sc, Tensor out, Tensor x, double alpha, boolean accumulate) {
        throw new UnsupportedOperationException("SimdReduce.sumTo");
    }

    public static void expand(SimdContext sc, Tensor out, Tensor x, double alpha, boolean accumulate) {
        throw new UnsupportedOperationException("SimdReduce.expand");
    }

    public static void maxAlong(SimdContext sc, Tensor out, Tensor x, int outer, int len, int inner) {
        throw new UnsupportedOperationException("SimdReduce.maxAlong");
    }
}
