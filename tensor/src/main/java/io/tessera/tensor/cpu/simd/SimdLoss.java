package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;

/** Vector API kernels (TO BE WRITTEN). */
public final class SimdLoss {
    private SimdLoss() {
    }

    public static void crossEntropy(SimdContext sc, Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        throw new UnsupportedOperationException("SimdLoss.crossEntropy");
    }

    public static void crossEntropyBackward(SimdContext sc, Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        throw new UnsupportedOperationException("SimdLoss.crossEntropyBackward");
    }

    public static void maskedMse(SimdContext sc, Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        throw new UnsupportedOperationException("SimdLoss.maskedMse");
    }

    public static void maskedMseBackward(SimdContext sc, Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        throw new UnsupportedOperationException("SimdLoss.maskedMseBackward");
    }
}
