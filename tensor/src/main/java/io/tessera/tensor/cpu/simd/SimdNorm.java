package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;

/** Vector API kernels (TO BE WRITTEN). */
public final class SimdNorm {
    private SimdNorm() {
    }

    public static void softmax(SimdContext sc, Tensor y, Tensor x) {
        throw new UnsupportedOperationException("SimdNorm.softmax");
    }

    public static void softmaxBackward(SimdContext sc, Tensor dx, Tensor dy, Tensor y) {
        throw new UnsupportedOperationException("SimdNorm.softmaxBackward");
    }

    public static void layerNorm(SimdContext sc, Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        throw new UnsupportedOperationException("SimdNorm.layerNorm");
    }

    public static void layerNormBackward(SimdContext sc, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        throw new UnsupportedOperationException("SimdNorm.layerNormBackward");
    }

    public static void batchNormTrain(SimdContext sc, Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar, Tensor x, Tensor w, Tensor b, double momentum, double eps) {
        throw new UnsupportedOperationException("SimdNorm.batchNormTrain");
    }

    public static void batchNormEval(SimdContext sc, Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        throw new UnsupportedOperationException("SimdNorm.batchNormEval");
    }

    public static void batchNormBackward(SimdContext sc, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        throw new UnsupportedOperationException("SimdNorm.batchNormBackward");
    }

    public static void batchNormEvalBackward(SimdContext sc, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, double eps) {
        throw new UnsupportedOperationException("SimdNorm.batchNormEvalBackward");
    }

    public static void l2Normalize(SimdContext sc, Tensor y, Tensor norm, Tensor x, double eps) {
        throw new UnsupportedOperationException("SimdNorm.l2Normalize");
    }

    public static void l2NormalizeBackward(SimdContext sc, Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        throw new UnsupportedOperationException("SimdNorm.l2NormalizeBackward");
    }
}
