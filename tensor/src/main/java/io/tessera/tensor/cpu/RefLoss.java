package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/** Scalar reference kernels (TO BE WRITTEN). */
public final class RefLoss {
    private RefLoss() {
    }

    public static void crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        throw new UnsupportedOperationException("RefLoss.crossEntropy");
    }

    public static void crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        throw new UnsupportedOperationException("RefLoss.crossEntropyBackward");
    }

    public static void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        throw new UnsupportedOperationException("RefLoss.maskedMse");
    }

    public static void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        throw new UnsupportedOperationException("RefLoss.maskedMseBackward");
    }
}
