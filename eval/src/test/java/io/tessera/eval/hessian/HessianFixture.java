package io.tessera.eval.hessian;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

// Test fixture: a complete HessianAnalysis of a small seeded matrix (every part present), for the
// JSON, figure and page tests.

/** A small analysis with every part computed. */
final class HessianFixture {
    private HessianFixture() {
    }

    static HessianAnalysis complete() {
        DenseOperator h = DenseOperator.withSpectrum(17, DenseOperator.spectrum(80, 3, new double[]{12, 9, 7}, new double[]{-2.5}, -1, 4));
        HessianAnalysis.Plan plan = new HessianAnalysis.Plan(
                new PowerIteration.Settings(3, 300, 1e-8, 1),
                new ExtremeEigenvalues.Settings(ExtremeEigenvalues.Routes.BOTH, new Lanczos.Settings(40, 3, false, BasisStorage.DOUBLE, 2),
                        new PowerIteration.Settings(1, 500, 1e-8, 3), SpectralShift.LI_ET_AL),
                new HutchinsonTrace.Settings(50, 1e-3, 20, 4),
                new SpectralDensity.Settings(40, 2, 1000, 1e-5, 0.01, BasisStorage.FLOAT, 5));
        Map<String, String> context = new LinkedHashMap<>();
        context.put("model", "synthetic 80×80");
        context.put("loss", "none (planted spectrum)");
        HessianAnalysis a = HessianAnalysis.run("Synthetic Hessian", h, plan, context, ProgressListener.NONE);
        List<DenseOperator> batches = new ArrayList<>();
        for (int b = 0; b < 8; b++) batches.add(DenseOperator.withSpectrum(100 + b, DenseOperator.spectrum(30, b, new double[]{10 + 0.5 * b, 6}, new double[0], -1, 3)));
        return a.withBatches(BatchSpectra.collect(batches, new BatchSpectra.Settings(new PowerIteration.Settings(2, 300, 1e-6, 9), 10)));
    }
}
