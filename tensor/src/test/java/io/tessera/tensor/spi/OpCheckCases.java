package io.tessera.tensor.spi;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Calls of the fused Backend ops with bad arguments, and with empty tensors that are valid,
 * written once so that every backend's test feeds them the same: each case builds its tensors
 * on the backend under test and calls one op. {@link #outcome} runs a case and returns the
 * IllegalArgumentException's message (null when the call completes). Published in the tensor
 * test-jar for the GPU backends' tests.
 */
public final class OpCheckCases {
    private OpCheckCases() {
    }

    /** One named call; {@code call} builds its arguments with the given {@link Args}. */
    public record Case(String name, Consumer<Args> call) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Builds F32 and I32 tensors on one backend (deterministic values, storage one element longer than the view). */
    public static final class Args {
        private final Backend be;
        private int next = 1;

        public Args(Backend be) {
            this.be = be;
        }

        public Backend be() {
            return be;
        }

        /** An F32 tensor of values in (−1, 1) (no NaN, nothing zero). */
        public Tensor f(int... dims) {
            float[] v = new float[Shape.of(dims).size()];
            for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(0.7 * (next++) + 0.1);
            return tensor(DType.F32, v, dims);
        }

        /** An F32 tensor filled with {@code value}. */
        public Tensor filled(float value, int... dims) {
            float[] v = new float[Shape.of(dims).size()];
            java.util.Arrays.fill(v, value);
            return tensor(DType.F32, v, dims);
        }

        /** An I32 tensor of shape (values.length). */
        public Tensor labels(int... values) {
            return tensor(DType.I32, values.clone(), values.length);
        }

        /** An I32 tensor of the given shape, all zero. */
        public Tensor zeroLabels(int... dims) {
            return tensor(DType.I32, new int[Shape.of(dims).size()], dims);
        }

        private Tensor tensor(DType dtype, Object values, int... dims) {
            Shape s = Shape.of(dims);
            Tensor t = new Tensor(be, s, dtype, be.allocate(dtype, s.size() + 1, false), 0);
            if (s.size() > 0) be.write(t, values);
            return t;
        }
    }

    /**
     * Runs a case on {@code be}: the IllegalArgumentException's message, or null when the call
     * completes. Any other exception fails the test (a backend must not let an NPE or an
     * ArithmeticException through for a bad argument).
     */
    public static String outcome(Backend be, Case c) {
        try {
            c.call().accept(new Args(be));
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        } catch (RuntimeException e) {
            throw new AssertionError(c.name() + " on " + be.name() + " threw " + e + " instead of an IllegalArgumentException", e);
        }
    }

    private static Case c(String name, Consumer<Args> call) {
        return new Case(name, call);
    }

    /** Calls that every backend must refuse, each with one flaw. */
    public static List<Case> bad() {
        List<Case> l = new ArrayList<>();
        rowOps(l);
        batchNorm(l);
        attention(l);
        attentionLse(l);
        losses(l);
        return l;
    }

    private static void rowOps(List<Case> l) {
        l.add(c("softmax of a scalar", a -> a.be().softmax(a.f(), a.f())));
        l.add(c("softmax y of another size", a -> a.be().softmax(a.f(3, 5), a.f(3, 4))));
        l.add(c("softmax y null", a -> a.be().softmax(null, a.f(3, 4))));
        l.add(c("softmaxBackward dy of another size", a -> a.be().softmaxBackward(a.f(3, 4), a.f(3, 5), a.f(3, 4))));
        l.add(c("softmaxBackward dx of another size", a -> a.be().softmaxBackward(a.f(2, 4), a.f(3, 4), a.f(3, 4))));
        l.add(c("softmaxBackward dy null", a -> a.be().softmaxBackward(a.f(3, 4), null, a.f(3, 4))));

        l.add(c("layerNorm rows of length 0", a -> a.be().layerNorm(a.f(3, 0), a.f(3), a.f(3), a.f(3, 0), null, null, 1e-5)));
        l.add(c("layerNorm (0, 0)", a -> a.be().layerNorm(a.f(0, 0), null, null, a.f(0, 0), null, null, 1e-5)));
        l.add(c("layerNorm weight of another size", a -> a.be().layerNorm(a.f(3, 4), a.f(3), a.f(3), a.f(3, 4), a.f(5), null, 1e-5)));
        l.add(c("layerNorm bias of another size", a -> a.be().layerNorm(a.f(3, 4), a.f(3), a.f(3), a.f(3, 4), a.f(4), a.f(3), 1e-5)));
        l.add(c("layerNorm mean of another size", a -> a.be().layerNorm(a.f(3, 4), a.f(4), a.f(3), a.f(3, 4), null, null, 1e-5)));
        l.add(c("layerNorm rstd of another size", a -> a.be().layerNorm(a.f(3, 4), a.f(3), a.f(2), a.f(3, 4), null, null, 1e-5)));
        l.add(c("layerNorm y of another size", a -> a.be().layerNorm(a.f(3, 5), a.f(3), a.f(3), a.f(3, 4), null, null, 1e-5)));
        l.add(c("layerNorm y null", a -> a.be().layerNorm(null, a.f(3), a.f(3), a.f(3, 4), null, null, 1e-5)));
        l.add(c("layerNorm negative eps", a -> a.be().layerNorm(a.f(3, 4), a.f(3), a.f(3), a.f(3, 4), null, null, -1e-5)));
        l.add(c("layerNorm NaN eps", a -> a.be().layerNorm(a.f(3, 4), a.f(3), a.f(3), a.f(3, 4), null, null, Double.NaN)));
        l.add(c("layerNormBackward mean null", a -> a.be().layerNormBackward(a.f(3, 4), null, null, a.f(3, 4), a.f(3, 4), null, null, a.f(3))));
        l.add(c("layerNormBackward rstd of another size", a -> a.be().layerNormBackward(a.f(3, 4), null, null, a.f(3, 4), a.f(3, 4), null, a.f(3), a.f(4))));
        l.add(c("layerNormBackward dw of another size", a -> a.be().layerNormBackward(null, a.f(5), null, a.f(3, 4), a.f(3, 4), null, a.f(3), a.f(3))));
        l.add(c("layerNormBackward db of another size", a -> a.be().layerNormBackward(null, null, a.f(3), a.f(3, 4), a.f(3, 4), null, a.f(3), a.f(3))));
        l.add(c("layerNormBackward dy of another size", a -> a.be().layerNormBackward(a.f(3, 4), null, null, a.f(3, 5), a.f(3, 4), null, a.f(3), a.f(3))));
        l.add(c("layerNormBackward dx of another size", a -> a.be().layerNormBackward(a.f(2, 4), null, null, a.f(3, 4), a.f(3, 4), null, a.f(3), a.f(3))));
        l.add(c("layerNormBackward rows of length 0", a -> a.be().layerNormBackward(a.f(3, 0), null, null, a.f(3, 0), a.f(3, 0), null, a.f(3), a.f(3))));

        l.add(c("l2Normalize rows of length 0", a -> a.be().l2Normalize(a.f(2, 0), a.f(2), a.f(2, 0), 1e-12)));
        l.add(c("l2Normalize norm of another size", a -> a.be().l2Normalize(a.f(3, 4), a.f(4), a.f(3, 4), 1e-12)));
        l.add(c("l2Normalize y of another size", a -> a.be().l2Normalize(a.f(3, 5), a.f(3), a.f(3, 4), 1e-12)));
        l.add(c("l2Normalize infinite eps", a -> a.be().l2Normalize(a.f(3, 4), a.f(3), a.f(3, 4), Double.POSITIVE_INFINITY)));
        l.add(c("l2NormalizeBackward norm null", a -> a.be().l2NormalizeBackward(a.f(3, 4), a.f(3, 4), a.f(3, 4), a.f(3, 4), null, 1e-12)));
        l.add(c("l2NormalizeBackward norm of another size", a -> a.be().l2NormalizeBackward(a.f(3, 4), a.f(3, 4), a.f(3, 4), a.f(3, 4), a.f(2), 1e-12)));
        l.add(c("l2NormalizeBackward y of another size", a -> a.be().l2NormalizeBackward(a.f(3, 4), a.f(3, 4), a.f(3, 4), a.f(3, 5), a.f(3), 1e-12)));
        l.add(c("l2NormalizeBackward dy of another size", a -> a.be().l2NormalizeBackward(a.f(3, 4), a.f(2, 4), a.f(3, 4), a.f(3, 4), a.f(3), 1e-12)));
    }

    private static void batchNorm(List<Case> l) {
        l.add(c("batchNormTrain x of rank 3", a -> a.be().batchNormTrain(a.f(2, 3, 4), null, null, null, null, a.f(2, 3, 4), null, null, 0.1, 1e-5)));
        l.add(c("batchNormTrain no samples", a -> a.be().batchNormTrain(a.f(0, 4), a.f(4), a.f(4), a.f(4), a.f(4), a.f(0, 4), null, null, 0.1, 1e-5)));
        l.add(c("batchNormTrain runningVar of another size", a -> a.be().batchNormTrain(a.f(5, 4), a.f(4), a.f(4), a.f(4), a.f(3), a.f(5, 4), null, null, 0.1, 1e-5)));
        l.add(c("batchNormTrain weight of another size", a -> a.be().batchNormTrain(a.f(5, 4), a.f(4), a.f(4), null, null, a.f(5, 4), a.f(5), null, 0.1, 1e-5)));
        l.add(c("batchNormTrain y of another size", a -> a.be().batchNormTrain(a.f(5, 3), a.f(4), a.f(4), null, null, a.f(5, 4), null, null, 0.1, 1e-5)));
        l.add(c("batchNormTrain momentum 1.5", a -> a.be().batchNormTrain(a.f(5, 4), a.f(4), a.f(4), a.f(4), a.f(4), a.f(5, 4), null, null, 1.5, 1e-5)));
        l.add(c("batchNormTrain negative eps", a -> a.be().batchNormTrain(a.f(5, 4), a.f(4), a.f(4), null, null, a.f(5, 4), null, null, 0.1, -1)));
        l.add(c("batchNormEval runningMean null", a -> a.be().batchNormEval(a.f(5, 4), a.f(5, 4), null, a.filled(1, 4), null, null, 1e-5)));
        l.add(c("batchNormEval bias of another size", a -> a.be().batchNormEval(a.f(5, 4), a.f(5, 4), a.f(4), a.filled(1, 4), null, a.f(2), 1e-5)));
        l.add(c("batchNormEval y of another size", a -> a.be().batchNormEval(a.f(4, 4), a.f(5, 4), a.f(4), a.filled(1, 4), null, null, 1e-5)));
        l.add(c("batchNormBackward rstd null", a -> a.be().batchNormBackward(a.f(5, 4), null, null, a.f(5, 4), a.f(5, 4), null, a.f(4), null)));
        l.add(c("batchNormBackward db of another size", a -> a.be().batchNormBackward(null, null, a.f(3), a.f(5, 4), a.f(5, 4), null, a.f(4), a.f(4))));
        l.add(c("batchNormBackward dy of another size", a -> a.be().batchNormBackward(a.f(5, 4), null, null, a.f(4, 4), a.f(5, 4), null, a.f(4), a.f(4))));
        l.add(c("batchNormEvalBackward runningVar null", a -> a.be().batchNormEvalBackward(a.f(5, 4), null, null, a.f(5, 4), a.f(5, 4), a.f(4), null, null, 1e-5)));
        l.add(c("batchNormEvalBackward dw of another size", a -> a.be().batchNormEvalBackward(null, a.f(5), null, a.f(5, 4), a.f(5, 4), a.f(4), a.filled(1, 4), null, 1e-5)));
    }

    private static void attention(List<Case> l) {
        l.add(c("attention q of rank 3", a -> a.be().attention(a.f(1, 2, 4), a.f(1, 1, 2, 3), a.f(1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), 0.5)));
        l.add(c("attention k and v of other shapes", a -> a.be().attention(a.f(1, 1, 2, 4), a.f(1, 1, 2, 3), a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 2, 4), 0.5)));
        l.add(c("attention probs of another size", a -> a.be().attention(a.f(1, 1, 2, 4), a.f(1, 1, 2, 4), a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), 0.5)));
        l.add(c("attention probs null", a -> a.be().attention(a.f(1, 1, 2, 4), null, a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), 0.5)));
        l.add(c("attention out of another size", a -> a.be().attention(a.f(1, 1, 2, 5), a.f(1, 1, 2, 3), a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), 0.5)));
        l.add(c("attention no keys", a -> a.be().attention(a.f(1, 1, 2, 4), a.f(1, 1, 2, 0), a.f(1, 1, 2, 4), a.f(1, 1, 0, 4), a.f(1, 1, 0, 4), 0.5)));
        l.add(c("attention NaN scale", a -> a.be().attention(a.f(1, 1, 2, 4), a.f(1, 1, 2, 3), a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), Double.NaN)));
        l.add(c("attentionBackward dk of another size", a -> a.be().attentionBackward(a.f(1, 1, 2, 4), a.f(1, 1, 2, 4), null, a.f(1, 1, 2, 4),
                a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), a.f(1, 1, 2, 3), 0.5)));
        l.add(c("attentionBackward dout null", a -> a.be().attentionBackward(a.f(1, 1, 2, 4), null, null, null,
                a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), a.f(1, 1, 2, 3), 0.5)));
    }

    private static void attentionLse(List<Case> l) {
        l.add(c("attentionLse k of another width", a -> a.be().attentionLse(a.f(1, 1, 2, 4), a.f(1, 1, 2), a.f(1, 1, 2, 4), a.f(1, 1, 3, 5), a.f(1, 1, 3, 5), 0.5)));
        l.add(c("attentionLse lse of another size", a -> a.be().attentionLse(a.f(1, 1, 2, 4), a.f(1, 1, 3), a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), 0.5)));
        l.add(c("attentionLse lse null", a -> a.be().attentionLse(a.f(1, 1, 2, 4), null, a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), 0.5)));
        l.add(c("attentionLse out null", a -> a.be().attentionLse(null, a.f(1, 1, 2), a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), 0.5)));
        l.add(c("attentionLse no keys", a -> a.be().attentionLse(a.f(1, 1, 2, 4), a.f(1, 1, 2), a.f(1, 1, 2, 4), a.f(1, 1, 0, 4), a.f(1, 1, 0, 4), 0.5)));
        l.add(c("attentionLse infinite scale", a -> a.be().attentionLse(a.f(1, 1, 2, 4), a.f(1, 1, 2), a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4),
                Double.POSITIVE_INFINITY)));
        l.add(c("attentionLseBackward out null", a -> a.be().attentionLseBackward(a.f(1, 1, 2, 4), null, null, a.f(1, 1, 2, 4),
                a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), null, a.f(1, 1, 2), 0.5)));
        l.add(c("attentionLseBackward lse of another size", a -> a.be().attentionLseBackward(a.f(1, 1, 2, 4), null, null, a.f(1, 1, 2, 4),
                a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), a.f(1, 1, 2, 4), a.f(1, 1, 3), 0.5)));
        l.add(c("attentionLseBackward dv of another size", a -> a.be().attentionLseBackward(null, null, a.f(1, 1, 2, 4), a.f(1, 1, 2, 4),
                a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), a.f(1, 1, 2, 4), a.f(1, 1, 2), 0.5)));
        l.add(c("attentionLseBackward dout null", a -> a.be().attentionLseBackward(a.f(1, 1, 2, 4), null, null, null,
                a.f(1, 1, 2, 4), a.f(1, 1, 3, 4), a.f(1, 1, 3, 4), a.f(1, 1, 2, 4), a.f(1, 1, 2), 0.5)));
    }

    private static void losses(List<Case> l) {
        l.add(c("crossEntropy F32 labels", a -> a.be().crossEntropy(a.f(3), a.f(3, 4), a.f(3, 4), a.f(3), 0.0)));
        l.add(c("crossEntropy labels of another length", a -> a.be().crossEntropy(a.f(3), a.f(3, 4), a.f(3, 4), a.labels(0, 1), 0.0)));
        l.add(c("crossEntropy labels (N, 1)", a -> a.be().crossEntropy(a.f(3), a.f(3, 4), a.f(3, 4), a.zeroLabels(3, 1), 0.0)));
        l.add(c("crossEntropy logits of rank 1", a -> a.be().crossEntropy(a.f(3), a.f(3), a.f(3), a.labels(0, 1, 2), 0.0)));
        l.add(c("crossEntropy no classes", a -> a.be().crossEntropy(a.f(3), a.f(3, 0), a.f(3, 0), a.labels(0, 0, 0), 0.0)));
        l.add(c("crossEntropy label V", a -> a.be().crossEntropy(a.f(3), a.f(3, 4), a.f(3, 4), a.labels(0, 4, 2), 0.0)));
        l.add(c("crossEntropy label −1", a -> a.be().crossEntropy(a.f(3), a.f(3, 4), a.f(3, 4), a.labels(-1, 1, 9), 0.0)));
        l.add(c("crossEntropy losses of another size", a -> a.be().crossEntropy(a.f(4), a.f(3, 4), a.f(3, 4), a.labels(0, 1, 2), 0.0)));
        l.add(c("crossEntropy losses null", a -> a.be().crossEntropy(null, a.f(3, 4), a.f(3, 4), a.labels(0, 1, 2), 0.0)));
        l.add(c("crossEntropy probs of another size", a -> a.be().crossEntropy(a.f(3), a.f(3, 5), a.f(3, 4), a.labels(0, 1, 2), 0.0)));
        l.add(c("crossEntropy smoothing 1.5", a -> a.be().crossEntropy(a.f(3), a.f(3, 4), a.f(3, 4), a.labels(0, 1, 2), 1.5)));
        l.add(c("crossEntropy labels null", a -> a.be().crossEntropy(a.f(3), a.f(3, 4), a.f(3, 4), null, 0.0)));
        l.add(c("crossEntropyBackward dlosses of another size", a -> a.be().crossEntropyBackward(a.f(3, 4), a.f(2), a.f(3, 4), a.labels(0, 1, 2), 0.0)));
        l.add(c("crossEntropyBackward dlogits of another size", a -> a.be().crossEntropyBackward(a.f(3, 5), a.f(3), a.f(3, 4), a.labels(0, 1, 2), 0.0)));
        l.add(c("crossEntropyBackward label V", a -> a.be().crossEntropyBackward(a.f(3, 4), a.f(3), a.f(3, 4), a.labels(0, 1, 4), 0.1)));
        l.add(c("crossEntropyBackward F32 labels", a -> a.be().crossEntropyBackward(a.f(3, 4), a.f(3), a.f(3, 4), a.f(3), 0.0)));

        l.add(c("maskedMse mask (B·L)", a -> a.be().maskedMse(a.f(), a.f(2, 3, 4), a.f(2, 3, 4), a.filled(1, 6))));
        l.add(c("maskedMse target of another shape", a -> a.be().maskedMse(a.f(), a.f(2, 3, 4), a.f(2, 4, 3), a.filled(1, 2, 3))));
        l.add(c("maskedMse pred of rank 2", a -> a.be().maskedMse(a.f(), a.f(6, 4), a.f(6, 4), a.filled(1, 6, 1))));
        l.add(c("maskedMse no patches", a -> a.be().maskedMse(a.f(), a.f(2, 0, 4), a.f(2, 0, 4), a.filled(1, 2, 0))));
        l.add(c("maskedMse empty patches", a -> a.be().maskedMse(a.f(), a.f(2, 3, 0), a.f(2, 3, 0), a.filled(1, 2, 3))));
        l.add(c("maskedMse loss of two elements", a -> a.be().maskedMse(a.f(2), a.f(2, 3, 4), a.f(2, 3, 4), a.filled(1, 2, 3))));
        l.add(c("maskedMse loss null", a -> a.be().maskedMse(null, a.f(2, 3, 4), a.f(2, 3, 4), a.filled(1, 2, 3))));
        l.add(c("maskedMse all-zero mask", a -> a.be().maskedMse(a.f(), a.f(2, 3, 4), a.f(2, 3, 4), a.filled(0, 2, 3))));
        l.add(c("maskedMseBackward dloss of two elements", a -> a.be().maskedMseBackward(a.f(2, 3, 4), null, a.f(2), a.f(2, 3, 4), a.f(2, 3, 4), a.filled(1, 2, 3))));
        l.add(c("maskedMseBackward dpred of another size", a -> a.be().maskedMseBackward(a.f(2, 3, 5), null, a.f(), a.f(2, 3, 4), a.f(2, 3, 4), a.filled(1, 2, 3))));
        l.add(c("maskedMseBackward dtarget of another size", a -> a.be().maskedMseBackward(null, a.f(2, 3), a.f(), a.f(2, 3, 4), a.f(2, 3, 4), a.filled(1, 2, 3))));
        l.add(c("maskedMseBackward empty patches", a -> a.be().maskedMseBackward(a.f(2, 3, 0), null, a.f(), a.f(2, 3, 0), a.f(2, 3, 0), a.filled(1, 2, 3))));
    }

    /** Calls with empty tensors that have a defined (empty) result: every backend must complete them. */
    public static List<Case> empty() {
        List<Case> l = new ArrayList<>();
        l.add(c("softmax (0, 5)", a -> a.be().softmax(a.f(0, 5), a.f(0, 5))));
        l.add(c("softmax (3, 0)", a -> a.be().softmax(a.f(3, 0), a.f(3, 0))));
        l.add(c("softmaxBackward (0, 5)", a -> a.be().softmaxBackward(a.f(0, 5), a.f(0, 5), a.f(0, 5))));
        l.add(c("layerNorm (0, 5)", a -> a.be().layerNorm(a.f(0, 5), a.f(0), a.f(0), a.f(0, 5), a.f(5), a.f(5), 1e-5)));
        l.add(c("layerNormBackward (0, 5)", a -> a.be().layerNormBackward(a.f(0, 5), a.f(5), a.f(5), a.f(0, 5), a.f(0, 5), a.f(5), a.f(0), a.f(0))));
        l.add(c("batchNormTrain (5, 0)", a -> a.be().batchNormTrain(a.f(5, 0), a.f(0), a.f(0), a.f(0), a.f(0), a.f(5, 0), a.f(0), a.f(0), 0.1, 1e-5)));
        l.add(c("batchNormEval (0, 4)", a -> a.be().batchNormEval(a.f(0, 4), a.f(0, 4), a.f(4), a.filled(1, 4), a.f(4), a.f(4), 1e-5)));
        l.add(c("batchNormBackward (0, 4)", a -> a.be().batchNormBackward(a.f(0, 4), a.f(4), a.f(4), a.f(0, 4), a.f(0, 4), a.f(4), a.f(4), a.filled(1, 4))));
        l.add(c("batchNormEvalBackward (0, 4)", a -> a.be().batchNormEvalBackward(a.f(0, 4), a.f(4), a.f(4), a.f(0, 4), a.f(0, 4), a.f(4), a.filled(1, 4), a.f(4), 1e-5)));
        l.add(c("l2Normalize (0, 4)", a -> a.be().l2Normalize(a.f(0, 4), a.f(0), a.f(0, 4), 1e-12)));
        l.add(c("l2NormalizeBackward (0, 4)", a -> a.be().l2NormalizeBackward(a.f(0, 4), a.f(0, 4), a.f(0, 4), a.f(0, 4), a.f(0), 1e-12)));
        l.add(c("attention no queries", a -> a.be().attention(a.f(1, 2, 0, 4), a.f(1, 2, 0, 3), a.f(1, 2, 0, 4), a.f(1, 2, 3, 4), a.f(1, 2, 3, 4), 0.5)));
        l.add(c("attention no batch", a -> a.be().attention(a.f(0, 2, 3, 4), a.f(0, 2, 3, 3), a.f(0, 2, 3, 4), a.f(0, 2, 3, 4), a.f(0, 2, 3, 4), 0.5)));
        l.add(c("attentionBackward no queries", a -> a.be().attentionBackward(a.f(1, 2, 0, 4), a.f(1, 2, 3, 4), a.f(1, 2, 3, 4), a.f(1, 2, 0, 4),
                a.f(1, 2, 0, 4), a.f(1, 2, 3, 4), a.f(1, 2, 3, 4), a.f(1, 2, 0, 3), 0.5)));
        l.add(c("attentionLse no queries", a -> a.be().attentionLse(a.f(1, 2, 0, 4), a.f(1, 2, 0), a.f(1, 2, 0, 4), a.f(1, 2, 3, 4), a.f(1, 2, 3, 4), 0.5)));
        l.add(c("attentionLseBackward no keys", a -> a.be().attentionLseBackward(a.f(1, 2, 3, 4), a.f(1, 2, 0, 4), a.f(1, 2, 0, 4), a.f(1, 2, 3, 4),
                a.f(1, 2, 3, 4), a.f(1, 2, 0, 4), a.f(1, 2, 0, 4), a.f(1, 2, 3, 4), a.f(1, 2, 3), 0.5)));
        l.add(c("crossEntropy no rows", a -> a.be().crossEntropy(a.f(0), a.f(0, 5), a.f(0, 5), a.labels(), 0.1)));
        l.add(c("crossEntropyBackward no rows", a -> a.be().crossEntropyBackward(a.f(0, 5), a.f(0), a.f(0, 5), a.labels(), 0.1)));
        return l;
    }
}
