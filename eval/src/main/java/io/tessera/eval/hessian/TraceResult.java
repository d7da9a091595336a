package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.LinkedHashMap;
import java.util.Map;

// The outcome of HutchinsonTrace: every sample vᵀHv, their mean (the trace estimate), its
// standard error, and whether the relative-change rule stopped the loop before maxIter.

/**
 * Hutchinson samples and their summary.
 *
 * @param samples       s₁..s_N = vᵢᵀHvᵢ in draw order
 * @param mean          (1/N)·Σ sᵢ, the trace estimate
 * @param standardError sd/√N with the N − 1 sample standard deviation
 * @param converged     whether the relative-change rule stopped the loop (false: maxIter was reached)
 */
public record TraceResult(HutchinsonTrace.Settings settings, int dimension, double[] samples, double mean, double standardError,
                          boolean converged, long operatorApplications, double wallSeconds) {
    public TraceResult {
        if (samples.length < 2) throw new IllegalArgumentException("trace result: needs at least 2 samples, got " + samples.length);
        Checks.finite("trace samples", samples);
        Checks.finite("trace mean", mean);
        Checks.finite("trace standard error", standardError);
    }

    /** Summarises the samples: mean and standard error of the mean. */
    static TraceResult of(HutchinsonTrace.Settings settings, int dimension, double[] samples, boolean converged,
                          long applications, double wallSeconds) {
        int n = samples.length;
        double mean = 0;
        for (double s : samples) mean += s;
        mean /= n;
        double ss = 0;
        for (double s : samples) ss += (s - mean) * (s - mean);
        double se = Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
        return new TraceResult(settings, dimension, samples, mean, se, converged, applications, wallSeconds);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", "Hutchinson, Rademacher probes");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("max_iter", settings.maxIter());
        s.put("tol", settings.tol());
        s.put("min_samples", settings.minSamples());
        s.put("seed", settings.seed());
        m.put("settings", s);
        m.put("dimension", dimension);
        m.put("trace", mean);
        m.put("standard_error", standardError);
        m.put("samples_used", samples.length);
        m.put("converged", converged);
        m.put("samples", samples);
        m.put("operator_applications", operatorApplications);
        m.put("wall_seconds", wallSeconds);
        return m;
    }

    static TraceResult fromJson(JsonFields m) {
        JsonFields s = m.object("settings");
        HutchinsonTrace.Settings settings = new HutchinsonTrace.Settings(s.integer("max_iter", 0, Integer.MAX_VALUE), s.real("tol"),
                s.integer("min_samples", 0, Integer.MAX_VALUE), s.longInteger("seed"));
        return new TraceResult(settings, m.integer("dimension", 0, Integer.MAX_VALUE), m.doubles("samples"), m.real("trace"),
                m.real("standard_error"), m.bool("converged"), m.longInteger("operator_applications", 0, Long.MAX_VALUE),
                m.real("wall_seconds"));
    }
}
