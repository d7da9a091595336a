package io.tessera.eval.attention;

// DINO's attention maps (facebookresearch/dino visualize_attention.py): the last block's attention
// from the cls query to every patch key, per head, on the patch grid (attn[0, :, 0, 1:]), and the
// optional mass threshold t: the smallest set of patches holding a fraction t of the row's mass.
// Collected for the first images of a run; upsampling and drawing are AttentionImages'.

import java.util.ArrayList;
import java.util.List;

/** A consumer that keeps the last block's cls→patch attention of the first {@code count} images. */
public final class ClsAttentionMaps implements AttentionPass.Consumer {
    private final PatchGrid grid;
    private final int lastBlock, count;
    private final List<double[][]> maps = new ArrayList<>();

    /**
     * @param lastBlock the index of the encoder's last block
     * @param count     images to keep (the run's first ones)
     */
    public ClsAttentionMaps(PatchGrid grid, int lastBlock, int count) {
        if (count < 0) throw new IllegalArgumentException("attention maps of " + count + " images");
        this.grid = grid;
        this.lastBlock = lastBlock;
        this.count = count;
    }

    @Override
    public void block(int block, float[] probs, int batch, int heads, int first) {
        if (block != lastBlock) return;
        AttentionMeasures.check(probs, batch, heads, grid);
        int t = grid.tokens(), l = grid.patches();
        for (int b = 0; b < batch && first + b < count; b++) {
            if (first + b != maps.size()) throw new IllegalStateException("attention maps: image " + (first + b) + " arrived after " + maps.size() + " images");
            double[][] m = new double[heads][l];
            for (int h = 0; h < heads; h++) {
                int base = ((b * heads + h) * t) * t + 1;     // query 0 (cls), keys 1..L
                for (int j = 0; j < l; j++) m[h][j] = probs[base + j];
            }
            maps.add(m);
        }
    }

    /** Per kept image, [head][patch] cls→patch attention (rows as the model gave them). */
    public List<double[][]> maps() {
        List<double[][]> out = new ArrayList<>();
        for (double[][] m : maps) {
            double[][] c = new double[m.length][];
            for (int h = 0; h < m.length; h++) c[h] = m[h].clone();
            out.add(c);
        }
        return out;
    }

    /**
     * DINO's mass threshold: with the weights normalised to sum 1 and sorted ascending, keeps the
     * patches whose cumulative sum exceeds 1 − t, i.e. the largest weights that together hold about t
     * of the mass (at least the largest one for t > 0).
     *
     * @param t in (0, 1]
     */
    public static boolean[] massMask(double[] w, double t) {
        if (!(t > 0 && t <= 1)) throw new IllegalArgumentException("attention mass threshold must be in (0, 1], got " + t);
        double total = 0;
        for (double v : w) {
            if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException("attention weight " + v + " is not finite and ≥ 0");
            total += v;
        }
        if (!(total > 0)) throw new IllegalArgumentException("attention weights sum to 0; no mass to threshold");
        Integer[] order = new Integer[w.length];
        for (int i = 0; i < w.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(w[a], w[b]));
        boolean[] keep = new boolean[w.length];
        double cum = 0;
        for (Integer i : order) {
            cum += w[i] / total;
            keep[i] = cum > 1 - t;
        }
        return keep;
    }
}
