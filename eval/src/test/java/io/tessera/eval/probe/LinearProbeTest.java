package io.tessera.eval.probe;

import io.tessera.eval.downstream.FeatureSet;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The probe on fixed features against the closed-form answer: multinomial logistic regression solved
 * in double by Newton's method (BatchNorm is a per-feature affine map, so the best linear classifier of
 * BN(x) is the best linear classifier of x). The LARS-trained head must reach its accuracy.
 */
class LinearProbeTest {
    static final int D = 4, V = 3;
    static final double[][] MEANS = {{1.2, 0, -0.4, 0.3}, {-0.6, 1.0, 0.2, -0.5}, {-0.3, -0.9, 0.5, 0.6}};

    static FeatureSet gaussians(int n, long seed) {
        Rng r = new Rng(seed);
        float[] x = new float[n * D];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % V;
            for (int j = 0; j < D; j++) x[i * D + j] = (float) (3 + 2 * MEANS[y[i]][j] + 0.9 * r.nextGaussian() * (j + 1));
        }
        return new FeatureSet(x, y, D);
    }

    /** Newton's method on the mean cross-entropy of softmax(W·[x, 1]) with a 1e-8 ridge; returns W (V, D + 1). */
    static double[][] newton(FeatureSet f) {
        int p = D + 1, k = V * p, n = f.rows();
        double[] w = new double[k];
        for (int iter = 0; iter < 40; iter++) {
            double[] g = new double[k];
            double[][] h = new double[k][k];
            for (int i = 0; i < n; i++) {
                double[] x = row(f, i);
                double[] pr = softmax(w, x);
                for (int a = 0; a < V; a++) {
                    double ea = pr[a] - (f.labels()[i] == a ? 1 : 0);
                    for (int u = 0; u < p; u++) g[a * p + u] += ea * x[u] / n;
                    for (int b = 0; b < V; b++) {
                        double c = pr[a] * ((a == b ? 1 : 0) - pr[b]) / n;
                        for (int u = 0; u < p; u++) for (int v = 0; v < p; v++) h[a * p + u][b * p + v] += c * x[u] * x[v];
                    }
                }
            }
            for (int a = 0; a < k; a++) {
                g[a] += 1e-8 * w[a];
                h[a][a] += 1e-8;
            }
            DMatrixRMaj step = new DMatrixRMaj(k, 1);
            // the softmax Hessian is singular along adding a constant to every class: the ridge fixes it
            assertThat(CommonOps_DDRM.solve(new DMatrixRMaj(h), new DMatrixRMaj(k, 1, true, g), step)).isTrue();
            for (int a = 0; a < k; a++) w[a] -= step.get(a);
        }
        double[][] out = new double[V][p];
        for (int a = 0; a < V; a++) System.arraycopy(w, a * p, out[a], 0, p);
        return out;
    }

    static double[] row(FeatureSet f, int i) {
        double[] x = new double[D + 1];
        for (int j = 0; j < D; j++) x[j] = f.values()[i * D + j];
        x[D] = 1;
        return x;
    }

    static double[] softmax(double[] w, double[] x) {
        double[] z = new double[V];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int a = 0; a < V; a++) {
            for (int u = 0; u < x.length; u++) z[a] += w[a * x.length + u] * x[u];
            max = Math.max(max, z[a]);
        }
        for (int a = 0; a < V; a++) sum += z[a] = Math.exp(z[a] - max);
        for (int a = 0; a < V; a++) z[a] /= sum;
        return z;
    }

    static double accuracy(double[][] w, FeatureSet f) {
        int hit = 0;
        for (int i = 0; i < f.rows(); i++) {
            double[] x = row(f, i);
            int best = 0;
            double bv = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < V; a++) {
                double z = 0;
                for (int u = 0; u <= D; u++) z += w[a][u] * x[u];
                if (z > bv) {
                    bv = z;
                    best = a;
                }
            }
            if (best == f.labels()[i]) hit++;
        }
        return (double) hit / f.rows();
    }

    @Test
    void larsTrainedHeadReachesTheNewtonLogisticRegression() {
        FeatureSet train = gaussians(900, 1), test = gaussians(600, 2);
        double[][] w = newton(train);
        double newtonTrain = accuracy(w, train), newtonTest = accuracy(w, test);
        assertThat(newtonTest).as("the problem is neither trivial nor hopeless").isBetween(0.6, 0.97);
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            LinearProbe.Settings s = LinearProbe.Settings.mae(60).withEpochs(60, 5).withBaseLr(40);
            LinearProbe probe = new LinearProbe(ctx, D, V, s);
            LinearProbe.Result r = probe.train(train, test, ProgressListener.NONE);
            assertThat(r.epochs()).hasSize(60);
            assertThat(r.steps()).isEqualTo(60L * (900 / 60));
            double probeTrain = probe.evaluate(train, 300)[1], probeTest = r.last().top1();
            assertThat(probeTrain).as("train accuracy vs Newton %.4f", newtonTrain).isGreaterThanOrEqualTo(newtonTrain - 0.015);
            assertThat(probeTest).as("test accuracy vs Newton %.4f", newtonTest).isGreaterThanOrEqualTo(newtonTest - 0.02);
            assertThat(r.last().top5()).isEqualTo(1.0); // three classes
            assertThat(r.last().trainLoss()).isLessThan(r.epochs().get(0).trainLoss());
        }
    }

    @Test
    void sameSeedSameProbeAndTheLastPartialBatchIsDropped() {
        FeatureSet train = gaussians(130, 3), test = gaussians(60, 4);
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            LinearProbe.Settings s = LinearProbe.Settings.mae(32).withEpochs(3, 1);
            LinearProbe.Result a = new LinearProbe(ctx, D, V, s).train(train, test, ProgressListener.NONE);
            LinearProbe.Result b = new LinearProbe(ctx, D, V, s).train(train, test, ProgressListener.NONE);
            assertThat(a.steps()).isEqualTo(3 * 4);
            assertThat(a.head().store().values().toFloatArray()).containsExactly(b.head().store().values().toFloatArray());
            assertThat(a.head().batchNorm().numBatchesTracked().tensor().item()).isEqualTo(12.0);
            List<Double> lrs = a.epochs().stream().map(e -> e.lr()).toList();
            assertThat(lrs.get(0)).isCloseTo(0.1 * 32 / 256 * (3.0 / 4) / 1, org.assertj.core.data.Offset.offset(1e-12)); // warm-up: (0 + 3/4) of the first epoch
        }
    }

    @Test
    void refusesABatchLargerThanTheData() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            LinearProbe probe = new LinearProbe(ctx, D, V, LinearProbe.Settings.mae(512));
            assertThatThrownBy(() -> probe.train(gaussians(100, 1), gaussians(10, 2), ProgressListener.NONE))
                    .hasMessageContaining("batch of 512 exceeds the 100 training images");
        }
    }
}
