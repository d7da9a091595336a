package io.tessera.eval.spectrum;

// A run of the spectrum analysis: the spectra of one or more encoders (checkpoints) and layers on the
// same images, with the settings that decided them as strings (data, images, seeds, device).

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spectra to compare.
 *
 * @param title   a one-line title
 * @param context what was analysed and how (shown on the page, written to JSON)
 * @param spectra one per (encoder, layer), in the order computed
 */
public record SpectrumAnalysis(String title, Map<String, String> context, List<SpectrumResult> spectra) {
    public SpectrumAnalysis {
        if (title == null || context == null || spectra == null || spectra.isEmpty()) throw new IllegalArgumentException("a spectrum analysis needs a title, context and at least one spectrum");
        context = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(context));
        spectra = List.copyOf(spectra);
    }

    /** The spectra of one layer (one per encoder). */
    public List<SpectrumResult> atLayer(FeatureLayer layer) {
        return spectra.stream().filter(s -> s.layer().equals(layer)).toList();
    }

    /** The layers present, in order. */
    public List<FeatureLayer> layers() {
        return spectra.stream().map(SpectrumResult::layer).distinct().sorted().toList();
    }
}
