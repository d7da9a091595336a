package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.OpChecks;

/**
 * Scalar reference for the fused losses: softmax cross-entropy with label smoothing (PyTorch's
 * semantics) and MAE's masked per-patch mean squared error (He et al. 2022, eq. in §3),
 * forward and backward, in double. Means over rows are taken by {@code Ops}, not here; arguments
 * are checked by {@link OpChecks}, as on every backend.
 */
public final class RefLoss {
    private RefLoss() {
    }

    /**
     * probs = softmax(logits) (N, V), written; with lse = log Σ_V exp(logits):
     * losses[n] = (1 − ε)·(lse − logits[n, y_n]) + ε·(lse − mean_V logits[n, ·]), which is
     * PyTorch's (1 − ε)·(−log p_y) + ε·mean_V(−log p_v).
     */
    public static void crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        OpChecks.Sizes z = OpChecks.crossEntropy(losses, probs, logits, labels, smoothing);
        int n = z.rows(), v = z.cols();
        int[] y = Elements.readInts(labels);
        OpChecks.labelsInRange("crossEntropy", y, 0, n, v);
        double[] x = Elements.read(logits), l = new double[n];
        for (int r = 0; r < n; r++) {
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
        OpChecks.Sizes z = OpChecks.crossEntropyBackward(dlogits, dlosses, probs, labels, smoothing);
        int n = z.rows(), v = z.cols();
        int[] y = Elements.readInts(labels);
        OpChecks.labelsInRange("crossEntropyBackward", y, 0, n, v);
        if (dlogits == null) return;
        double[] p = Elements.read(probs), g = Elements.read(dlosses);
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < v; j++) p[r * v + j] = g[r] * (p[r * v + j] - smoothing / v - (j == y[r] ? 1 - smoothing : 0));
        }
        Elements.add(dlogits, p);
    }

    /** loss = Σ_{b,l} mask·mean_P (pred − target)² / Σ_{b,l} mask; pred, target (B, L, P), mask (B, L). */
    public static void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        OpChecks.Sizes z = OpChecks.maskedMse(loss, pred, target, mask);
        int rows = z.rows(), p = z.cols();
        double[] a = Elements.read(pred), b = Elements.read(target), m = Elements.read(mask);
        double num = 0, den = 0;
        for (int r = 0; r < rows; r++) {
            den += m[r];
            if (m[r] == 0) continue;
            double s = 0;
            for (int j = 0; j < p; j++) s += (a[r * p + j] - b[r * p + j]) * (a[r * p + j] - b[r * p + j]);
            num += m[r] * s / p;
        }
        Elements.store(loss, new double[] {num / OpChecks.maskSum("maskedMse", den, mask)});
    }

    /** dpred += dloss·mask·2(pred − target)/(P·Σ mask); dtarget receives the negation. */
    public static void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        OpChecks.Sizes z = OpChecks.maskedMseBackward(dpred, dtarget, dloss, pred, target, mask);
        int rows = z.rows(), p = z.cols();
        double[] a = Elements.read(pred), b = Elements.read(target), m = Elements.read(mask);
        double den = 0;
        for (double mv : m) den += mv;
        double c = Elements.read(dloss)[0] * 2 / (p * OpChecks.maskSum("maskedMseBackward", den, mask));
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
