package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;

/** Vector API kernels (TO BE WRITTEN). */
public final class SimdAttention {
    private SimdAttention() {
    }

    public static void attention(SimdContext sc, Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        throw new UnsupportedOperationException("SimdAttention.attention");
    }

    public static void attentionBackward(SimdContext sc, Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor probs, double scale) {
        throw new UnsupportedOperationException("SimdAttention.attentionBackward");
    }
}
