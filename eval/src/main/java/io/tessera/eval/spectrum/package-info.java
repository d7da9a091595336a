/**
 * Spectra of an encoder's representations: the centred covariance spectrum (Jing et al., ICLR 2022,
 * the "singular value spectrum" LUT reports), RankMe (Garrido et al., ICML 2023) with its σ² variant
 * named apart, and α-ReQ (Agrawal et al., NeurIPS 2022) with R², on features of any block or of the
 * encoder output, pooled from the cls token or the mean of the patch tokens.
 *
 * <h2>How</h2>
 * {@link io.tessera.eval.spectrum.LayerFeatures} runs the encoder on full, unmasked images batch by
 * batch and feeds each layer's (B, K) features into a {@link io.tessera.eval.spectrum.GramAccumulator}
 * (double ZᵀZ and column sums; the N×K matrix is never held). {@link io.tessera.eval.spectrum.FeatureSpectrum}
 * then takes two K×K symmetric eigendecompositions with EJML — of ZᵀZ (σ_k = sqrt λ_k, for RankMe)
 * and of C = (ZᵀZ − N·z̄z̄ᵀ)/N — and {@link io.tessera.eval.spectrum.AlphaFit} fits the power law.
 *
 * <pre>{@code
 * LayerFeatures f = new LayerFeatures(encoder, FeatureLayer.parseList("final,0", depth), TokenPooling.CLS);
 * for (Tensor imgs : batches) f.add(ops, imgs);
 * List<SpectrumResult> s = f.spectra("mae checkpoint-620", FeatureSpectrum.Settings.defaults());
 * SpectrumAnalysis a = new SpectrumAnalysis("spectra", context, s);
 * SpectrumJson.write(a, dir.resolve("spectrum.json"));        // tessera.spectrum/1
 * SpectrumFigures.writeAll(a, dir);                            // PNG + SVG
 * SpectrumPage.write(a, dir.resolve("spectrum.html"));
 * }</pre>
 */
package io.tessera.eval.spectrum;
