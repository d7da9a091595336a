/*
 * Row ops (softmax, LayerNorm), BatchNorm, L2 normalisation, attention, losses and optimizer updates of the OpenCL backend.
 */
package io.tessera.gpu;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;

/** Kernel launches for one family of Backend methods (same signatures and contracts as spi.Backend). */
final class ClRowOps {
    private final ClLauncher launcher;
    private final ClBackend backend;

    /** {@code backend} allocates scratch buffers (released before a method returns). */
    ClRowOps(ClLauncher launcher, ClBackend backend) {
        this.launcher = launcher;
        this.backend = backend;
    }

    void softmax(Tensor y, Tensor x) {
        throw new UnsupportedOperationException("softmax: TODO");
    }

    void softmaxBackward(Tensor dx, Tensor dy, Tensor y) {
        throw new UnsupportedOperationException("softmaxBackward: TODO");
    }

    void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        throw new UnsupportedOperationException("layerNorm: TODO");
    }

    void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        throw new UnsupportedOperationException("layerNormBackward: TODO");
    }

    void batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar, Tensor x, Tensor w, Tensor b, double momentum, double eps) {
        throw new UnsupportedOperationException("batchNormTrain: TODO");
    }

    void batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        throw new UnsupportedOperationException("batchNormEval: TODO");
    }

    void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        throw new UnsupportedOperationException("batchNormBackward: TODO");
    }

    void batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, double eps) {
        throw new UnsupportedOperationException("batchNormEvalBackward: TODO");
    }

    void l2Normalize(Tensor y, Tensor norm, Tensor x, double eps) {
        throw new UnsupportedOperationException("l2Normalize: TODO");
    }

    void l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        throw new UnsupportedOperationException("l2NormalizeBackward: TODO");
    }

    void attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        throw new UnsupportedOperationException("attention: TODO");
    }

    void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor probs, double scale) {
        throw new UnsupportedOperationException("attentionBackward: TODO");
    }

    void crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        throw new UnsupportedOperationException("crossEntropy: TODO");
    }

    void crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        throw new UnsupportedOperationException("crossEntropyBackward: TODO");
    }

    void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        throw new UnsupportedOperationException("maskedMse: TODO");
    }

    void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        throw new UnsupportedOperationException("maskedMseBackward: TODO");
    }

    void adamwUpdate(Tensor param, Tensor m, Tensor v, Tensor grad, double lr, double beta1, double beta2, double eps, double weightDecay, long step) {
        throw new UnsupportedOperationException("adamwUpdate: TODO");
    }

    void momentumUpdate(Tensor param, Tensor buf, Tensor grad, double lr, double momentum, double weightDecay, double gradScale) {
        throw new UnsupportedOperationException("momentumUpdate: TODO");
    }
}
