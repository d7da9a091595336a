package io.tessera.eval.spectrum;

// The versioned JSON form of a SpectrumAnalysis ("schema": "tessera.spectrum/1"), written with the
// project's strict JSON codec (no NaN) and read back with the same field checks. Doubles are written
// in Java's shortest round-trip form, so a document read back holds the same bits.

import io.tessera.eval.report.JsonReader;
import io.tessera.nn.checkpoint.Json;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes and reads {@code tessera.spectrum/1}: {@code schema}, {@code title}, {@code context}
 * (strings) and {@code spectra}, each with label, layer, pooling, samples, dim, epsilon, window,
 * rankme, matrix_entropy_rank, total_variance, numerical_rank, alpha_req (alpha, intercept, r2, from,
 * to; or null with alpha_req_note), covariance_eigenvalues and singular_values.
 */
public final class SpectrumJson {
    /** The schema this class writes and the only one it reads. */
    public static final String SCHEMA = "tessera.spectrum/1";
    private static final JsonReader READ = new JsonReader("spectrum JSON");

    private SpectrumJson() {
    }

    public static Map<String, Object> toTree(SpectrumAnalysis a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("title", a.title());
        m.put("context", new LinkedHashMap<>(a.context()));
        List<Object> s = new ArrayList<>();
        for (SpectrumResult r : a.spectra()) s.add(r.toJson());
        m.put("spectra", s);
        return m;
    }

    public static String write(SpectrumAnalysis a) {
        return Json.write(toTree(a));
    }

    /** Writes the document atomically. */
    public static void write(SpectrumAnalysis a, Path file) throws IOException {
        AtomicFiles.writeString(file, write(a) + "\n");
    }

    /** Reads a {@code tessera.spectrum/1} document; a wrong schema or a missing field is named. */
    public static SpectrumAnalysis parse(String text) {
        Map<?, ?> m = READ.document(Json.parse(text), SCHEMA);
        Map<String, String> context = new LinkedHashMap<>();
        READ.object(m, "context").forEach((k, v) -> context.put(String.valueOf(k), String.valueOf(v)));
        List<SpectrumResult> spectra = new ArrayList<>();
        for (Map<?, ?> o : READ.objects(m, "spectra")) spectra.add(SpectrumResult.fromJson(o));
        return new SpectrumAnalysis(READ.string(m, "title"), context, spectra);
    }
}
