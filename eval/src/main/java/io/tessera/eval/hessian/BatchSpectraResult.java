package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

// The outcome of BatchSpectra: each mini-batch's power iteration (eigenvalues, iterations,
// convergence; no eigenvectors) and the histogram of all their top-k eigenvalues.

/**
 * Per-batch top-k eigenvalues.
 *
 * @param perBatch  one power-iteration result per batch, in batch order (eigenvectors dropped)
 * @param histogram the distribution of all B·k eigenvalues
 */
public record BatchSpectraResult(BatchSpectra.Settings settings, List<PowerIterationResult> perBatch, Histogram histogram,
                                 double wallSeconds) {
    public BatchSpectraResult {
        perBatch = List.copyOf(perBatch);
        if (perBatch.isEmpty()) throw new IllegalArgumentException("batch spectra result: no batches");
        if (histogram == null) throw new IllegalArgumentException("batch spectra result: histogram is null");
    }

    /** Every eigenvalue, batch-major: batch 0's λ₁..λ_k, then batch 1's, … */
    public double[] values() {
        int k = settings.power().topK();
        double[] v = new double[perBatch.size() * k];
        for (int b = 0; b < perBatch.size(); b++) System.arraycopy(perBatch.get(b).eigenvalues(), 0, v, b * k, k);
        return v;
    }

    /** λ₁ of each batch. */
    public double[] topValues() {
        double[] v = new double[perBatch.size()];
        for (int b = 0; b < v.length; b++) v[b] = perBatch.get(b).top();
        return v;
    }

    /** Batches whose every eigenvalue converged. */
    public int convergedBatches() {
        int c = 0;
        for (PowerIterationResult r : perBatch) if (r.allConverged()) c++;
        return c;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", "per-mini-batch top-k power iteration");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("power", PowerIterationResult.settingsJson(settings.power()));
        s.put("bins", settings.bins());
        s.put("seed_rule", "batch b uses power.seed + b");
        m.put("settings", s);
        m.put("batches", perBatch.size());
        m.put("converged_batches", convergedBatches());
        List<Object> pb = new ArrayList<>();
        for (PowerIterationResult r : perBatch) pb.add(r.toJson());
        m.put("per_batch", pb);
        m.put("histogram", histogram.toJson());
        m.put("wall_seconds", wallSeconds);
        return m;
    }

    static BatchSpectraResult fromJson(JsonFields m) {
        JsonFields s = m.object("settings");
        BatchSpectra.Settings settings = new BatchSpectra.Settings(PowerIterationResult.settingsFromJson(s.object("power")),
                s.integer("bins", 0, Integer.MAX_VALUE));
        List<PowerIterationResult> pb = new ArrayList<>();
        for (JsonFields r : m.objects("per_batch")) pb.add(PowerIterationResult.fromJson(r));
        return new BatchSpectraResult(settings, pb, Histogram.fromJson(m.object("histogram")), m.real("wall_seconds"));
    }
}
