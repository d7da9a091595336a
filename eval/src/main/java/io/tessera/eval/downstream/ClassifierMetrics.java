// Test-set metrics of a classifier: mean cross-entropy and top-1/top-5 over a whole dataset, batch
// by batch in inference mode (MAE's engine_finetune.evaluate). The transform decides what the
// classifier sees (evaluation geometry, an occlusion, the normalisation).
package io.tessera.eval.downstream;

import io.tessera.eval.hessian.ProgressListener;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;

/**
 * @param loss    mean cross-entropy over the samples
 * @param top1    top-1 accuracy in [0, 1]
 * @param top5    top-5 accuracy in [0, 1]
 * @param samples N
 */
public record ClassifierMetrics(double loss, double top1, double top5, long samples) {

    /** Evaluates {@code classifier} on every sample of {@code data} seen through {@code transform}. */
    public static ClassifierMetrics evaluate(ExecutionContext ctx, Classifier classifier, Dataset data, Transform transform, int batch,
                                             ProgressListener progress, String stage) {
        if (ctx.tape() != null) throw new IllegalStateException("evaluation runs in inference mode; close the tape first");
        requireCompatible(classifier, data);
        TopK acc = new TopK();
        double lossSum = 0;
        try (Loader loader = new Loader(data, transform, new Rng(0), Loader.Options.eval(batch, 2), ctx.ops())) {
            int done = 0, total = loader.batchesPerEpoch();
            for (Loader.Batch b : loader.epoch(0)) {
                try (Scope s = ctx.openScope()) {
                    Tensor logits = classifier.logits(ctx.ops(), b.images());
                    double loss = ctx.ops().crossEntropy(logits, b.labels(), 0).item();
                    if (!Double.isFinite(loss)) throw new IllegalStateException(stage + ": non-finite test loss " + loss + " in batch " + done);
                    lossSum += loss * b.labels().size();
                    acc.add(logits.toFloatArray(), b.labels().toIntArray(), classifier.classes());
                }
                progress.step(stage, ++done, total);
            }
        }
        return new ClassifierMetrics(lossSum / acc.samples(), acc.top1(), acc.top5(), acc.samples());
    }

    /** Refuses data whose images or class count do not fit the classifier, naming both. */
    public static void requireCompatible(Classifier c, Dataset data) {
        var in = c.input();
        if (data.channels() != in.inChannels() || data.height() != in.imageSize() || data.width() != in.imageSize()) {
            throw new IllegalArgumentException(data.name() + " has " + data.shapeString() + " images; the classifier takes "
                    + in.inChannels() + "×" + in.imageSize() + "×" + in.imageSize());
        }
        if (data.numClasses() != c.classes()) {
            throw new IllegalArgumentException(data.name() + " has " + data.numClasses() + " classes; the classifier's head has " + c.classes());
        }
    }
}
