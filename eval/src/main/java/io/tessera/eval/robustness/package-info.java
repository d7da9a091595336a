/**
 * Occlusion robustness of a trained classifier (spec analysis §5.4): {@link io.tessera.eval.robustness.Occlusion}
 * hides a centred box of a given fraction of the image, or a random subset of the model's patches
 * (PatchDrop, Naseer et al. 2021), before normalisation; {@link io.tessera.eval.robustness.OcclusionSweep}
 * measures top-1/top-5 against the ratio; {@link io.tessera.eval.robustness.OcclusionFigure} draws it.
 * The seed papers do not publish their centre-occlusion protocol; this one is recorded in the JSON.
 */
package io.tessera.eval.robustness;
