package io.tessera.eval.features;

import io.tessera.nn.VisionTransformer;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

/**
 * Frozen features of a whole dataset: the backbone's pooled features (the cls token after the
 * final norm for MAE-family encoders) in inference mode, batch by batch, gathered into one
 * persistent (N, D) tensor with the labels, in dataset order.
 *
 * @param features (N, D) F32
 * @param labels   N labels
 */
public record Features(Tensor features, int[] labels) {

    /** Extracts features of every sample with the evaluation transform (no augmentation). */
    public static Features extract(ExecutionContext ctx, VisionTransformer encoder, Dataset data, Transform evalTransform, int batch) {
        if (ctx.tape() != null) throw new IllegalStateException("feature extraction runs in inference mode; close the tape first");
        boolean wasTraining = encoder.isTraining();
        encoder.eval();
        int n = data.size(), d = encoder.config().width();
        Tensor out = ctx.allocatePersistent(Shape.of(n, d), DType.F32, false);
        float[] all = new float[n * d];
        int[] labels = new int[n];
        try (Loader loader = new Loader(data, evalTransform, new Rng(0), Loader.Options.eval(batch, 2), ctx.ops())) {
            int row = 0;
            for (Loader.Batch b : loader.epoch(0)) {
                try (Scope s = ctx.openScope()) {
                    float[] f = encoder.features(ctx.ops(), b.images()).toFloatArray();
                    System.arraycopy(f, 0, all, row * d, f.length);
                    int[] l = b.labels().toIntArray();
                    System.arraycopy(l, 0, labels, row, l.length);
                    row += l.length;
                }
            }
            if (row != n) throw new IllegalStateException("feature extraction saw " + row + " of " + n + " samples");
        } finally {
            encoder.train(wasTraining);
        }
        ctx.backend().write(out, all);
        return new Features(out, labels);
    }
}
