// Frozen pooled features of a whole dataset, held on the host: the cache a linear probe trains on and
// the bank k-NN searches. Extracted once in inference mode with the evaluation transform, in dataset
// order; not an augmentation pipeline.
package io.tessera.eval.downstream;

import io.tessera.eval.hessian.ProgressListener;
import io.tessera.nn.VisionTransformer;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;

/**
 * @param values (N, D) row-major
 * @param labels N labels
 * @param dim    D
 */
public record FeatureSet(float[] values, int[] labels, int dim) {
    public FeatureSet {
        if (dim < 1 || values.length != (long) labels.length * dim) {
            throw new IllegalArgumentException("features: " + values.length + " values for " + labels.length + " rows of " + dim);
        }
        for (float v : values) {
            if (!Float.isFinite(v)) throw new IllegalStateException("features hold a non-finite value " + v);
        }
    }

    /** N. */
    public int rows() {
        return labels.length;
    }

    /** The features as an (N, D) F32 tensor of the context. */
    public Tensor tensor(Ops ops) {
        return ops.tensor(values, rows(), dim);
    }

    /**
     * pool(encoder(t(x))) for every sample, in inference mode with the encoder in evaluation mode;
     * reports "{@code stage} done/total" batches to {@code progress}.
     */
    public static FeatureSet extract(ExecutionContext ctx, VisionTransformer encoder, Pooling pooling, Dataset data, Transform evalTransform,
                                     int batch, int workers, ProgressListener progress, String stage) {
        if (ctx.tape() != null) throw new IllegalStateException("feature extraction runs in inference mode; close the tape first");
        boolean wasTraining = encoder.isTraining();
        encoder.eval();
        int n = data.size(), d = encoder.config().width();
        float[] all = new float[Math.multiplyExact(n, d)];
        int[] labels = new int[n];
        try (Loader loader = new Loader(data, evalTransform, new Rng(0), Loader.Options.eval(batch, workers), ctx.ops())) {
            int row = 0, done = 0, total = loader.batchesPerEpoch();
            for (Loader.Batch b : loader.epoch(0)) {
                try (Scope s = ctx.openScope()) {
                    float[] f = pooling.features(ctx.ops(), encoder, b.images()).toFloatArray();
                    System.arraycopy(f, 0, all, row * d, f.length);
                    int[] l = b.labels().toIntArray();
                    System.arraycopy(l, 0, labels, row, l.length);
                    row += l.length;
                }
                progress.step(stage, ++done, total);
            }
            if (row != n) throw new IllegalStateException("feature extraction saw " + row + " of " + n + " samples");
        } finally {
            encoder.train(wasTraining);
        }
        return new FeatureSet(all, labels, d);
    }
}
