package io.tessera.eval.spectrum;

// Figures of a SpectrumAnalysis, one line per encoder on each: the covariance eigenvalues against
// their rank on a log y-axis (Jing et al.'s plot), the same on log-log axes with the α-ReQ lines
// drawn dashed over their fit windows, and RankMe against depth when several layers were analysed.
// Eigenvalues at rounding level (AlphaFit.zeroTolerance) cannot sit on a log axis and are left out.

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.ChartStyle;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** JFreeChart figures of feature spectra. */
public final class SpectrumFigures {
    private static final BasicStroke DASHED = new BasicStroke(1.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f);

    private SpectrumFigures() {
    }

    /** λ_k(C) against k (linear) on a log y-axis, one line per encoder at {@code layer}. */
    public static JFreeChart spectrum(SpectrumAnalysis a, FeatureLayer layer) {
        return chart(a, layer, false);
    }

    /** λ_k(C) against k on log-log axes with each α-ReQ fit as a dashed line over its window. */
    public static JFreeChart logLog(SpectrumAnalysis a, FeatureLayer layer) {
        return chart(a, layer, true);
    }

    private static JFreeChart chart(SpectrumAnalysis a, FeatureLayer layer, boolean logX) {
        List<SpectrumResult> rs = a.atLayer(layer);
        if (rs.isEmpty()) throw new IllegalArgumentException("no spectrum at layer " + layer.label());
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        List<Color> colours = new ArrayList<>();
        List<Boolean> fits = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (int i = 0; i < rs.size(); i++) {
            SpectrumResult s = rs.get(i);
            String name = s.label() + (logX && s.alpha() != null ? String.format(Locale.ROOT, " (α = %.3g, R² = %.3f)", s.alpha().alpha(), s.alpha().r2()) : "");
            XYSeries line = new XYSeries(name, false, true);
            double[] c = s.covariance();
            double tol = AlphaFit.zeroTolerance(c);
            for (int k = 0; k < c.length; k++) {
                if (c[k] <= tol) break;
                line.add(k + 1, c[k], false);
                lo = Math.min(lo, c[k]);
                hi = Math.max(hi, c[k]);
            }
            data.addSeries(line);
            colours.add(ChartStyle.PALETTE[i % ChartStyle.PALETTE.length]);
            fits.add(false);
            if (logX && s.alpha() != null) {
                XYSeries fit = new XYSeries(s.label() + " fit", false, true);
                for (int k : new int[] {s.alpha().from(), s.alpha().to()}) fit.add(k, Math.exp(s.alpha().intercept() - s.alpha().alpha() * Math.log(k)), false);
                data.addSeries(fit);
                colours.add(ChartStyle.PALETTE[i % ChartStyle.PALETTE.length].darker());
                fits.add(true);
            }
        }
        if (!(hi > 0)) throw new IllegalArgumentException("layer " + layer.label() + ": no eigenvalue above rounding to plot");
        ValueAxis x;
        if (logX) {
            LogarithmicAxis lx = new LogarithmicAxis("Rank k (log scale)");   // ticks 1, 2, …, 10, 20, …: readable ranks
            lx.setRange(0.9, maxRank(rs) * 1.1);
            x = lx;
        } else {
            NumberAxis nx = new NumberAxis("Rank k");
            nx.setAutoRangeIncludesZero(false);
            nx.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            x = nx;
        }
        LogAxis y = new LogAxis("Eigenvalue of the feature covariance (log scale)");
        y.setBase(10);
        y.setSmallestValue(lo / 2);
        y.setRange(lo / 2, hi * 2);
        double decades = Math.log10(hi * 4 / lo);
        // whole decades (10⁻³, 10⁻², …) unless the spectrum spans too few of them
        y.setTickUnit(new NumberTickUnit(decades > 4 ? Math.ceil(decades / 8) : 0.5, new DecimalFormat("0.#", DecimalFormatSymbols.getInstance(Locale.ROOT))));
        XYPlot plot = new XYPlot(data, x, y, r);
        SpectrumResult first = rs.get(0);
        String title = String.format(Locale.ROOT, "Feature covariance spectrum, %s, %s (N = %,d, K = %d)", where(layer), first.pooling() == TokenPooling.CLS ? "cls token" : "mean of patch tokens",
                first.samples(), first.dim());
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartStyle.apply(chart);
        for (int k = 0; k < colours.size(); k++) {             // after the theme, which resets series styles
            r.setSeriesPaint(k, colours.get(k));
            r.setSeriesStroke(k, fits.get(k) ? DASHED : ChartStyle.LINE);
            r.setSeriesVisibleInLegend(k, !fits.get(k));
        }
        return chart;
    }

    private static int maxRank(List<SpectrumResult> rs) {
        int m = 1;
        for (SpectrumResult s : rs) m = Math.max(m, s.numericalRank());
        return m;
    }

    /** RankMe against the layer, one line per encoder ("final" drawn one step after the last block). */
    public static JFreeChart rankByLayer(SpectrumAnalysis a) {
        Map<String, XYSeries> lines = new LinkedHashMap<>();
        int depth = 0;
        for (SpectrumResult s : a.spectra()) if (!s.layer().isFinal()) depth = Math.max(depth, s.layer().block() + 1);
        for (SpectrumResult s : a.spectra()) {
            XYSeries line = lines.computeIfAbsent(s.label(), k -> new XYSeries(k, true, true));
            line.add(s.layer().isFinal() ? depth : s.layer().block(), s.rankMe());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        lines.values().forEach(data::addSeries);
        NumberAxis x = new NumberAxis("Block (blocks.i; " + depth + " = after the final norm)");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis y = new NumberAxis("RankMe");
        y.setAutoRangeIncludesZero(true);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        XYPlot plot = new XYPlot(data, x, y, r);
        JFreeChart chart = new JFreeChart("RankMe of the features by layer", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartStyle.apply(chart);
        for (int i = 0; i < data.getSeriesCount(); i++) r.setSeriesStroke(i, ChartStyle.LINE);
        return chart;
    }

    /** "block 3" or "final layer (after the norm)". */
    static String where(FeatureLayer l) {
        return l.isFinal() ? "encoder output" : "block " + l.block();
    }

    /** File stem of a layer's figures: "spectrum-final", "spectrum-block3". */
    public static String stem(FeatureLayer l) {
        return "spectrum-" + (l.isFinal() ? "final" : "block" + l.block());
    }

    /**
     * Writes, per layer, {@code stem.png/svg} and {@code stem-loglog.png/svg}, and {@code rankme-by-layer}
     * when there are several layers, into {@code dir}. Returns the written figures.
     */
    public static List<ChartFiles.Figure> writeAll(SpectrumAnalysis a, Path dir) throws IOException {
        List<ChartFiles.Figure> out = new ArrayList<>();
        for (FeatureLayer l : a.layers()) {
            out.add(ChartFiles.write(spectrum(a, l), dir.resolve(stem(l))));
            out.add(ChartFiles.write(logLog(a, l), dir.resolve(stem(l) + "-loglog")));
        }
        if (a.layers().size() > 1) out.add(ChartFiles.write(rankByLayer(a), dir.resolve("rankme-by-layer")));
        return out;
    }
}
