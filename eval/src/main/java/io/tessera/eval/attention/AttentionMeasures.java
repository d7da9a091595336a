package io.tessera.eval.attention;

// Per-image, per-head statistics of one layer's attention probabilities (B, H, T, T), cls first:
// - mean attention distance (ViT, Dosovitskiy et al., App. D.7 / Fig. 11): with the cls row and
//   column dropped, mean over queries i of Σ_j A_ij·d_ij in pixels, rows renormalised or not;
// - attention NMI (Park et al., ICLR 2023, naver-ai/cl-vs-mim): rows renormalised over patch keys,
//   uniform query prior p(q) = 1/L, p(k) = Σ_q p(q)A_qk, NMI = I(q; k)/sqrt(H(q)·H(k)).

/**
 * Attention distance and NMI of attention probabilities. With renormalised rows, a patch query whose
 * row has no mass left on the patch keys once the cls key is dropped (float32 softmax underflow when a
 * query attends only to the cls token) has no patch distribution: it is left out of that image-head's
 * mean, and the number of queries used is returned beside every value.
 */
public final class AttentionMeasures {
    private AttentionMeasures() {
    }

    /**
     * Values per (image, head) and how many patch queries each was computed from.
     *
     * @param values  (B, H) row-major; meaningful where {@code queries} is positive, 0 elsewhere
     * @param queries (B, H) patch queries used (L unless rows without patch mass were left out)
     */
    public record PerHead(double[] values, int[] queries) {
        public PerHead {
            if (values.length != queries.length) throw new IllegalArgumentException("per-head values: " + values.length + " values for " + queries.length + " counts");
        }
    }

    /**
     * MAD_{b,h} = (1/L') Σ_i Σ_j Â_ij·d_ij over the L' used patch queries i and the patch keys j, where Â
     * is A without the cls row and column, each row divided by its sum when {@code rows} is
     * RENORMALISED (rows without patch mass are then left out; UNNORMALISED uses every row).
     *
     * @param probs (B, H, T, T) row-major, read only
     * @return distances in pixels per (B, H)
     */
    public static PerHead meanDistance(float[] probs, int batch, int heads, PatchGrid grid, RowNormalisation rows) {
        int t = check(probs, batch, heads, grid), l = grid.patches();
        boolean renormalise = rows == RowNormalisation.RENORMALISED;
        double[] d = grid.distances(), out = new double[batch * heads], row = new double[l];
        int[] used = new int[batch * heads];
        for (int bh = 0; bh < batch * heads; bh++) {
            double total = 0;
            for (int q = 0; q < l; q++) {
                if (!patchRow(probs, bh, q, t, l, row, renormalise)) continue;
                double s = 0;
                for (int k = 0; k < l; k++) s += row[k] * d[q * l + k];
                total += s;
                used[bh]++;
            }
            out[bh] = used[bh] == 0 ? 0 : total / used[bh];
        }
        return new PerHead(out, used);
    }

    /**
     * NMI_{b,h} = I/sqrt(H(q)·H(k)) on the renormalised patch attention Â over the L' patch queries with
     * patch mass: with p(q) = 1/L' and p(k) = (1/L')Σ_q Â_qk, I = Σ_q Σ_k p(q)·Â_qk·ln(Â_qk/p(k))
     * (0·ln 0 = 0), H(q) = ln L', H(k) = −Σ_k p(k) ln p(k). Uniform rows give 0 (attention collapse), a
     * permutation gives 1. When H(q)·H(k) = 0 (one query, or every query on one and the same key) I is 0
     * too and the NMI is defined as 0.
     */
    public static PerHead nmi(float[] probs, int batch, int heads, PatchGrid grid) {
        int t = check(probs, batch, heads, grid), l = grid.patches();
        double[] out = new double[batch * heads], a = new double[l * l], pk = new double[l], row = new double[l];
        boolean[] valid = new boolean[l];
        int[] used = new int[batch * heads];
        for (int bh = 0; bh < batch * heads; bh++) {
            java.util.Arrays.fill(pk, 0);
            int n = 0;
            for (int q = 0; q < l; q++) {
                valid[q] = patchRow(probs, bh, q, t, l, row, true);
                if (!valid[q]) continue;
                System.arraycopy(row, 0, a, q * l, l);
                for (int k = 0; k < l; k++) pk[k] += row[k];
                n++;
            }
            used[bh] = n;
            if (n == 0) continue;
            double mi = 0, hk = 0;
            for (int k = 0; k < l; k++) {
                pk[k] /= n;
                if (pk[k] > 0) hk -= pk[k] * Math.log(pk[k]);
            }
            for (int q = 0; q < l; q++) {
                if (!valid[q]) continue;
                for (int k = 0; k < l; k++) {
                    double v = a[q * l + k];
                    if (v > 0) mi += v / n * Math.log(v / pk[k]);
                }
            }
            double hq = Math.log(n);
            out[bh] = hq * hk > 0 ? mi / Math.sqrt(hq * hk) : 0.0;
        }
        return new PerHead(out, used);
    }

    /**
     * Row q (patch query, 0-based) of image-head bh over the L patch keys into {@code row}, divided by its
     * sum when renormalising. Returns false (row unusable) when renormalising a row with no patch mass.
     */
    static boolean patchRow(float[] probs, int bh, int q, int t, int l, double[] row, boolean renormalise) {
        int base = (bh * t + q + 1) * t + 1;
        double s = 0;
        for (int k = 0; k < l; k++) {
            row[k] = probs[base + k];
            s += row[k];
        }
        if (!renormalise) return true;
        if (!(s > 0)) return false;
        for (int k = 0; k < l; k++) row[k] /= s;
        return true;
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
