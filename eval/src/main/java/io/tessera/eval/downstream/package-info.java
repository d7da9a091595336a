/**
 * What the downstream evaluations share: feature pooling of a frozen ViT
 * ({@link io.tessera.eval.downstream.Pooling}: MAE's cls token or the parameter-free LayerNorm of the
 * patch mean), features cached once ({@link io.tessera.eval.downstream.FeatureSet}), encoder weights
 * moved by name into a standalone copy or a fine-tuning model ({@link io.tessera.eval.downstream.WeightTransfer}),
 * the JSON form of a {@code VitConfig} ({@link io.tessera.eval.downstream.EncoderSpec}), the
 * {@link io.tessera.eval.downstream.Classifier} contract with test metrics
 * ({@link io.tessera.eval.downstream.ClassifierMetrics}, {@link io.tessera.eval.downstream.TopK}),
 * and the outputs: {@link io.tessera.eval.downstream.EvalReport} ({@code "schema": "tessera.eval/1"},
 * per-epoch {@link io.tessera.eval.downstream.EpochRecord}s) and {@link io.tessera.eval.downstream.AccuracyCurves}.
 *
 * <pre>{@code
 * VisionTransformer encoder = WeightTransfer.standalone(ctx, mae.encoder());      // frozen copy in its own store
 * FeatureSet train = FeatureSet.extract(ctx, encoder, Pooling.CLS, trainData, Normalize.fashionMnist(), 128, 2,
 *         ProgressListener.NONE, "train features");
 * }</pre>
 */
package io.tessera.eval.downstream;
