package io.tessera.eval.hessian;

import java.util.LinkedHashMap;
import java.util.Map;

// One Hessian analysis of a model at a point: whichever of top-k eigenvalues, extreme
// eigenvalues with eigen-ratios, trace, spectral density and per-batch spectra were computed,
// with the caller's description of the point (model, checkpoint, data, loss). This is what
// HessianJson writes as tessera.hessian/1 and HessianPage shows.

/**
 * The results of one Hessian analysis; parts that were not computed are null.
 *
 * @param title          heading of the page, e.g. {@code "MAE ViT-Tiny, epoch 100"}
 * @param dimension      n, the number of parameters the operator acts on
 * @param context        what the operator is (model, checkpoint, data subset, loss, seeds); insertion-ordered
 * @param topEigenvalues power iteration top-k, or null
 * @param extremes       λmax, λmin and eigen-ratio by Lanczos and/or shift, or null
 * @param trace          Hutchinson trace, or null
 * @param density        SLQ spectral density, or null
 * @param batches        per-mini-batch top-k, or null
 */
public record HessianAnalysis(String title, int dimension, Map<String, String> context, PowerIterationResult topEigenvalues,
                              ExtremesResult extremes, TraceResult trace, DensityResult density, BatchSpectraResult batches) {
    public HessianAnalysis {
        if (title == null || title.isBlank()) throw new IllegalArgumentException("Hessian analysis: title is empty");
        if (dimension < 1) throw new IllegalArgumentException("Hessian analysis: dimension must be at least 1, got " + dimension);
        context = context == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(context));
    }

    /**
     * What to compute at one point; a null part is skipped.
     *
     * @param topEigenvalues power iteration top-k
     * @param extremes       extreme eigenvalues and eigen-ratio
     * @param trace          Hutchinson trace
     * @param density        SLQ density
     */
    public record Plan(PowerIteration.Settings topEigenvalues, ExtremeEigenvalues.Settings extremes,
                       HutchinsonTrace.Settings trace, SpectralDensity.Settings density) {
        public Plan {
            if (topEigenvalues == null && extremes == null && trace == null && density == null) {
                throw new IllegalArgumentException("Hessian analysis plan: nothing to compute");
            }
        }

        /**
         * PyHessian's settings for everything: top-5 by power iteration (maxIter 100, tol 1e-3), both
         * extreme-eigenvalue routes (100 Lanczos steps, s = 0.51), the trace (≥ 20 samples) and the
         * density (100 steps, 1 run); every part seeded from {@code seed}.
         */
        public static Plan pyHessian(long seed) {
            ExtremeEigenvalues.Settings e = ExtremeEigenvalues.Settings.defaults();
            return new Plan(PowerIteration.Settings.pyHessian().withTopK(5).withSeed(seed),
                    new ExtremeEigenvalues.Settings(e.routes(), e.lanczos().withSeed(seed), e.power().withSeed(seed), e.shiftFactor()),
                    HutchinsonTrace.Settings.defaults().withSeed(seed), SpectralDensity.Settings.pyHessian().withSeed(seed));
        }
    }

    /**
     * Runs every part of the plan on one operator, in the order top-k, extremes, trace, density.
     * Per-batch spectra need one operator per batch: add them with {@link #withBatches}.
     */
    public static HessianAnalysis run(String title, SymmetricOperator op, Plan plan, Map<String, String> context,
                                      ProgressListener progress) {
        PowerIterationResult top = plan.topEigenvalues() == null ? null : PowerIteration.run(op, plan.topEigenvalues(), progress);
        ExtremesResult ext = plan.extremes() == null ? null : ExtremeEigenvalues.compute(op, plan.extremes(), progress);
        TraceResult tr = plan.trace() == null ? null : HutchinsonTrace.estimate(op, plan.trace(), progress);
        DensityResult d = plan.density() == null ? null : SpectralDensity.estimate(op, plan.density(), progress);
        return new HessianAnalysis(title, op.dimension(), context, top, ext, tr, d, null);
    }

    /** A copy with the per-batch spectra set. */
    public HessianAnalysis withBatches(BatchSpectraResult b) {
        return new HessianAnalysis(title, dimension, context, topEigenvalues, extremes, trace, density, b);
    }
}
