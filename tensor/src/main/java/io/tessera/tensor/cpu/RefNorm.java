package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/** Scalar reference kernels (TO BE WRITTEN). */
public final class RefNorm {
    private RefNorm() {
    }

    public static void softmax(Tensor y, Tensor x) {
        throw new UnsupportedOperationException("RefNorm.softmax");
    }

    public static void softmaxBackward(Tensor dx, Tensor dy, Tensor y) {
        throw new UnsupportedOperationException("RefNorm.softmaxBackward");
    }

    public static void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        throw new UnsupportedOperationException("RefNorm.layerNorm");
    }

    public static void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        throw new UnsupportedOperationException("RefNorm.layerNormBackward");
    }

    public static void batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar, Tensor x, Tensor w, Tensor b, double momentum, double eps) {
        throw new UnsupportedOperationException("RefNorm.batchNormTrain");
    }

    public static void batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        throw new UnsupportedOperationException("RefNorm.batchNormEval");
    }

    public static void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        throw new UnsupportedOperationException("RefNorm.batchNormBackward");
    }

    public static void batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, double eps) {
        throw new UnsupportedOperationException("RefNorm.batchNormEvalBackward");
    }

    public static void l2Normalize(Tensor y, Tensor norm, Tensor x, double eps) {
        throw new UnsupportedOperationException("RefNorm.l2Normalize");
    }

    public static void l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        throw new UnsupportedOperationException("RefNorm.l2NormalizeBackward");
    }
}
