package io.tessera.eval.hessian;

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.ChartStyle;
import io.tessera.eval.report.HtmlReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

// The self-contained HTML page of one Hessian analysis (HtmlReport: no external files, figures
// as PNG data URIs): what the point is, every setting, the eigenvalues of each method, the trace
// with its standard error, the eigen-ratio of each route, the density and the batch distribution.

/** Writes a {@link HessianAnalysis} as one HTML page. */
public final class HessianPage {
    private HessianPage() {
    }

    /** Builds the page; parts that were not computed are left out. */
    public static HtmlReport build(HessianAnalysis a) throws IOException {
        HtmlReport r = new HtmlReport(a.title());
        Map<String, Object> point = new LinkedHashMap<>(a.context());
        point.put("parameters (n)", String.format(Locale.ROOT, "%,d", a.dimension()));
        r.heading("Point").table(point);
        r.heading("Settings").table(settings(a));
        List<List<?>> rows = eigenvalueRows(a);
        if (!rows.isEmpty()) {
            r.heading("Eigenvalues").table(List.of("method", "which", "eigenvalue", "iterations", "converged / residual bound"), rows);
        }
        if (a.trace() != null) {
            TraceResult t = a.trace();
            r.heading("Trace").paragraph(String.format(Locale.ROOT, "tr(H) ≈ %s ± %s (standard error; Hutchinson, %d Rademacher samples, %s)",
                    num(t.mean()), num(t.standardError()), t.samples().length,
                    t.converged() ? "stopped on relative change < " + num(t.settings().tol()) : "maxIter reached"));
        }
        if (a.extremes() != null) {
            r.heading("Eigen-ratio |λmin/λmax|").table(List.of("route", "λmax", "λmin", "|λmin/λmax|", "swapped"), ratioRows(a.extremes()));
        }
        if (a.density() != null) {
            r.heading("Spectral density").image(ChartFiles.image(HessianFigures.density(a.density()), ChartStyle.WIDTH, ChartStyle.HEIGHT),
                    "Hessian eigenvalue spectral density");
        }
        if (a.batches() != null) {
            BatchSpectraResult b = a.batches();
            double[] top = b.topValues();
            double mean = 0, sq = 0;
            for (double v : top) mean += v / top.length;
            for (double v : top) sq += (v - mean) * (v - mean);
            r.heading("Per-batch top eigenvalues").paragraph(String.format(Locale.ROOT,
                    "%d mini-batches, top-%d each; λ1 mean %s, standard deviation %s; %d of %d batches converged.",
                    top.length, b.settings().power().topK(), num(mean), num(top.length > 1 ? Math.sqrt(sq / (top.length - 1)) : 0),
                    b.convergedBatches(), top.length));
            r.image(ChartFiles.image(HessianFigures.batchDistribution(b), ChartStyle.WIDTH, ChartStyle.HEIGHT), "Per-batch top eigenvalue distribution");
        }
        return r;
    }

    /** Builds and writes the page atomically. */
    public static void write(HessianAnalysis a, Path html) throws IOException {
        build(a).write(html);
    }

    private static Map<String, Object> settings(HessianAnalysis a) {
        Map<String, Object> s = new LinkedHashMap<>();
        if (a.topEigenvalues() != null) s.put("top eigenvalues", power(a.topEigenvalues().settings()));
        if (a.extremes() != null) {
            ExtremeEigenvalues.Settings e = a.extremes().settings();
            s.put("extremes: routes", e.routes());
            if (a.extremes().lanczos() != null) s.put("extremes: Lanczos", lanczos(e.lanczos()));
            if (a.extremes().shift() != null) {
                s.put("extremes: power", power(e.power()));
                s.put("extremes: shift", "σ = " + num(e.shiftFactor()) + "·λmax = " + num(a.extremes().shift().shift()));
            }
        }
        if (a.trace() != null) {
            HutchinsonTrace.Settings t = a.trace().settings();
            s.put("trace", String.format(Locale.ROOT, "Hutchinson, maxIter %d, tol %s, at least %d samples, seed %d",
                    t.maxIter(), num(t.tol()), t.minSamples(), t.seed()));
        }
        if (a.density() != null) {
            SpectralDensity.Settings d = a.density().settings();
            s.put("density", String.format(Locale.ROOT, "SLQ, %d steps, %d runs, %d bins, σ² = %s·max(1, range) = %s, overhead %s, %s basis, seed %d",
                    d.steps(), d.runs(), d.bins(), num(d.sigmaSquared()), num(a.density().sigmaSquared()), num(d.overhead()),
                    d.storage().name().toLowerCase(Locale.ROOT), d.seed()));
        }
        if (a.batches() != null) s.put("per-batch", power(a.batches().settings().power()) + " (batch b: seed + b), " + a.batches().settings().bins() + " bins");
        s.put("operator applications", String.format(Locale.ROOT, "%,d", applications(a)));
        s.put("wall time", String.format(Locale.ROOT, "%.1f s", wall(a)));
        return s;
    }

