package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.OpChecks;

/**
 * Scalar reference kernels for the fused row ops: softmax, LayerNorm, BatchNorm1d and L2
 * normalisation, forward and backward, computed in double and rounded on store. They define
 * the semantics the Vector API and GPU kernels are tested against; they are not fast.
 * Normalisation follows Ba et al. (LayerNorm) and Ioffe &amp; Szegedy (BatchNorm) as PyTorch does.
 * Arguments are checked by {@link OpChecks}, as on every backend.
 */
public final class RefNorm {
    private RefNorm() {
    }

    /** y = exp(x − max_row x) / Σ_row exp(x − max_row x) along the last axis; x, y: (N, D). */
    public static void softmax(Tensor y, Tensor x) {
        int d = OpChecks.softmax(y, x).cols(), n = x.size() / Math.max(d, 1);
        double[] v = Elements.read(x);
        for (int r = 0; r < n; r++) {
            int o = r * d;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < d; j++) max = Math.max(max, v[o + j]);
            double sum = 0;
            for (int j = 0; j < d; j++) {
                v[o + j] = Math.exp(v[o + j] - max);
                sum += v[o + j];
            }
            for (int j = 0; j < d; j++) v[o + j] /= sum;
        }
        Elements.store(y, v);
    }

    /** dx += y ⊙ (dy − Σ_row dy ⊙ y); dy, y, dx: (N, D). */
    public static void softmaxBackward(Tensor dx, Tensor dy, Tensor y) {
        int d = OpChecks.softmaxBackward(dx, dy, y).cols(), n = y.size() / Math.max(d, 1);
        if (dx == null) return;
        double[] g = Elements.read(dy), yv = Elements.read(y), out = new double[g.length];
        for (int r = 0; r < n; r++) {
            int o = r * d;
            double dot = 0;
            for (int j = 0; j < d; j++) dot += g[o + j] * yv[o + j];
            for (int j = 0; j < d; j++) out[o + j] = yv[o + j] * (g[o + j] - dot);
        }
        Elements.add(dx, out);
    }

    /**
     * LayerNorm over the last axis: μ = mean x, σ² = mean (x − μ)² (biased), rstd = 1/√(σ² + eps),
     * y = (x − μ)·rstd·w + b. x, y: (N, D); w, b: (D) or null; mean, rstd: (N), written.
     */
    public static void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        OpChecks.Sizes z = OpChecks.layerNorm(y, mean, rstd, x, w, b, eps);
        int d = z.cols(), n = z.rows();
        double[] v = Elements.read(x), wv = w == null ? null : Elements.read(w), bv = b == null ? null : Elements.read(b);
        double[] mu = new double[n], rs = new double[n];
        for (int r = 0; r < n; r++) {
            int o = r * d;
            double s = 0;
            for (int j = 0; j < d; j++) s += v[o + j];
            double m = s / d, q = 0;
            for (int j = 0; j < d; j++) q += (v[o + j] - m) * (v[o + j] - m);
            double inv = 1.0 / Math.sqrt(q / d + eps);
            mu[r] = m;
            rs[r] = inv;
            for (int j = 0; j < d; j++) {
                double h = (v[o + j] - m) * inv;
                v[o + j] = h * (wv == null ? 1 : wv[j]) + (bv == null ? 0 : bv[j]);
            }
        }
        Elements.store(y, v);
        if (mean != null) Elements.store(mean, mu);
        if (rstd != null) Elements.store(rstd, rs);
    }

    /**
     * With x̂ = (x − μ)·rstd and g = dy·w: dx += rstd·(g − mean g − x̂·mean(g·x̂)), dw += Σ_N dy·x̂,
     * db += Σ_N dy. Uses the saved mean and rstd (N).
     */
    public static void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        OpChecks.Sizes z = OpChecks.layerNormBackward(dx, dw, db, dy, x, w, mean, rstd);
        int d = z.cols(), n = z.rows();
        double[] v = Elements.read(x), g = Elements.read(dy), wv = w == null ? null : Elements.read(w);
        double[] mu = Elements.read(mean), rs = Elements.read(rstd);
        double[] gx = new double[v.length], gw = new double[d], gb = new double[d];
        for (int r = 0; r < n; r++) {
            int o = r * d;
            double sg = 0, sgx = 0;
            for (int j = 0; j < d; j++) {
                double h = (v[o + j] - mu[r]) * rs[r], gj = g[o + j] * (wv == null ? 1 : wv[j]);
                sg += gj;
                sgx += gj * h;
                gw[j] += g[o + j] * h;
                gb[j] += g[o + j];
            }
            double mg = sg / d, mgx = sgx / d;
            for (int j = 0; j < d; j++) {
                double h = (v[o + j] - mu[r]) * rs[r], gj = g[o + j] * (wv == null ? 1 : wv[j]);
                gx[o + j] = rs[r] * (gj - mg - h * mgx);
            }
        }
        Elements.add(dx, gx);
        Elements.add(dw, gw);
        Elements.add(db, gb);
    }

    // ---- BatchNorm1d ----------------------------------------------------------------------

    /**
     * Training-mode BatchNorm1d on x (N, C): μ_c = mean_N x, σ²_c = mean_N (x − μ_c)²,
     * y = (x − μ_c)/√(σ²_c + eps)·w + b; mean, rstd (C) written; running statistics (if given)
     * become (1 − momentum)·run + momentum·stat with the unbiased variance σ²_c·N/(N − 1).
     */
    public static void batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar, Tensor x, Tensor w, Tensor b, double momentum, double eps) {
        OpChecks.Sizes s = OpChecks.batchNormTrain(y, mean, rstd, runningMean, runningVar, x, w, b, momentum, eps);
        int n = s.rows(), c = s.cols();
        double[] v = Elements.read(x), wv = w == null ? null : Elements.read(w), bv = b == null ? null : Elements.read(b);
        double[] mu = new double[c], var = new double[c], rs = new double[c];
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) mu[j] += v[i * c + j];
        for (int j = 0; j < c; j++) mu[j] /= n;
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) var[j] += (v[i * c + j] - mu[j]) * (v[i * c + j] - mu[j]);
        for (int j = 0; j < c; j++) {
            var[j] /= n;
            rs[j] = 1.0 / Math.sqrt(var[j] + eps);
        }
        double[] out = new double[v.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                out[i * c + j] = (v[i * c + j] - mu[j]) * rs[j] * (wv == null ? 1 : wv[j]) + (bv == null ? 0 : bv[j]);
            }
        }
        Elements.store(y, out);
        if (mean != null) Elements.store(mean, mu);
        if (rstd != null) Elements.store(rstd, rs);
        if (runningMean != null) {
            double[] rm = Elements.read(runningMean);
            for (int j = 0; j < c; j++) rm[j] = (1 - momentum) * rm[j] + momentum * mu[j];
            Elements.store(runningMean, rm);
        }
        if (runningVar != null) {
            double[] rv = Elements.read(runningVar);
            double unbias = n > 1 ? (double) n / (n - 1) : 1.0;
            for (int j = 0; j < c; j++) rv[j] = (1 - momentum) * rv[j] + momentum * var[j] * unbias;
            Elements.store(runningVar, rv);
        }
    }

    /** Eval-mode BatchNorm1d: y = (x − runningMean)/√(runningVar + eps)·w + b; x, y: (N, C). */
    public static void batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        OpChecks.Sizes s = OpChecks.batchNormEval(y, x, runningMean, runningVar, w, b, eps);
        int n = s.rows(), c = s.cols();
        double[] v = Elements.read(x), rm = Elements.read(runningMean), rv = Elements.read(runningVar);
        double[] wv = w == null ? null : Elements.read(w), bv = b == null ? null : Elements.read(b);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                double sc = 1.0 / Math.sqrt(rv[j] + eps);
                v[i * c + j] = (v[i * c + j] - rm[j]) * sc * (wv == null ? 1 : wv[j]) + (bv == null ? 0 : bv[j]);
            }
        }
        Elements.store(y, v);
    }

    /**
     * Training-mode backward with x̂ = (x − μ_c)·rstd_c and g = dy·w_c:
     * dx += rstd_c·(g − mean_N g − x̂·mean_N(g·x̂)), dw += Σ_N dy·x̂, db += Σ_N dy.
     */
    public static void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        OpChecks.Sizes s = OpChecks.batchNormBackward(dx, dw, db, dy, x, w, mean, rstd);
        int n = s.rows(), c = s.cols();
        double[] v = Elements.read(x), g = Elements.read(dy), mu = Elements.read(mean), rs = Elements.read(rstd);
        double[] wv = w == null ? null : Elements.read(w);
        double[] sg = new double[c], sgh = new double[c];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                double h = (v[i * c + j] - mu[j]) * rs[j];
                sg[j] += g[i * c + j];
                sgh[j] += g[i * c + j] * h;
            }
        }
        if (dx != null) {
            double[] gx = new double[v.length];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < c; j++) {
                    double wj = wv == null ? 1 : wv[j];
                    double h = (v[i * c + j] - mu[j]) * rs[j];
                    gx[i * c + j] = rs[j] * wj * (g[i * c + j] - sg[j] / n - h * sgh[j] / n);
                }
            }
            Elements.add(dx, gx);
        }
        Elements.add(dw, sgh);
        Elements.add(db, sg);
    }

    /**
     * Eval-mode backward, s_c = 1/√(runningVar_c + eps): dx += dy·w_c·s_c,
     * dw += Σ_N dy·(x − runningMean_c)·s_c, db += Σ_N dy.
     */
    public static void batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, double eps) {
        OpChecks.Sizes s = OpChecks.batchNormEvalBackward(dx, dw, db, dy, x, runningMean, runningVar, w, eps);
        int n = s.rows(), c = s.cols();
        double[] v = Elements.read(x), g = Elements.read(dy), rm = Elements.read(runningMean), rv = Elements.read(runningVar);
        double[] wv = w == null ? null : Elements.read(w);
        double[] gx = new double[v.length], gw = new double[c], gb = new double[c];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                double sc = 1.0 / Math.sqrt(rv[j] + eps);
                gx[i * c + j] = g[i * c + j] * (wv == null ? 1 : wv[j]) * sc;
                gw[j] += g[i * c + j] * (v[i * c + j] - rm[j]) * sc;
                gb[j] += g[i * c + j];
            }
        }
        Elements.add(dx, gx);
        Elements.add(dw, gw);
        Elements.add(db, gb);
    }

    // ---- L2 normalisation -----------------------------------------------------------------

    /** y = x / max(‖x‖₂, eps) along the last axis (torch F.normalize); norm (N) = ‖x‖₂. */
    public static void l2Normalize(Tensor y, Tensor norm, Tensor x, double eps) {
        OpChecks.Sizes z = OpChecks.l2Normalize(y, norm, x, eps);
        int d = z.cols(), n = z.rows();
        double[] v = Elements.read(x), nv = new double[n];
        for (int r = 0; r < n; r++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += v[r * d + j] * v[r * d + j];
            nv[r] = Math.sqrt(s);
            double den = Math.max(nv[r], eps);
            for (int j = 0; j < d; j++) v[r * d + j] /= den;
        }
        Elements.store(y, v);
        if (norm != null) Elements.store(norm, nv);
    }

    /**
     * Where ‖x‖ ≥ eps: dx += (dy − y·(y·dy)) / ‖x‖; where the norm is clamped (‖x‖ &lt; eps) the
     * denominator is the constant eps and dx += dy / eps.
     */
    public static void l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        OpChecks.Sizes z = OpChecks.l2NormalizeBackward(dx, dy, x, y, norm, eps);
        if (dx == null) return;
        int d = z.cols(), n = z.rows();
        double[] g = Elements.read(dy), yv = Elements.read(y), nv = Elements.read(norm), out = new double[g.length];
        for (int r = 0; r < n; r++) {
            int o = r * d;
            if (nv[r] >= eps && nv[r] > 0) {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += yv[o + j] * g[o + j];
                for (int j = 0; j < d; j++) out[o + j] = (g[o + j] - yv[o + j] * dot) / nv[r];
            } else {
                for (int j = 0; j < d; j++) out[o + j] = g[o + j] / eps;
            }
        }
        Elements.add(dx, out);
    }
}
