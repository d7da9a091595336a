package io.tessera.eval.spectrum;

// The spectrum of one encoder layer's features: what it was computed on (label, layer, pooling,
// N, K, settings), the sorted covariance eigenvalues (Jing et al.), the singular values of the
// uncentred features, RankMe and its σ² variant, and the α-ReQ fit or why there is none.

import io.tessera.eval.report.JsonReader;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One feature spectrum.
 *
 * @param label              what the features come from (e.g. "rcmae checkpoint-620 (teacher)")
 * @param layer              the layer the tokens were read at
 * @param pooling            cls token or mean of patch tokens
 * @param samples            N
 * @param dim                K
 * @param covariance         eigenvalues of C = (ZᵀZ − N·z̄z̄ᵀ)/N, descending (K; values at rounding level may be ≤ 0)
 * @param singularValues     σ_k = sqrt(max(λ_k(ZᵀZ), 0)) of the uncentred Z, descending (min(N, K))
 * @param rankMe             exp(−Σ p ln p), p_k = σ_k/‖σ‖₁ + ε (Garrido et al.)
 * @param matrixEntropyRank  exp(−Σ p ln p), p_k = σ_k²/Σσ² + ε (matrix entropy of ZᵀZ/tr)
 * @param settings           ε and the α-ReQ window
 * @param alpha              the α-ReQ fit, or null
 * @param alphaNote          why there is no fit (null when there is one)
 */
public record SpectrumResult(String label, FeatureLayer layer, TokenPooling pooling, long samples, int dim, double[] covariance,
                             double[] singularValues, double rankMe, double matrixEntropyRank, FeatureSpectrum.Settings settings,
                             AlphaFit alpha, String alphaNote) {
    private static final JsonReader READ = new JsonReader("spectrum JSON");

    public SpectrumResult {
        if (label == null || layer == null || pooling == null || settings == null) throw new IllegalArgumentException("a spectrum needs a label, layer, pooling and settings");
        if (samples < 2 || dim < 1) throw new IllegalArgumentException("spectrum of " + samples + " vectors of width " + dim + ": need N ≥ 2, K ≥ 1");
        if (covariance.length != dim) throw new IllegalArgumentException("spectrum: " + covariance.length + " covariance eigenvalues for width " + dim);
        if (singularValues.length != Math.min(samples, dim)) {
            throw new IllegalArgumentException("spectrum: " + singularValues.length + " singular values for N " + samples + ", K " + dim);
        }
        for (double v : covariance) if (!Double.isFinite(v)) throw new IllegalArgumentException("spectrum: covariance eigenvalue " + v + " is not finite");
        for (double v : singularValues) if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException("spectrum: singular value " + v + " is not finite and ≥ 0");
        if (!(rankMe >= 1 - 1e-9 && Double.isFinite(rankMe)) || !(matrixEntropyRank >= 1 - 1e-9 && Double.isFinite(matrixEntropyRank))) {
            throw new IllegalArgumentException("spectrum: effective ranks " + rankMe + ", " + matrixEntropyRank + " must be finite and ≥ 1");
        }
        if ((alpha == null) == (alphaNote == null)) throw new IllegalArgumentException("spectrum: give either an α-ReQ fit or the reason there is none");
        covariance = covariance.clone();
        singularValues = singularValues.clone();
    }

    /** Σλ(C), the total variance. */
    public double totalVariance() {
        double s = 0;
        for (double v : covariance) s += v;
        return s;
    }

    /** The eigenvalues above rounding (see {@link AlphaFit#zeroTolerance}). */
    public int numericalRank() {
        double tol = AlphaFit.zeroTolerance(covariance);
        int r = 0;
        while (r < covariance.length && covariance[r] > tol) r++;
        return r;
    }

    @Override
    public double[] covariance() {
        return covariance.clone();
    }

    @Override
    public double[] singularValues() {
        return singularValues.clone();
    }

    /** The JSON object of this spectrum. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", label);
        m.put("layer", layer.label());
        m.put("pooling", pooling.label());
        m.put("samples", samples);
        m.put("dim", (long) dim);
        m.put("epsilon", settings.epsilon());
        m.put("window", Map.of("from", (long) settings.window().from(), "to", (long) settings.window().to()));
        m.put("rankme", rankMe);
        m.put("matrix_entropy_rank", matrixEntropyRank);
        m.put("total_variance", totalVariance());
        m.put("numerical_rank", (long) numericalRank());
        if (alpha != null) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("alpha", alpha.alpha());
            a.put("intercept", alpha.intercept());
            a.put("r2", alpha.r2());
            a.put("from", (long) alpha.from());
            a.put("to", (long) alpha.to());
            m.put("alpha_req", a);
        } else {
            m.put("alpha_req", null);
            m.put("alpha_req_note", alphaNote);
        }
        m.put("covariance_eigenvalues", JsonReader.list(covariance));
        m.put("singular_values", JsonReader.list(singularValues));
        return m;
    }

    /** Reads an object written by {@link #toJson}. */
    public static SpectrumResult fromJson(Map<?, ?> m) {
        Map<?, ?> w = READ.object(m, "window");
        AlphaFit.Window window = new AlphaFit.Window(READ.int32(w, "from"), READ.int32(w, "to"));
        FeatureSpectrum.Settings s = new FeatureSpectrum.Settings(READ.number(m, "epsilon"), window);
        Map<?, ?> a = READ.optionalObject(m, "alpha_req");
        AlphaFit fit = a == null ? null : new AlphaFit(READ.number(a, "alpha"), READ.number(a, "intercept"), READ.number(a, "r2"),
                READ.int32(a, "from"), READ.int32(a, "to"), window.from(), window.to());
        String layerText = READ.string(m, "layer");
        FeatureLayer layer = layerText.equals("final") ? FeatureLayer.output() : FeatureLayer.ofBlock(Integer.parseInt(layerText));
        return new SpectrumResult(READ.string(m, "label"), layer, TokenPooling.parse(READ.string(m, "pooling")), READ.integer(m, "samples"),
                READ.int32(m, "dim"), READ.doubles(m, "covariance_eigenvalues"), READ.doubles(m, "singular_values"), READ.number(m, "rankme"),
                READ.number(m, "matrix_entropy_rank"), s, fit, a == null ? READ.string(m, "alpha_req_note") : null);
    }
}
