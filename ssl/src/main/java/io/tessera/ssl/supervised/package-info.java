/**
 * The supervised ViT baseline under the pre-training method contract:
 * {@link io.tessera.ssl.supervised.SupervisedMethod} trains a ViT classifier with label-smoothed
 * cross-entropy on the batch labels (the "Sup-ViT" of the loss-landscape comparison).
 *
 * <p>Typical use: {@code new SupervisedMethod(VisionTransformer.create(ctx, VitConfig.tiny32().withClasses(10), DType.F32))}.
 */
package io.tessera.ssl.supervised;