    private static String power(PowerIteration.Settings p) {
        return String.format(Locale.ROOT, "power iteration, top-%d, maxIter %d, %s < %s, seed %d", p.topK(), p.maxIter(),
                p.stop() == PowerIteration.Stop.RESIDUAL ? "eigen-residual" : "relative change", num(p.tol()), p.seed());
    }

    private static String lanczos(Lanczos.Settings l) {
        return String.format(Locale.ROOT, "%d steps, full re-orthogonalisation, %s basis, seed %d", l.steps(),
                l.storage().name().toLowerCase(Locale.ROOT), l.seed());
    }

    private static List<List<?>> eigenvalueRows(HessianAnalysis a) {
        List<List<?>> rows = new ArrayList<>();
        PowerIterationResult p = a.topEigenvalues();
        if (p != null) {
            for (int i = 0; i < p.eigenvalues().length; i++) {
                rows.add(List.of("power iteration", "λ" + (i + 1), num(p.eigenvalues()[i]), p.iterations()[i],
                        (p.converged()[i] ? "yes" : "no") + " (change " + num(p.relativeChanges()[i]) + ")"));
            }
        }
        ExtremesResult e = a.extremes();
        if (e != null && e.lanczos() != null) {
            LanczosResult l = e.lanczos();
            double[] top = l.topRitzValues(), res = l.topResiduals();
            for (int i = 0; i < top.length; i++) rows.add(List.of("Lanczos", "λ" + (i + 1), num(top[i]), l.settings().steps(), "± " + num(res[i])));
            rows.add(List.of("Lanczos", "λmin", num(l.lambdaMin()), l.settings().steps(), "± " + num(l.residuals()[0])));
        }
        if (e != null && e.shift() != null) {
            rows.add(List.of("power iteration", "λmax", num(e.top().top()), e.top().iterations()[0], e.top().converged()[0] ? "yes" : "no"));
            ShiftResult s = e.shift();
            rows.add(List.of("shifted power (s = " + num(s.factor()) + ")", "λmin", num(s.lambdaMin()), s.shifted().iterations()[0],
                    (s.shifted().converged()[0] ? "yes" : "no") + (s.reachedOtherEnd() ? "" : "; did not reach the other end")));
        }
        return rows;
    }

    private static List<List<?>> ratioRows(ExtremesResult e) {
        List<List<?>> rows = new ArrayList<>();
        for (EigenRatio r : new EigenRatio[]{e.byLanczos(), e.byShift()}) {
            if (r == null) continue;
            rows.add(List.of(r.route() == EigenRatio.Route.LANCZOS ? "Lanczos" : "shifted power", num(r.lambdaMax()), num(r.lambdaMin()),
                    num(r.ratio()), r.swapped() ? "yes" : "no"));
        }
        return rows;
    }

    private static long applications(HessianAnalysis a) {
        long n = 0;
        if (a.topEigenvalues() != null) n += a.topEigenvalues().operatorApplications();
        if (a.extremes() != null) {
            if (a.extremes().lanczos() != null) n += a.extremes().lanczos().operatorApplications();
            if (a.extremes().shift() != null) n += a.extremes().top().operatorApplications() + a.extremes().shift().shifted().operatorApplications();
        }
        if (a.trace() != null) n += a.trace().operatorApplications();
        if (a.density() != null) n += a.density().operatorApplications();
        if (a.batches() != null) for (PowerIterationResult r : a.batches().perBatch()) n += r.operatorApplications();
        return n;
    }

    private static double wall(HessianAnalysis a) {
        double t = 0;
        if (a.topEigenvalues() != null) t += a.topEigenvalues().wallSeconds();
        if (a.extremes() != null) {
            if (a.extremes().lanczos() != null) t += a.extremes().lanczos().wallSeconds();
            if (a.extremes().shift() != null) t += a.extremes().top().wallSeconds() + a.extremes().shift().shifted().wallSeconds();
        }
        if (a.trace() != null) t += a.trace().wallSeconds();
        if (a.density() != null) t += a.density().wallSeconds();
        if (a.batches() != null) t += a.batches().wallSeconds();
        return t;
    }

    private static String num(double x) {
        return format(x);
    }

    /** Six significant digits without trailing zeros: 12, 0.51, 1e-08, 144.943. */
    static String format(double x) {
        String s = String.format(Locale.ROOT, "%.6g", x);
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e), exponent = e < 0 ? "" : s.substring(e);
        if (mantissa.indexOf('.') >= 0) {
            mantissa = mantissa.replaceAll("0+$", "");
            if (mantissa.endsWith(".")) mantissa = mantissa.substring(0, mantissa.length() - 1);
        }
        return mantissa + exponent;
    }
}
