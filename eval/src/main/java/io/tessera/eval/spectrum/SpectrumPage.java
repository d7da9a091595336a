package io.tessera.eval.spectrum;

// The self-contained HTML page of a spectrum analysis (HtmlReport): the context, one row per
// (encoder, layer) with N, K, RankMe, its σ² variant, the numerical rank, total variance and the
// α-ReQ fit, then each layer's figures and RankMe by layer.

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.ChartStyle;
import io.tessera.eval.report.HtmlReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes a {@link SpectrumAnalysis} as one HTML page. */
public final class SpectrumPage {
    private SpectrumPage() {
    }

    public static HtmlReport build(SpectrumAnalysis a) throws IOException {
        HtmlReport r = new HtmlReport(a.title());
        r.heading("What was analysed").table(a.context());
        List<List<?>> rows = new ArrayList<>();
        for (SpectrumResult s : a.spectra()) {
            rows.add(List.of(s.label(), s.layer().label(), s.pooling().label(), String.format(Locale.ROOT, "%,d", s.samples()), s.dim(),
                    fmt(s.rankMe()), fmt(s.matrixEntropyRank()), s.numericalRank(), fmt(s.totalVariance()),
                    s.alpha() == null ? "—" : fmt(s.alpha().alpha()), s.alpha() == null ? s.alphaNote() : String.format(Locale.ROOT, "%.4f (ranks %d–%d)", s.alpha().r2(), s.alpha().from(), s.alpha().to())));
        }
        r.heading("Summary").table(List.of("features", "layer", "pooling", "N", "K", "RankMe", "exp matrix entropy (σ²)", "numerical rank",
                "total variance", "α-ReQ α", "R² (window)"), rows);
        FeatureSpectrum.Settings st = a.spectra().get(0).settings();
        r.paragraph(String.format(Locale.ROOT, "RankMe = exp(−Σ p ln p) with p_k = σ_k/‖σ‖₁ + %.0e over the singular values of the uncentred features "
                + "(Garrido et al.); the σ² column uses p_k = σ_k²/Σσ² + ε (the matrix entropy of ZᵀZ/tr ZᵀZ). The spectrum is that of the centred "
                + "covariance (Jing et al.); α-ReQ is minus the slope of ln λ_k against ln k over ranks %d–%d (clipped to K and to eigenvalues above rounding).",
                st.epsilon(), st.window().from(), st.window().to()));
        for (FeatureLayer l : a.layers()) {
            r.heading("Spectrum, " + SpectrumFigures.where(l));
            r.image(ChartFiles.image(SpectrumFigures.spectrum(a, l), ChartStyle.WIDTH, ChartStyle.HEIGHT), "covariance spectrum at " + l.label());
            r.image(ChartFiles.image(SpectrumFigures.logLog(a, l), ChartStyle.WIDTH, ChartStyle.HEIGHT), "log-log spectrum with α-ReQ fits at " + l.label());
        }
        if (a.layers().size() > 1) {
            r.heading("RankMe by layer").image(ChartFiles.image(SpectrumFigures.rankByLayer(a), ChartStyle.WIDTH, ChartStyle.HEIGHT), "RankMe by layer");
        }
        return r;
    }

    public static void write(SpectrumAnalysis a, Path html) throws IOException {
        build(a).write(html);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
