/**
 * SimMIM (Xie et al., CVPR 2022) on this project's ViT — mask token in place of masked patch
 * embeddings, coarse-grid random mask ({@link io.tessera.ssl.simmim.SimMimMasking}), per-token
 * Linear pixel decoder, L1 on masked pixels — and LUT applied to SimMIM
 * ({@link io.tessera.ssl.simmim.LutSimMim}), whose recipe is an inference, UNVERIFIED against
 * the LUT paper. The ViT here has an absolute sin-cos position table where the official ViT-B
 * SimMIM uses a shared relative position bias; see {@link io.tessera.ssl.simmim.SimMim}.
 *
 * <p>Typical use: {@code new SimMimMethod(SimMim.create(ctx, SimMimConfig.base(), DType.F32))}.
 */
package io.tessera.ssl.simmim;
