package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/** Scalar reference kernels (TO BE WRITTEN). */
public final class RefAttention {
    private RefAttention() {
    }

    public static void attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        throw new UnsupportedOperationException("RefAttention.attention");
    }

    public static void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor probs, double scale) {
        throw new UnsupportedOperationException("RefAttention.attentionBackward");
    }
}
