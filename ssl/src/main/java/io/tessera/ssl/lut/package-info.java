/**
 * LUT — Learning with Unmasked Tokens (Kim, Chun, Heo, Han, ECCV 2024): an online MAE with a
 * projector {@code head} and a {@code predictor} ({@link io.tessera.ssl.lut.ProjectionMlp},
 * official names {@code head.0/1/3}, {@code predictor.0/1/3}), a momentum target that is an
 * EMA copy of the whole online network, BatchNorm buffers included, kept in eval mode,
 * two-view masking with disjoint visible sets ({@link io.tessera.ssl.lut.LutMasking}) and the
 * cross-view loss L = w_mae·L_mae + λ·½[d(q₂, k₁) + d(q₁, k₂)], d = 2 − 2·cos.
 *
 * <p>Typical use: {@code Lut lut = Lut.create(ctx, LutConfig.base(), DType.F32);}
 * {@code new LutMethod(lut, MomentumSchedule.cosine(0.996, totalIterations))} under the trainer,
 * with batches carrying the colour-augmented second view. Fine-tuning uses the online weights.
 */
package io.tessera.ssl.lut;
