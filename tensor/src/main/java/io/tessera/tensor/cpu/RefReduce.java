package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/** Scalar reference kernels (TO BE WRITTEN). */
public final class RefReduce {
    private RefReduce() {
    }

    public static void sumTo(Tensor out, Tensor x, double alpha, boolean accumulate) {
        throw new UnsupportedOperationException("RefReduce.sumTo");
    }

    public static void expand(Tensor out, Tensor x, double alpha, boolean accumulate) {
        throw new UnsupportedOperationException("RefReduce.expand");
    }

    public static void maxAlong(Tensor out, Tensor x, int outer, int len, int inner) {
        throw new UnsupportedOperationException("RefReduce.maxAlong");
    }
}
