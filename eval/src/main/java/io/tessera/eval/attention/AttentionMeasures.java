package io.tessera.eval.attention;

// Per-image, per-head statistics of one layer's attention probabilities (B, H, T, T), cls first:
// - mean attention distance (ViT, Dosovitskiy et al., App. D.7 / Fig. 11): with the cls row and
//   column dropped, mean over queries i of Σ_j A_ij·d_ij in pixels, rows renormalised or not;
// - attention NMI (Park et al., ICLR 2023, naver-ai/cl-vs-mim): rows renormalised over patch keys,
//   uniform query prior p(q) = 1/L, p(k) = Σ_q p(q)A_qk, NMI = I(q; k)/sqrt(H(q)·H(k)).

/** Attention distance and NMI of attention probabilities. */
public final class AttentionMeasures {
    private AttentionMeasures() {
    }

    /**
     * MAD_{b,h} = (1/L) Σ_i Σ_j Â_ij·d_ij over patch queries i and keys j, where Â is A without the cls
     * row and column, each row divided by its sum when {@code rows} is RENORMALISED.
     *
     * @param probs (B, H, T, T) row-major, read only
     * @return (B, H) row-major, in pixels
     */
    public static double[] meanDistance(float[] probs, int batch, int heads, PatchGrid grid, RowNormalisation rows) {
        int t = check(probs, batch, heads, grid), l = grid.patches();
        double[] d = grid.distances(), out = new double[batch * heads], row = new double[l];
        for (int bh = 0; bh < batch * heads; bh++) {
            double total = 0;
            for (int q = 0; q < l; q++) {
                patchRow(probs, bh, q, t, l, row, rows == RowNormalisation.RENORMALISED);
                double s = 0;
                for (int k = 0; k < l; k++) s += row[k] * d[q * l + k];
                total += s;
            }
            out[bh] = total / l;
        }
        return out;
    }

    /**
     * NMI_{b,h} = I/sqrt(H(q)·H(k)) on the renormalised patch attention Â: with p(q) = 1/L and
     * p(k) = (1/L)Σ_q Â_qk, I = Σ_q Σ_k p(q)·Â_qk·ln(Â_qk/p(k)) (0·ln 0 = 0), H(q) = ln L,
     * H(k) = −Σ_k p(k) ln p(k). Uniform rows give 0 (attention collapse), a permutation gives 1.
     * When every query attends to one and the same key, H(k) = 0 and I = 0: the NMI is defined as 0.
     *
     * @return (B, H) row-major
     */
    public static double[] nmi(float[] probs, int batch, int heads, PatchGrid grid) {
        int t = check(probs, batch, heads, grid), l = grid.patches();
        if (l < 2) throw new IllegalArgumentException("attention NMI needs at least 2 patches, the grid has " + l);
        double[] out = new double[batch * heads], a = new double[l * l], pk = new double[l];
        double hq = Math.log(l);
        for (int bh = 0; bh < batch * heads; bh++) {
            java.util.Arrays.fill(pk, 0);
            double[] row = new double[l];
            for (int q = 0; q < l; q++) {
                patchRow(probs, bh, q, t, l, row, true);
                System.arraycopy(row, 0, a, q * l, l);
                for (int k = 0; k < l; k++) pk[k] += row[k] / l;
            }
            double mi = 0, hk = 0;
            for (int k = 0; k < l; k++) if (pk[k] > 0) hk -= pk[k] * Math.log(pk[k]);
            for (int q = 0; q < l; q++) {
                for (int k = 0; k < l; k++) {
                    double v = a[q * l + k];
                    if (v > 0) mi += v / l * Math.log(v / pk[k]);
                }
            }
            out[bh] = hk > 0 ? mi / Math.sqrt(hq * hk) : 0.0;
        }
        return out;
    }

    /** Row q (patch query, 0-based) of image-head bh over the L patch keys into {@code row}. */
    static void patchRow(float[] probs, int bh, int q, int t, int l, double[] row, boolean renormalise) {
        int base = (bh * t + q + 1) * t + 1;
        double s = 0;
        for (int k = 0; k < l; k++) {
            row[k] = probs[base + k];
            s += row[k];
        }
        if (!renormalise) return;
        if (!(s > 0)) {
            throw new IllegalStateException("attention row of patch query " + q + " (image-head " + bh + ") has no mass on the patch keys; it cannot be renormalised");
        }
        for (int k = 0; k < l; k++) row[k] /= s;
    }

    static int check(float[] probs, int batch, int heads, PatchGrid grid) {
        int t = grid.tokens();
        if (batch < 1 || heads < 1 || (long) batch * heads * t * t != probs.length) {
            throw new IllegalArgumentException("attention probabilities: " + probs.length + " values are not (B " + batch + ", H " + heads + ", T " + t + ", T " + t + ")");
        }
        for (float v : probs) {
            if (!(v >= 0 && v <= 1.0001f)) throw new IllegalArgumentException("attention probability " + v + " is not in [0, 1]");
        }
        return t;
    }
}
