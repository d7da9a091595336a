package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/**
 * Scalar reference for the fused losses: softmax cross-entropy with label smoothing (PyTorch's
 * semantics) and MAE's masked per-patch mean squared error (He et al. 2022, eq. in §3),
 * forward and backward, in double. Means over rows are taken by {@code Ops}, not here.
 */
public final class RefLoss {
    private RefLoss() {
    }

    /** Sizes {N, V}; labels must be an I32 (N). */
    static int[] crossEntropySizes(String op, Tensor logits, Tensor labels) {
        if (logits.rank() != 2 || labels.size() != logits.dim(0)) {
            throw new IllegalArgumentException(op + " expects logits (N, V) and labels (N); got " + logits.describe() + ", " + labels.describe());
        }
        return new int[] {logits.dim(0), logits.dim(1)};
    }

    /** Throws when a label lies outside [0, V), naming the row and the label. */
    public static void checkLabel(String op, int row, int label, int classes) {
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException(op + ": label " + label + " at row " + row + " is outside [0, " + classes + ")");
        }
    }

    /**
     * probs = softmax(logits) (N, V), written; with lse = log Σ_V exp(logits):
     * losses[n] = (1 − ε)·(lse − logits[n, y_n]) + ε·(lse − mean_V logits[n, ·]), which is
     * PyTorch's (1 − ε)·(−log p_y) + ε·mean_V(−log p_v).
     */
    public static void crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        int[] z = crossEntropySizes("crossEntropy", logits, labels);
        int n = z[0], v = z[1];
        double[] x = Elements.read(logits), l = new double[n];
        int[] y = Elements.readInts(labels);
        for (int r = 0; r < n; r++) {
            checkLabel("crossEntropy", r, y[r], v);
            int o = r * v;
            double max = Double.NEGATIVE_INFINITY, mean = 0;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, x[o + j]);
                mean += x[o + j];
            }
            mean /= v;
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.exp(x[o + j] - max);
            double lse = max + Math.log(sum), xy = x[o + y[r]];
            l[r] = (1 - smoothing) * (lse - xy) + smoothing * (lse - mean);
            for (int j = 0; j < v; j++) x[o + j] = Math.exp(x[o + j] - lse);
        }
        Elements.store(losses, l);
        if (probs != null) Elements.store(probs, x);
    }

    /** dlogits[n, v] += dlosses[n]·(probs[n, v] − (1 − ε)·[v = y_n] − ε/V). */
    public static void crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        if (dlogits == null) return;
        int[] z = crossEntropySizes("crossEntropyBackward", probs, labels);
        int n = z[0], v = z[1];
        double[] p = Elements.read(probs), g = Elements.read(dlosses);
        int[] y = Elements.readInts(labels);
        for (int r = 0; r < n; r++) {
            checkLabel("crossEntropyBackward", r, y[r], v);
            for (int j = 0; j < v; j++) p[r * v + j] = g[r] * (p[r * v + j] - smoothing / v - (j == y[r] ? 1 - smoothing : 0));
        }
        Elements.add(dlogits, p);
    }

    /** Sizes {B·L, P} after checking pred, target (B, L, P) and mask (B, L). */
    static int[] maskedMseSizes(String op, Tensor pred, Tensor target, Tensor mask) {
        if (pred.rank() != 3 || !pred.shape().equals(target.shape()) || mask.size() != pred.dim(0) * pred.dim(1)) {
            throw new IllegalArgumentException(op + " expects pred and target (B, L, P) and mask (B, L); got "
                    + pred.describe() + ", " + target.describe() + ", " + mask.describe());
        }
        return new int[] {pred.dim(0) * pred.dim(1), pred.dim(2)};
    }

    /** Σ mask, throwing when it is zero (no masked patch: the loss would be 0/0). */
    public static double maskSum(String op, double sum, Tensor mask) {
        if (sum == 0) {
            throw new IllegalArgumentException(op + ": mask " + mask.describe() + " marks no patch as masked (Σ mask = 0); the loss is undefined");
        }
        return sum;
    }

    /** loss = Σ_{b,l} mask·mean_P (pred − target)² / Σ_{b,l} mask; pred, target (B, L, P), mask (B, L). */
    public static void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        int[] z = maskedMseSizes("maskedMse", pred, target, mask);
        int rows = z[0], p = z[1];
        double[] a = Elements.read(pred), b = Elements.read(target), m = Elements.read(mask);
        double num = 0, den = 0;
        for (int r = 0; r < rows; r++) {
            den += m[r];
            if (m[r] == 0) continue;
            double s = 0;
            for (int j = 0; j < p; j++) s += (a[r * p + j] - b[r * p + j]) * (a[r * p + j] - b[r * p + j]);
            num += m[r] * s / p;
        }
        Elements.store(loss, new double[] {num / maskSum("maskedMse", den, mask)});
    }

    /** dpred += dloss·mask·2(pred − target)/(P·Σ mask); dtarget receives the negation. */
    public static void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        int[] z = maskedMseSizes("maskedMseBackward", pred, target, mask);
        int rows = z[0], p = z[1];
        double[] a = Elements.read(pred), b = Elements.read(target), m = Elements.read(mask);
        double den = 0;
        for (double mv : m) den += mv;
        double c = Elements.read(dloss)[0] * 2 / (p * maskSum("maskedMseBackward", den, mask));
        double[] g = new double[a.length], gt = new double[a.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < p; j++) {
                g[r * p + j] = c * m[r] * (a[r * p + j] - b[r * p + j]);
                gt[r * p + j] = -g[r * p + j];
            }
        }
        Elements.add(dpred, g);
        Elements.add(dtarget, gt);
    }
}
