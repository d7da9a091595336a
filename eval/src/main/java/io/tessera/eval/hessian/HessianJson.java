package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

// The versioned JSON form of a HessianAnalysis ("schema": "tessera.hessian/1"), written and read
// with the project's strict JSON codec. Every number sits beside the settings, seeds, iteration
// counts, convergence flags and wall time that produced it; eigenvectors are not stored.

/**
 * Writes and reads {@code tessera.hessian/1} documents.
 *
 * <p>Top level: {@code schema}, {@code title}, {@code dimension}, {@code context} (strings), and
 * optional {@code top_eigenvalues}, {@code extremes}, {@code trace}, {@code density},
 * {@code batches} objects, each with its {@code settings}, {@code operator_applications} and
 * {@code wall_seconds}. Doubles are written in Java's shortest round-trip form, so a document read
 * back holds the same bits.
 */
public final class HessianJson {
    /** The schema this class writes and the only one it reads. */
    public static final String SCHEMA = "tessera.hessian/1";

    private HessianJson() {
    }

    /** The analysis as a JSON tree of maps, lists, primitive arrays, numbers, strings and booleans ({@link Json#write}). */
    public static Map<String, Object> toTree(HessianAnalysis a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("title", a.title());
        m.put("dimension", a.dimension());
        m.put("context", new LinkedHashMap<>(a.context()));
        if (a.topEigenvalues() != null) m.put("top_eigenvalues", a.topEigenvalues().toJson());
        if (a.extremes() != null) m.put("extremes", a.extremes().toJson());
        if (a.trace() != null) m.put("trace", a.trace().toJson());
        if (a.density() != null) m.put("density", a.density().toJson());
        if (a.batches() != null) m.put("batches", a.batches().toJson());
        return m;
    }

    /** Compact JSON text. */
    public static String write(HessianAnalysis a) {
        return Json.write(toTree(a));
    }

    /** Writes the JSON text atomically to {@code file}. */
    public static void write(HessianAnalysis a, Path file) throws IOException {
        AtomicFiles.writeString(file, write(a) + "\n");
    }

    /**
     * Reads a {@code tessera.hessian/1} document.
     *
     * @throws IllegalArgumentException on malformed JSON, another schema, or a missing or mistyped field (named)
     */
    public static HessianAnalysis parse(String text) {
        if (!(Json.parse(text) instanceof Map<?, ?> tree)) throw new IllegalArgumentException("Hessian JSON: the document is not an object");
        Object schema = tree.get("schema");
        if (!SCHEMA.equals(schema)) throw new IllegalArgumentException("Hessian JSON: schema is " + schema + ", expected " + SCHEMA);
        JsonFields m = JsonFields.of(tree, null);
        try {
            return new HessianAnalysis(m.string("title"), m.integer("dimension", 0, Integer.MAX_VALUE), m.stringMap("context"),
                    m.has("top_eigenvalues") ? PowerIterationResult.fromJson(m.object("top_eigenvalues")) : null,
                    m.has("extremes") ? ExtremesResult.fromJson(m.object("extremes")) : null,
                    m.has("trace") ? TraceResult.fromJson(m.object("trace")) : null,
                    m.has("density") ? DensityResult.fromJson(m.object("density")) : null,
                    m.has("batches") ? BatchSpectraResult.fromJson(m.object("batches")) : null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Hessian JSON: " + e.getMessage(), e);
        }
    }

    /** Reads a document from a file (UTF-8); errors name the file. */
    public static HessianAnalysis read(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}
