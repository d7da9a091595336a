// Directions in weight space for loss landscapes (Li et al. 2018, tomgoldstein/loss-landscape
// net_plotter.py): seeded Gaussian directions in the shape of every selected tensor, normalised per
// filter, tensor or element against the weights; tensors of rank ≤ 1 (biases, LayerNorm and BatchNorm
// parameters, running statistics) zeroed ("biasbn") or, as the reference does without that flag,
// copied from the weights. Also the interpolation direction θ₂ − θ₁ and the cosine between directions.
package io.tessera.eval.landscape;

import io.tessera.eval.objective.ParameterSelection;
import io.tessera.tensor.Rng;

/**
 * Vectors in a {@link ParameterSelection}'s layout. Every direction is rounded to float32 once made, so
 * a direction saved as F32 and loaded again is the same vector bit for bit.
 */
public final class Directions {
    /** What happens to tensors of rank ≤ 1. */
    public enum LowRank {
        /** Zeroed: biases and norm parameters are not perturbed (loss-landscape's {@code --xignore biasbn}). */
        IGNORE,
        /** Copied from the weights, so they move by (1 + α): the reference's behaviour without {@code biasbn}. */
        COPY
    }

    private static final double EPS = 1e-10;

    private Directions() {
    }

    /**
     * A seeded Gaussian direction normalised against {@code weights}: each tensor draws from its own
     * stream (seed, then the tensor's name), so a direction does not depend on which other tensors are
     * selected.
     */
    public static double[] random(ParameterSelection sel, double[] weights, long seed, Normalization norm, LowRank lowRank) {
        sel.requireLayout(weights, "weights");
        double[] d = new double[sel.dimension()];
        Rng root = new Rng(seed).split("direction");
        for (ParameterSelection.Entry e : sel.entries()) {
            Rng r = root.split(e.name());
            for (int i = 0; i < e.size(); i++) d[e.offset() + i] = (float) r.nextGaussian();
        }
        normalize(sel, d, weights, norm, lowRank);
        return d;
    }

    /** Normalises {@code d} in place against {@code weights} (see {@link Normalization}), then rounds it to float32. */
    public static void normalize(ParameterSelection sel, double[] d, double[] weights, Normalization norm, LowRank lowRank) {
        sel.requireLayout(d, "direction");
        sel.requireLayout(weights, "weights");
        for (ParameterSelection.Entry e : sel.entries()) {
            int off = e.offset(), n = e.size();
            if (e.parameter().shape().rank() <= 1) {
                for (int i = 0; i < n; i++) d[off + i] = lowRank == LowRank.IGNORE ? 0 : weights[off + i];
                continue;
            }
            int filters = e.parameter().shape().dim(0), len = n / filters;
            switch (norm) {
                case FILTER, DFILTER -> {
                    for (int f = 0; f < filters; f++) scale(d, weights, off + f * len, len, norm == Normalization.FILTER, EPS);
                }
                case LAYER, DLAYER -> scale(d, weights, off, n, norm == Normalization.LAYER, 0); // the reference adds no epsilon here
                case WEIGHT -> {
                    for (int i = 0; i < n; i++) d[off + i] *= weights[off + i];
                }
                case NONE -> {
                }
            }
        }
        for (int i = 0; i < d.length; i++) d[i] = (float) d[i];
    }

    /** d[from, from+len) ← d·(‖w‖ or 1)/(‖d‖ + eps) over the slice. */
    private static void scale(double[] d, double[] w, int from, int len, boolean toWeights, double eps) {
        double dn = 0, wn = 0;
        for (int i = from; i < from + len; i++) {
            dn += d[i] * d[i];
            wn += w[i] * w[i];
        }
        double f = (toWeights ? Math.sqrt(wn) : 1) / (Math.sqrt(dn) + eps);
        for (int i = from; i < from + len; i++) d[i] *= f;
    }

    /** The interpolation direction θ₂ − θ₁ (loss-landscape's create_target_direction), rounded to float32. */
    public static double[] target(ParameterSelection sel, double[] theta1, double[] theta2) {
        sel.requireLayout(theta1, "first checkpoint");
        sel.requireLayout(theta2, "second checkpoint");
        double[] d = new double[theta1.length];
        for (int i = 0; i < d.length; i++) d[i] = (float) (theta2[i] - theta1[i]);
        return d;
    }

    /** cos(a, b) = a·b/(‖a‖‖b‖); two random directions in high dimension are nearly orthogonal. */
    public static double cosine(double[] a, double[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }
}
