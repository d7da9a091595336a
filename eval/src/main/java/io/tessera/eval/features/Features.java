package io.tessera.eval.features;

import io.tessera.eval.downstream.FeatureSet;
import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

/**
 * Frozen features of a whole dataset: the backbone's pooled features (the cls token after the
 * final norm for MAE-family encoders) in inference mode, batch by batch, gathered into one
 * persistent (N, D) tensor with the labels, in dataset order. A thin tensor view of
 * {@link FeatureSet#extract}, which does the work.
 *
 * @param features (N, D) F32
 * @param labels   N labels
 */
public record Features(Tensor features, int[] labels) {

    /** Extracts features of every sample with the evaluation transform (no augmentation). */
    public static Features extract(ExecutionContext ctx, VisionTransformer encoder, Dataset data, Transform evalTransform, int batch) {
        Pooling own = encoder.config().pooling() == VitConfig.Pooling.CLS ? Pooling.CLS : Pooling.AVG; // the encoder's own pooling
        FeatureSet f = FeatureSet.extract(ctx, encoder, own, data, evalTransform, batch, 2, ProgressListener.NONE, "features");
        Tensor out = ctx.allocatePersistent(Shape.of(f.rows(), f.dim()), DType.F32, false);
        ctx.backend().write(out, f.values());
        return new Features(out, f.labels());
    }
}
