package io.tessera.cli.study;

import io.tessera.nn.checkpoint.Json;
import io.tessera.tensor.io.AtomicFiles;
import io.tessera.ssl.rcmae.theory.LinearConsistencyModel;
import io.tessera.ssl.rcmae.theory.LinearConsistencyModel.TeacherInput;
import io.tessera.ssl.rcmae.theory.PropositionSummary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The study's linear toy model of Proposition 4.1 (methods spec §4.7): the default float64 problem
 * run with the same teacher mask (S), an independent one (D) and heavy-ball SGD, summarised into
 * the largest residual of each identity and the scalars that show the proposition; written to
 * {@code prop41/linear-model.json} and turned into the claim's exact parts.
 */
final class LinearModelStudy {
    static final int STEPS = 40;
    /** An identity holds when its largest relative residual is at most this (float64 rounding). */
    static final double EXACT = 1e-10;
    /** Under D the step-3 form must fail by at least this much. */
    static final double FAILS = 1e-3;

    private LinearModelStudy() {
    }

    static void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        LinearConsistencyModel.Config base = LinearConsistencyModel.Config.defaults(0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", "tessera.linear-consistency/1");
        m.put("steps", (long) STEPS);
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("in", (long) base.in());
        cfg.put("out", (long) base.out());
        cfg.put("batch", (long) base.batch());
        cfg.put("eta", base.eta());
        cfg.put("alpha", base.alpha());
        cfg.put("gamma", base.gamma());
        cfg.put("similarity", base.similarity());
        cfg.put("mask_ratio", base.maskRatio());
        m.put("config", cfg);
        m.put("same_mask", summary(new LinearConsistencyModel(base).run(STEPS)));
        m.put("independent_mask", summary(new LinearConsistencyModel(base.withTeacher(TeacherInput.INDEPENDENT)).run(STEPS)));
        m.put("heavy_ball", summary(new LinearConsistencyModel(base.withMomentum(0.9)).run(STEPS)));
        LinearConsistencyModel.Trajectory tr = new LinearConsistencyModel(base).run(STEPS);
        List<double[]> pairs = new ArrayList<>();
        for (int t = 1; t < tr.length(); t++) {
            for (PropositionSummary.PastStep p : PropositionSummary.pastSteps(tr, t)) {
                if (Double.isFinite(p.undone()) && Double.isFinite(p.similarity())) pairs.add(new double[]{p.similarity() * p.similarity() * p.discount(), p.undone()});
            }
        }
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("pairs", (long) pairs.size());
        u.put("pearson_undone_vs_discounted_similarity_squared", pearson(pairs));
        m.put("undone_vs_similarity", u);
        AtomicFiles.writeString(file, Json.write(m));
    }

    private static Map<String, Object> summary(LinearConsistencyModel.Trajectory tr) {
        double s2 = 0, s3 = 0, s5 = 0, s6 = 0, approx = 0, cosGap = 0, cosR = 0, share = 0;
        int n = 0;
        for (int t = 1; t < tr.length(); t++) {
            PropositionSummary.StepSummary s = PropositionSummary.step(tr, t);
            s2 = Math.max(s2, s.step2Residual());
            s3 = Math.max(s3, s.step3Residual());
            s5 = Math.max(s5, s.step5Residual());
            s6 = Math.max(s6, s.step6Residual());
            approx += s.errorApproxResidual();
            cosGap += -s.cosUpdateGap();
            cosR += s.cosConsistencyReconstruction();
            share += s.maskTermShare();
            n++;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_step2_residual", s2);
        m.put("max_step3_residual", s3);
        m.put("max_step5_residual", s5);
        m.put("max_step6_residual", s6);
        m.put("mean_error_approximation_residual", approx / n);
        m.put("mean_cos_c_gap", cosGap / n);
        m.put("mean_cos_c_r", cosR / n);
        m.put("mean_mask_term_share", share / n);
        return m;
    }

    private static double pearson(List<double[]> pairs) {
        int n = pairs.size();
        if (n < 2) return Double.NaN;
        double mx = 0, my = 0;
        for (double[] p : pairs) {
            mx += p[0];
            my += p[1];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (double[] p : pairs) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
            syy += (p[1] - my) * (p[1] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    /** The claim's exact parts from the file's numbers. */
    static List<Claim.Part> parts(Map<?, ?> json) {
        double s2 = Math.max(StudyResults.number(json, "same_mask", "max_step2_residual"), StudyResults.number(json, "heavy_ball", "max_step2_residual"));
        double s35 = Math.max(StudyResults.number(json, "same_mask", "max_step3_residual"), StudyResults.number(json, "same_mask", "max_step5_residual"));
        double d3 = StudyResults.number(json, "independent_mask", "max_step3_residual"), d6 = StudyResults.number(json, "independent_mask", "max_step6_residual");
        double corr = StudyResults.number(json, "undone_vs_similarity", "pearson_undone_vs_discounted_similarity_squared");
        List<Claim.Part> parts = new ArrayList<>();
        parts.add(Claim.Part.exact("linear model: θ_S − θ_T = Σ α^{t−j} Δθ_j (SGD and heavy ball)", "largest relative residual over " + STEPS + " steps (holds when ≤ " + EXACT + ")",
                s2, s2 <= EXACT));
        parts.add(Claim.Part.exact("linear model, same mask: ∇ℓ_c = γ D_t X_t X_tᵀ = −γη Σ α^{t−j} G_j X_t X_tᵀ", "largest relative residual of steps 3 and 5 (holds when ≤ " + EXACT + ")",
                s35, s35 <= EXACT));
        parts.add(Claim.Part.exact("linear model, independent mask: the extra term γ Ŵ_t (X_t − X_t') X_tᵀ appears",
                "step-3 residual under D (must exceed " + FAILS + ") with step 6 holding (residual " + String.format(java.util.Locale.ROOT, "%.1e", d6) + " ≤ " + EXACT + ")",
                d3, d3 > FAILS && d6 <= EXACT));
        parts.add(Claim.Part.exact("linear model: the share of a past step taken back grows with input similarity",
                "Pearson correlation of the share undone with α^{t−j}·similarity² over all (t, j) pairs (holds when > 0.5)", corr, corr > 0.5));
        return parts;
    }
}
