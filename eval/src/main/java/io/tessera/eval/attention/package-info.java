/**
 * Attention analyses of ViT encoders on full, unmasked images: the mean attention distance per block
 * and head in pixels (ViT App. D.7; cls row and column dropped, rows renormalised as naver-ai/cl-vs-mim
 * or kept as sayakpaul/probing-vits), the attention NMI (Park et al. 2023), DINO's last-block cls maps
 * with the mass threshold, attention rollout (Abnar &amp; Zuidema; 0.5·A + 0.5·I, rows renormalised, heads
 * fused by mean, max or min) and Grad-CAM at the last block's norm1 (jacobgil/pytorch-grad-cam).
 *
 * <h2>How</h2>
 * {@link io.tessera.eval.attention.AttentionPass} runs the encoder on a batch and hands each block's
 * probabilities (B, H, T, T) to consumers: {@link io.tessera.eval.attention.AttentionStatistics}
 * (→ {@link io.tessera.eval.attention.AttentionStats}), {@link io.tessera.eval.attention.ClsAttentionMaps},
 * {@link io.tessera.eval.attention.AttentionRollout}. {@link io.tessera.eval.attention.GradCam} records
 * its own tape against a {@link io.tessera.eval.attention.ClassHead} (a supervised ViT's head or a
 * linear head file). Results gather in an {@link io.tessera.eval.attention.AttentionAnalysis}
 * ({@link io.tessera.eval.attention.AttentionJson}: {@code tessera.attention/1}), figures in
 * {@link io.tessera.eval.attention.AttentionFigures} and {@link io.tessera.eval.attention.AttentionImages},
 * the page in {@link io.tessera.eval.attention.AttentionPage}.
 *
 * <pre>{@code
 * PatchGrid grid = PatchGrid.of(encoder.config());
 * AttentionStatistics stats = new AttentionStatistics(grid, depth, heads, RowNormalisation.RENORMALISED);
 * AttentionRollout roll = new AttentionRollout(grid, depth, 8, AttentionRollout.Fusion.MEAN);
 * int first = 0;
 * for (Tensor imgs : batches) { AttentionPass.run(ops, encoder, imgs, first, List.of(stats, roll)); first += imgs.dim(0); }
 * AttentionStats s = stats.result("mae checkpoint-620");            // distance [block][head] in px, NMI
 * List<GradCam.Cam> cams = GradCam.compute(ctx, vit, ClassHead.of(vit), imgs, null);   // top-1 classes
 * }</pre>
 */
package io.tessera.eval.attention;
