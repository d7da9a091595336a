// The versioned result file of every downstream evaluation (linear probe, fine-tune, k-NN,
// occlusion): "schema": "tessera.eval/1", what was evaluated (source), on which data, with which
// settings and seeds, per-epoch numbers and the final results. Written atomically; NaN never appears.
package io.tessera.eval.downstream;

import io.tessera.nn.checkpoint.Json;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code tessera.eval/1} document. Top level: {@code schema}, {@code kind} (linear-probe,
 * finetune, knn, occlusion), {@code source} (checkpoint, its weights' SHA-256, method, role, model),
 * {@code data} (spec, splits, sizes, classes, normalisation), {@code settings}, {@code seeds},
 * {@code epochs} (a list of {@link EpochRecord} objects; empty for k-NN and occlusion),
 * {@code results} and {@code run} (device, wall time).
 */
public record EvalReport(String kind, Map<String, Object> source, Map<String, Object> data, Map<String, Object> settings,
                         Map<String, Object> seeds, List<EpochRecord> epochs, Map<String, Object> results, Map<String, Object> run) {
    /** The schema this record writes. */
    public static final String SCHEMA = "tessera.eval/1";

    public EvalReport {
        if (kind == null || kind.isBlank()) throw new IllegalArgumentException("an evaluation report needs a kind");
        source = frozen(source);
        data = frozen(data);
        settings = frozen(settings);
        seeds = frozen(seeds);
        epochs = List.copyOf(epochs);
        results = frozen(results);
        run = frozen(run);
    }

    /** The JSON tree; the keys of each section are sorted, so documents diff cleanly. */
    public Map<String, Object> toTree() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("kind", kind);
        m.put("source", sorted(source));
        m.put("data", sorted(data));
        m.put("settings", sorted(settings));
        m.put("seeds", sorted(seeds));
        List<Object> e = new ArrayList<>();
        for (EpochRecord r : epochs) e.add(r.toMap());
        m.put("epochs", e);
        m.put("results", sorted(results));
        m.put("run", sorted(run));
        return m;
    }

    /** Writes the document atomically to {@code file}. */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, Json.write(toTree()) + "\n");
    }

    /** An unmodifiable copy that keeps null values (JSON null for an absent number). */
    private static Map<String, Object> frozen(Map<String, Object> m) {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    private static Map<String, Object> sorted(Map<String, Object> m) {
        return new java.util.TreeMap<>(m);
    }
}
