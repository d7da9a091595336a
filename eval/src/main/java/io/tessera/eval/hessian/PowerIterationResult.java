package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.LinkedHashMap;
import java.util.Map;

// The outcome of PowerIteration (PyHessian eigenvalues): every eigenvalue with the settings,
// iterations, convergence and cost that produced it. Eigenvectors stay in memory only; the
// JSON form (tessera.hessian/1, see HessianJson) leaves them out.

/**
 * Top-k eigenvalues by power iteration, in the order found.
 *
 * @param dimension            n
 * @param eigenvalues          λ₁..λ_k (largest magnitude first, as deflation found them)
 * @param iterations           operator applications spent on each eigenvalue
 * @param converged            whether each met the relative-change tolerance within maxIter
 * @param relativeChanges      the last |λ − λ_prev| / (|λ_prev| + 1e-6) of each
 * @param operatorApplications Hessian-vector products in total
 * @param wallSeconds          elapsed time
 * @param eigenvectors         unit eigenvectors (k × n), or an empty array when read from JSON;
 *                             arrays are not copied
 */
public record PowerIterationResult(PowerIteration.Settings settings, int dimension, double[] eigenvalues,
                                   int[] iterations, boolean[] converged, double[] relativeChanges,
                                   long operatorApplications, double wallSeconds, double[][] eigenvectors) {
    public PowerIterationResult {
        int k = settings.topK();
        if (eigenvalues.length != k || iterations.length != k || converged.length != k || relativeChanges.length != k) {
            throw new IllegalArgumentException("power iteration result: expected " + k + " eigenvalues, iterations, flags and changes, got "
                    + eigenvalues.length + ", " + iterations.length + ", " + converged.length + ", " + relativeChanges.length);
        }
        if (eigenvectors.length != 0 && eigenvectors.length != k) {
            throw new IllegalArgumentException("power iteration result: expected " + k + " eigenvectors or none, got " + eigenvectors.length);
        }
        Checks.finite("power iteration eigenvalues", eigenvalues);
        Checks.finite("power iteration relative changes", relativeChanges);
    }

    /** The largest-magnitude eigenvalue λ₁. */
    public double top() {
        return eigenvalues[0];
    }

    /** True when every eigenvalue converged. */
    public boolean allConverged() {
        for (boolean c : converged) if (!c) return false;
        return true;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", "power iteration with deflation");
        m.put("settings", settingsJson(settings));
        m.put("dimension", dimension);
        m.put("eigenvalues", eigenvalues);
        m.put("iterations", iterations);
        m.put("converged", converged);
        m.put("relative_changes", relativeChanges);
        m.put("operator_applications", operatorApplications);
        m.put("wall_seconds", wallSeconds);
        return m;
    }

    static PowerIterationResult fromJson(JsonFields m) {
        return new PowerIterationResult(settingsFromJson(m.object("settings")), m.integer("dimension", 0, Integer.MAX_VALUE),
                m.doubles("eigenvalues"), m.ints("iterations", 0, Integer.MAX_VALUE), m.booleans("converged"),
                m.doubles("relative_changes"), m.longInteger("operator_applications", 0, Long.MAX_VALUE),
                m.real("wall_seconds"), new double[0][]);
    }

    static Map<String, Object> settingsJson(PowerIteration.Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("top_k", s.topK());
        m.put("max_iter", s.maxIter());
        m.put("tol", s.tol());
        m.put("seed", s.seed());
        m.put("stop", JsonFields.choiceName(s.stop()));
        return m;
    }

    static PowerIteration.Settings settingsFromJson(JsonFields m) {
        PowerIteration.Stop stop = m.has("stop") ? m.choice("stop", PowerIteration.Stop.class) : PowerIteration.Stop.RELATIVE_CHANGE;
        return new PowerIteration.Settings(m.integer("top_k", 0, Integer.MAX_VALUE), m.integer("max_iter", 0, Integer.MAX_VALUE),
                m.real("tol"), m.longInteger("seed"), stop);
    }
}
