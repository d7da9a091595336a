package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.LinkedHashMap;
import java.util.Map;

// The outcome of one Lanczos run for extreme eigenvalues: every Ritz value of T with its
// residual bound, the restarts and the cost. Ritz vectors stay in memory only; the JSON form
// (tessera.hessian/1, see HessianJson) leaves them out.

/**
 * Ritz values of an m-step Lanczos run.
 *
 * @param ritzValues           θ₁ ≤ … ≤ θ_m, ascending
 * @param residuals            β_m·|e_mᵀsᵢ| for each θᵢ: ‖H·yᵢ − θᵢ·yᵢ‖ in exact arithmetic, so an
 *                             eigenvalue of H lies within that distance of θᵢ
 * @param restarts             times β fell to 0 and a fresh random direction was taken
 * @param operatorApplications Hessian-vector products (= m)
 * @param ritzVectors          top-k unit Ritz vectors, largest first (k × n), or empty; not copied
 */
public record LanczosResult(Lanczos.Settings settings, int dimension, double[] ritzValues, double[] residuals,
                            int restarts, long operatorApplications, double wallSeconds, double[][] ritzVectors) {
    public LanczosResult {
        int m = settings.steps();
        if (ritzValues.length != m || residuals.length != m) {
            throw new IllegalArgumentException("Lanczos result: expected " + m + " Ritz values and residuals, got "
                    + ritzValues.length + " and " + residuals.length);
        }
        if (ritzVectors.length != 0 && ritzVectors.length != settings.topK()) {
            throw new IllegalArgumentException("Lanczos result: expected " + settings.topK() + " Ritz vectors or none, got " + ritzVectors.length);
        }
        Checks.finite("Lanczos Ritz values", ritzValues);
        Checks.finite("Lanczos residuals", residuals);
        for (int i = 1; i < m; i++) {
            if (ritzValues[i] < ritzValues[i - 1]) throw new IllegalArgumentException("Lanczos result: Ritz values must be ascending, entry " + i);
        }
    }

    /** The k = settings.topK() largest Ritz values, largest first. */
    public double[] topRitzValues() {
        int k = settings.topK(), m = ritzValues.length;
        double[] top = new double[k];
        for (int i = 0; i < k; i++) top[i] = ritzValues[m - 1 - i];
        return top;
    }

    /** Residual bounds of {@link #topRitzValues()}, in the same order. */
    public double[] topResiduals() {
        int k = settings.topK(), m = residuals.length;
        double[] top = new double[k];
        for (int i = 0; i < k; i++) top[i] = residuals[m - 1 - i];
        return top;
    }

    /** λmax ≈ θ_m, the largest Ritz value. */
    public double lambdaMax() {
        return ritzValues[ritzValues.length - 1];
    }

    /** λmin ≈ θ₁, the smallest Ritz value. */
    public double lambdaMin() {
        return ritzValues[0];
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", "Lanczos with full re-orthogonalisation");
        m.put("settings", settingsJson(settings));
        m.put("dimension", dimension);
        m.put("lambda_max", lambdaMax());
        m.put("lambda_min", lambdaMin());
        m.put("ritz_values", ritzValues);
        m.put("residuals", residuals);
        m.put("restarts", restarts);
        m.put("operator_applications", operatorApplications);
        m.put("wall_seconds", wallSeconds);
        return m;
    }

    static LanczosResult fromJson(JsonFields m) {
        return new LanczosResult(settingsFromJson(m.object("settings")), m.integer("dimension", 0, Integer.MAX_VALUE),
                m.doubles("ritz_values"), m.doubles("residuals"), m.integer("restarts", 0, Integer.MAX_VALUE),
                m.longInteger("operator_applications", 0, Long.MAX_VALUE), m.real("wall_seconds"), new double[0][]);
    }

    static Map<String, Object> settingsJson(Lanczos.Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steps", s.steps());
        m.put("top_k", s.topK());
        m.put("ritz_vectors", s.ritzVectors());
        m.put("storage", s.storage().name());
        m.put("seed", s.seed());
        return m;
    }

    static Lanczos.Settings settingsFromJson(JsonFields m) {
        return new Lanczos.Settings(m.integer("steps", 0, Integer.MAX_VALUE), m.integer("top_k", 0, Integer.MAX_VALUE), m.bool("ritz_vectors"),
                m.constant("storage", BasisStorage.class), m.longInteger("seed"));
    }
}
