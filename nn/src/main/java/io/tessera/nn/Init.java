package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

/**
 * Parameter initialisers writing in place into (views of) the flat parameter store, with the
 * PyTorch formulas the MAE code relies on. Draws are taken from an {@link Rng} in row-major
 * order, so the result depends only on the seed. Not a general random-tensor factory.
 */
public final class Init {
    private Init() {
    }

    /** Writes {@code values} (row-major) into {@code t} in its dtype. */
    public static void write(Tensor t, double[] values) {
        if (values.length != t.size()) {
            throw new IllegalArgumentException("init: " + values.length + " values for " + t.describe());
        }
        if (t.dtype() == DType.F64) {
            t.backend().write(t, values);
        } else {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
            t.backend().write(t, f);
        }
    }

    /** Fills with a constant. */
    public static void constant(Tensor t, double value) {
        t.backend().fill(t, value);
    }

    /** U(−bound, bound). */
    public static void uniform(Tensor t, Rng rng, double bound) {
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = (2 * rng.nextDouble() - 1) * bound;
        write(t, v);
    }

    /** N(0, std²). */
    public static void normal(Tensor t, Rng rng, double std) {
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = std * rng.nextGaussian();
        write(t, v);
    }

    /** N(0, std²) truncated to [−2·std, 2·std] by redrawing (timm's trunc_normal_ with a=−2σ, b=2σ). */
    public static void truncNormal(Tensor t, Rng rng, double std) {
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) {
            double z;
            do {
                z = rng.nextGaussian();
            } while (Math.abs(z) > 2);
            v[i] = std * z;
        }
        write(t, v);
    }

    /**
     * Xavier (Glorot) uniform on a weight seen as a (fanOut, fanIn) matrix:
     * U(−b, b) with b = √(6 / (fanIn + fanOut)).
     */
    public static void xavierUniform(Tensor t, Rng rng, int fanOut, int fanIn) {
        if ((long) fanOut * fanIn != t.size()) {
            throw new IllegalArgumentException("xavierUniform: (" + fanOut + ", " + fanIn + ") does not cover " + t.describe());
        }
        uniform(t, rng, xavierBound(fanOut, fanIn));
    }

    /** √(6 / (fanIn + fanOut)). */
    public static double xavierBound(int fanOut, int fanIn) {
        return Math.sqrt(6.0 / (fanIn + fanOut));
    }
}
