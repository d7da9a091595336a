package io.tessera.eval.attention;

// Attention rollout (Abnar & Zuidema 2020; ViT App. D.8) for the first images of a run: per block the
// heads are fused (mean, max or min, as jacobgil/vit-explain offers), the residual path added as
// Â = 0.5·A + 0.5·I, every row of Â divided by its own sum (vit-explain divides along the wrong axis,
// its issue #16), and R = Â_L ⋯ Â_1. The map is R's cls row over the patch keys, divided by its max.

import java.util.ArrayList;
import java.util.List;

/** A consumer that rolls attention out through every block for the first {@code count} images. */
public final class AttentionRollout implements AttentionPass.Consumer {
    /** How the heads of a block are fused into one T×T matrix. */
    public enum Fusion {
        MEAN, MAX, MIN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Fusion parse(String s) {
            for (Fusion f : values()) if (f.name().equalsIgnoreCase(s.trim())) return f;
            throw new IllegalArgumentException("unknown head fusion '" + s + "'; choose mean, max or min");
        }
    }

    private final PatchGrid grid;
    private final int depth, count;
    private final Fusion fusion;
    private final List<double[]> rollouts = new ArrayList<>(); // per image, R (T×T) row-major
    private final List<Integer> blocksDone = new ArrayList<>();

    public AttentionRollout(PatchGrid grid, int depth, int count, Fusion fusion) {
        if (count < 0 || depth < 1) throw new IllegalArgumentException("rollout of " + count + " images through " + depth + " blocks");
        this.grid = grid;
        this.depth = depth;
        this.count = count;
        this.fusion = fusion;
    }

    public Fusion fusion() {
        return fusion;
    }

    @Override
    public void block(int block, float[] probs, int batch, int heads, int first) {
        AttentionMeasures.check(probs, batch, heads, grid);
        int t = grid.tokens();
        for (int b = 0; b < batch && first + b < count; b++) {
            int img = first + b;
            if (block == 0) {
                if (img != rollouts.size()) throw new IllegalStateException("rollout: image " + img + " arrived after " + rollouts.size() + " images");
                double[] id = new double[t * t];
                for (int i = 0; i < t; i++) id[i * t + i] = 1;
                rollouts.add(id);
                blocksDone.add(0);
            }
            if (img >= rollouts.size() || blocksDone.get(img) != block) {
                throw new IllegalStateException("rollout: block " + block + " of image " + img + " arrived out of order");
            }
            double[] a = residual(fuse(probs, b, heads, t, fusion), t);
            rollouts.set(img, multiply(a, rollouts.get(img), t));
            blocksDone.set(img, block + 1);
        }
    }

    /** Fused heads of image b: A_qk = mean/max/min over h of probs[b, h, q, k] (T×T). */
    static double[] fuse(float[] probs, int b, int heads, int t, Fusion f) {
        double[] a = new double[t * t];
        for (int h = 0; h < heads; h++) {
            int base = (b * heads + h) * t * t;
            for (int i = 0; i < t * t; i++) {
                double v = probs[base + i];
                a[i] = h == 0 ? v : switch (f) {
                    case MEAN -> a[i] + v;
                    case MAX -> Math.max(a[i], v);
                    case MIN -> Math.min(a[i], v);
                };
            }
        }
        if (f == Fusion.MEAN) for (int i = 0; i < a.length; i++) a[i] /= heads;
        return a;
    }

    /** Â = 0.5·A + 0.5·I with every row divided by its own sum (T×T, a new array). */
    static double[] residual(double[] a, int t) {
        double[] r = new double[t * t];
        for (int q = 0; q < t; q++) {
            double s = 0;
            for (int k = 0; k < t; k++) {
                r[q * t + k] = 0.5 * a[q * t + k] + (q == k ? 0.5 : 0);
                s += r[q * t + k];
            }
            for (int k = 0; k < t; k++) r[q * t + k] /= s;
        }
        return r;
    }

    static double[] multiply(double[] x, double[] y, int t) {
        double[] z = new double[t * t];
        for (int i = 0; i < t; i++) {
            for (int k = 0; k < t; k++) {
                double v = x[i * t + k];
                if (v == 0) continue;
                for (int j = 0; j < t; j++) z[i * t + j] += v * y[k * t + j];
            }
        }
        return z;
    }

    /** Per kept image, R's cls row over the L patches divided by its maximum (values in [0, 1]). */
    public List<double[]> maps() {
        List<double[]> out = new ArrayList<>();
        int t = grid.tokens(), l = grid.patches();
        for (int i = 0; i < rollouts.size(); i++) {
            if (blocksDone.get(i) != depth) throw new IllegalStateException("rollout of image " + i + " went through " + blocksDone.get(i) + " of " + depth + " blocks");
            double[] r = rollouts.get(i), m = new double[l];
            double max = 0;
            for (int j = 0; j < l; j++) {
                m[j] = r[j + 1];
                max = Math.max(max, m[j]);
            }
            if (!(max > 0)) throw new IllegalStateException("rollout of image " + i + " gives the cls token no weight on any patch");
            for (int j = 0; j < l; j++) m[j] /= max;
            out.add(m);
        }
        return out;
    }

    /** R (T×T) of kept image i, for tests. */
    double[] matrix(int i) {
        return rollouts.get(i).clone();
    }
}
