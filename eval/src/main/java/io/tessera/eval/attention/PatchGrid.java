package io.tessera.eval.attention;

// The square patch grid of a ViT: L = side² patch tokens in natural (row-major) order after the cls
// token, each patch P pixels wide, and the pixel distance between patch centres
// d_ij = P·‖(r_i, c_i) − (r_j, c_j)‖₂ that the mean attention distance weighs (ViT, App. D.7).

import io.tessera.nn.VitConfig;

/**
 * A grid of side × side patches of {@code patch} pixels.
 *
 * @param side  patches per side
 * @param patch P, pixels per patch side
 */
public record PatchGrid(int side, int patch) {
    public PatchGrid {
        if (side < 1 || patch < 1) throw new IllegalArgumentException("patch grid " + side + "×" + side + " of " + patch + "-pixel patches: both must be ≥ 1");
    }

    /** The grid of an encoder. */
    public static PatchGrid of(VitConfig c) {
        return new PatchGrid(c.gridSize(), c.patchSize());
    }

    /** L, the number of patches. */
    public int patches() {
        return side * side;
    }

    /** T = 1 + L, tokens with the cls token. */
    public int tokens() {
        return patches() + 1;
    }

    /** The image side in pixels, side·P. */
    public int imageSize() {
        return side * patch;
    }

    /** d_ij in pixels for patches i and j (row-major indices). */
    public double distance(int i, int j) {
        int dr = i / side - j / side, dc = i % side - j % side;
        return patch * Math.sqrt((double) dr * dr + (double) dc * dc);
    }

    /** The L×L matrix of d_ij, row-major. */
    public double[] distances() {
        int l = patches();
        double[] d = new double[l * l];
        for (int i = 0; i < l; i++) for (int j = 0; j < l; j++) d[i * l + j] = distance(i, j);
        return d;
    }

    /** Checks that attention probabilities of {@code tokens} tokens fit this grid (cls first). */
    public void checkTokens(int tokens) {
        if (tokens != tokens()) {
            throw new IllegalArgumentException("attention over " + tokens + " tokens does not fit a " + side + "×" + side + " patch grid with a cls token (" + tokens() + " tokens)");
        }
    }
}
