// Training-mode BatchNorm1d whose batch statistics are those of the global batch of a process group
// (PyTorch's SyncBatchNorm): per-channel sums all-reduced in double, the backward's sums of dy and
// dy·x̂ all-reduced likewise. Host arithmetic on any backend; Ops.syncBatchNorm is its only caller
// and keeps the fused BatchNorm kernels for a group of one.
package io.tessera.tensor;

import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.spi.Backend;
import io.tessera.tensor.spi.OpChecks;

/**
 * Rank r holds x_r (n_r, C) of the global batch x = [x_0; …; x_{W−1}], N = Σ n_r. Forward, two
 * passes over the group (no cancellation between a sum of squares and a squared sum):
 * <pre>
 *   μ_c   = Σ_r Σ_i x_r[i, c] / N                       all-reduce of (Σ_i x_r[i, ·], n_r)
 *   σ²_c  = Σ_r Σ_i (x_r[i, c] − μ_c)² / N              all-reduce of the centred squares
 *   x̂     = (x_r − μ)·rstd,  rstd = 1/√(σ² + eps),  y_r = x̂·w + b
 *   running_mean ← (1 − m)·running_mean + m·μ,  running_var ← (1 − m)·running_var + m·σ²·N/(N − 1)
 * </pre>
 * Backward, from this rank's dy_r: the local sums Σ_i dy and Σ_i dy·x̂ are this rank's db and dw
 * (the trainer's gradient all-reduce combines them, as DDP does for SyncBatchNorm); their all-reduce
 * over the group gives the global ones, and
 * <pre>
 *   dx_r = w·rstd·(dy_r − Σ dy / N − x̂·Σ dy·x̂ / N)
 * </pre>
 * is the gradient of the sum of every rank's loss with respect to x_r. Every rank must run the
 * same sequence of forwards and backwards (each is collective). Statistics, sums and the outputs
 * are computed in double and stored in x's dtype. Second-order differentiation is not supported.
 */
final class SyncBatchNorm {
    private SyncBatchNorm() {
    }

    /** The forward's batch statistics, kept for the backward. */
    record Statistics(double[] mean, double[] rstd, long count) {
    }

    /**
     * Writes y and updates the running statistics (either may be null); returns μ, rstd and N.
     *
     * @param y written, (n, C) like x
     */
    static Statistics forward(Backend be, Collective group, Tensor y, Tensor runningMean, Tensor runningVar, Tensor x, Tensor w, Tensor b,
                              double momentum, double eps) {
        OpChecks.Sizes s = OpChecks.batchNormTrain(y, null, null, runningMean, runningVar, x, w, b, momentum, eps);
        int n = s.rows(), c = s.cols();
        double[] v = be.readF64(x);
        double[] sums = new double[c + 1];
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) sums[j] += v[i * c + j];
        sums[c] = n;
        group.allReduceSum(sums);
        long count = Math.round(sums[c]); // ≥ 2: every one of the W ≥ 2 ranks holds a sample (OpChecks)
        double[] mean = new double[c], squares = new double[c], rstd = new double[c];
        for (int j = 0; j < c; j++) mean[j] = sums[j] / count;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                double d = v[i * c + j] - mean[j];
                squares[j] += d * d;
            }
        }
        group.allReduceSum(squares);
        double[] var = new double[c];
        for (int j = 0; j < c; j++) {
            var[j] = squares[j] / count;
            rstd[j] = 1.0 / Math.sqrt(var[j] + eps);
        }
        double[] wv = w == null ? null : be.readF64(w), bv = b == null ? null : be.readF64(b);
        double[] out = new double[v.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                out[i * c + j] = (v[i * c + j] - mean[j]) * rstd[j] * (wv == null ? 1 : wv[j]) + (bv == null ? 0 : bv[j]);
            }
        }
        store(be, y, out);
        if (runningMean != null) {
            double[] rm = be.readF64(runningMean);
            for (int j = 0; j < c; j++) rm[j] = (1 - momentum) * rm[j] + momentum * mean[j];
            store(be, runningMean, rm);
        }
        if (runningVar != null) {
            double[] rv = be.readF64(runningVar);
            double unbias = (double) count / (count - 1);
            for (int j = 0; j < c; j++) rv[j] = (1 - momentum) * rv[j] + momentum * var[j] * unbias;
            store(be, runningVar, rv);
        }
        return new Statistics(mean, rstd, count);
    }

    /**
     * Accumulates into dx, dw, db (each may be null; the group's all-reduce runs regardless, so
     * that every rank takes part): see the class comment.
     */
    static void backward(ExecutionContext ctx, Collective group, Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Statistics st) {
        Backend be = ctx.backend();
        int n = x.dim(0), c = x.dim(1);
        double[] g = be.readF64(dy), v = be.readF64(x), mean = st.mean(), rstd = st.rstd();
        double[] sums = new double[2 * c]; // Σ dy, then Σ dy·x̂
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                double gij = g[i * c + j];
                sums[j] += gij;
                sums[c + j] += gij * (v[i * c + j] - mean[j]) * rstd[j];
            }
        }
        if (db != null) accumulate(ctx, db, java.util.Arrays.copyOfRange(sums, 0, c));
        if (dw != null) accumulate(ctx, dw, java.util.Arrays.copyOfRange(sums, c, 2 * c));
        group.allReduceSum(sums);
        if (dx == null) return;
        double[] wv = w == null ? null : be.readF64(w), out = new double[v.length];
        double count = st.count();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                double xhat = (v[i * c + j] - mean[j]) * rstd[j];
                double inner = g[i * c + j] - sums[j] / count - xhat * sums[c + j] / count;
                out[i * c + j] = (wv == null ? 1 : wv[j]) * rstd[j] * inner;
            }
        }
        accumulate(ctx, dx, out);
    }

    /** grad += values, through a temporary of grad's dtype in the current scope. */
    private static void accumulate(ExecutionContext ctx, Tensor grad, double[] values) {
        Tensor tmp = ctx.allocate(grad.shape(), grad.dtype(), false);
        store(ctx.backend(), tmp, values);
        ctx.backend().accumulate(grad, tmp, 1.0);
    }

    /** Writes double values into a tensor of its own dtype (F32 rounded once). */
    private static void store(Backend be, Tensor t, double[] values) {
        if (t.dtype() == DType.F64) {
            be.write(t, values);
        } else {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
            be.write(t, f);
        }
    }
}
