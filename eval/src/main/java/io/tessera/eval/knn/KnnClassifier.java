package io.tessera.eval.knn;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;

/**
 * Weighted k-nearest-neighbour classification of frozen features, as DINO's eval_knn.py:
 * features are L2-normalised, similarity is the cosine (a dot product), the top-k training
 * neighbours of a test sample each vote for their class with weight exp(sim / T), and the class
 * with the largest total wins. Test rows are processed in chunks so memory stays bounded.
 */
public final class KnnClassifier {
    /** Top-1 and top-5 accuracy (top-5 is NaN when k &lt; 5 or there are fewer than 5 classes). */
    public record Accuracy(double top1, double top5, int k, int samples) {
    }

    private final ExecutionContext ctx;
    private final Tensor train;      // (N, D), L2-normalised, persistent
    private final int[] trainLabels;
    private final int classes;

    /**
     * @param trainFeatures (N, D) features of the training set (not yet normalised)
     * @param trainLabels   N labels in [0, classes)
     */
    public KnnClassifier(ExecutionContext ctx, Tensor trainFeatures, int[] trainLabels, int classes) {
        if (trainFeatures.rank() != 2 || trainFeatures.dim(0) != trainLabels.length) {
            throw new IllegalArgumentException("k-NN needs training features (N, D) and N labels, got " + trainFeatures.describe() + " and " + trainLabels.length + " labels");
        }
        for (int i = 0; i < trainLabels.length; i++) {
            if (trainLabels[i] < 0 || trainLabels[i] >= classes) {
                throw new IllegalArgumentException("training label " + trainLabels[i] + " at " + i + " is outside [0, " + classes + ")");
            }
        }
        this.ctx = ctx;
        this.trainLabels = trainLabels.clone();
        this.classes = classes;
        Tensor n = ctx.allocatePersistent(trainFeatures.shape(), DType.F32, false);
        try (Scope s = ctx.openScope()) {
            Ops ops = ctx.ops();
            ctx.backend().copy(n, ops.l2Normalize(trainFeatures.dtype() == DType.F32 ? trainFeatures : ops.cast(trainFeatures, DType.F32), 1e-12));
        }
        this.train = n;
    }

    /** Classifies test features (M, D) with k neighbours and temperature T; returns accuracy against the labels. */
    public Accuracy evaluate(Tensor testFeatures, int[] testLabels, int k, double temperature) {
        int m = testFeatures.dim(0), n = train.dim(0);
        if (testFeatures.rank() != 2 || testFeatures.dim(1) != train.dim(1) || m != testLabels.length) {
            throw new IllegalArgumentException("k-NN test features must be (M, " + train.dim(1) + ") with M labels, got " + testFeatures.describe());
        }
        if (k < 1 || k > n) throw new IllegalArgumentException("k must be in [1, " + n + "], got " + k);
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        int hit1 = 0, hit5 = 0, chunk = Math.max(1, Math.min(m, (1 << 22) / Math.max(1, n)));
        Ops ops = ctx.ops();
        for (int start = 0; start < m; start += chunk) {
            int rows = Math.min(chunk, m - start);
            float[] sim;
            try (Scope s = ctx.openScope()) {
                Tensor q = ops.slice(testFeatures, 0, start, rows);
                if (q.dtype() != DType.F32) q = ops.cast(q, DType.F32);
                sim = ops.matmul(ops.l2Normalize(q, 1e-12), train, false, true).toFloatArray(); // (rows, N)
            }
            for (int r = 0; r < rows; r++) {
                double[] votes = vote(sim, r * n, n, k, temperature);
                int label = testLabels[start + r];
                int rank = 0;
                for (int c = 0; c < classes; c++) if (votes[c] > votes[label] || (votes[c] == votes[label] && c < label)) rank++;
                if (rank == 0) hit1++;
                if (rank < 5) hit5++;
            }
        }
        boolean top5 = k >= 5 && classes >= 5;
        return new Accuracy((double) hit1 / m, top5 ? (double) hit5 / m : Double.NaN, k, m);
    }

    /** Class votes of one test row: top-k by similarity (ties by lower index), weight exp(sim/T). */
    private double[] vote(float[] sim, int off, int n, int k, double t) {
        int[] idx = new int[k];
        float[] val = new float[k];
        int size = 0;
        for (int j = 0; j < n; j++) { // insertion into a small sorted buffer (k is small)
            float v = sim[off + j];
            if (size == k && v <= val[k - 1]) continue;
            int p = size < k ? size++ : k - 1;
            while (p > 0 && val[p - 1] < v) {
                val[p] = val[p - 1];
                idx[p] = idx[p - 1];
                p--;
            }
            val[p] = v;
            idx[p] = j;
        }
        double[] votes = new double[classes];
        for (int i = 0; i < size; i++) votes[trainLabels[idx[i]]] += Math.exp(val[i] / t);
        return votes;
    }
}
