package io.tessera.eval.hessian;

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.ChartStyle;
import io.tessera.eval.plot.DecadeAxis;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.DefaultIntervalXYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

// The figures of a Hessian analysis: the SLQ spectral density on a log-y axis as PyHessian's
// density_plot.get_esd_plot (1e-7 added before the log, x from min node − 1 to max node + 1), and
// the histogram of per-mini-batch top eigenvalues (Park & Kim 2022).

/** JFreeChart figures of {@link DensityResult} and {@link BatchSpectraResult}. */
public final class HessianFigures {
    /** Added to the density before the log axis, as PyHessian's plot. */
    public static final double LOG_FLOOR = 1e-7;

    private HessianFigures() {
    }

    /** ρ(x) + 1e-7 against x on a log-y axis: "Eigenvalue" vs "Density (log scale)". */
    public static JFreeChart density(DensityResult d) {
        XYSeries s = new XYSeries("density", false, true);
        double[] x = d.grid(), rho = d.density();
        for (int j = 0; j < x.length; j++) s.add(x[j], rho[j] + LOG_FLOOR, false);
        NumberAxis xAxis = new NumberAxis("Eigenvalue");
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (SpectralDensity.Run r : d.runs()) {
            lo = Math.min(lo, r.nodes()[0]);
            hi = Math.max(hi, r.nodes()[r.nodes().length - 1]);
        }
        xAxis.setRange(lo - 1, hi + 1);
        xAxis.setAutoRangeIncludesZero(false);
        DecadeAxis yAxis = new DecadeAxis("Density (log scale)"); // a labelled tick each decade, as text in SVG: 1e-07, …, 0.1, 1
        XYLineAndShapeRenderer line = new XYLineAndShapeRenderer(true, false);
        line.setDrawSeriesLineAsPath(true);
        XYPlot plot = new XYPlot(new XYSeriesCollection(s), xAxis, yAxis, line);
        SpectralDensity.Settings st = d.settings();
        String title = String.format(Locale.ROOT, "Hessian eigenvalue density (SLQ: %d steps, %d run%s, n = %,d)",
                st.steps(), st.runs(), st.runs() == 1 ? "" : "s", d.dimension());
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        ChartStyle.apply(chart);
        line.setSeriesPaint(0, ChartStyle.PALETTE[0]);
        line.setSeriesStroke(0, ChartStyle.LINE);
        return chart;
    }

    /** The histogram of every batch's top-k eigenvalues: "Top-k eigenvalue" vs "Count". */
    public static JFreeChart batchDistribution(BatchSpectraResult b) {
        Histogram h = b.histogram();
        int bins = h.counts().length;
        double[][] series = new double[6][bins];
        for (int i = 0; i < bins; i++) {
            double start = h.binStart(i), end = start + h.binWidth();
            series[0][i] = 0.5 * (start + end);
            series[1][i] = start;
            series[2][i] = end;
            series[3][i] = h.counts()[i];
            series[4][i] = 0;
            series[5][i] = h.counts()[i];
        }
        DefaultIntervalXYDataset data = new DefaultIntervalXYDataset();
        data.addSeries("eigenvalues", series);
        int k = b.settings().power().topK();
        NumberAxis xAxis = new NumberAxis(k == 1 ? "Top eigenvalue" : "Top-" + k + " eigenvalues");
        xAxis.setAutoRangeIncludesZero(false);
        NumberAxis yAxis = new NumberAxis("Count");
        yAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYBarRenderer bars = new XYBarRenderer(0.05);
        XYPlot plot = new XYPlot(data, xAxis, yAxis, bars);
        String title = String.format(Locale.ROOT, "Top-%d Hessian eigenvalues of %d mini-batches (power iteration)", k, b.perBatch().size());
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        ChartStyle.apply(chart);
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, ChartStyle.PALETTE[0]);
        bars.setDrawBarOutline(true);
        bars.setSeriesOutlinePaint(0, ChartStyle.PALETTE[0].darker());
        return chart;
    }

    /** Writes {@code base.png} and {@code base.svg} of the density figure. */
    public static ChartFiles.Figure writeDensity(DensityResult d, Path base) throws IOException {
        return ChartFiles.write(density(d), base);
    }

    /** Writes {@code base.png} and {@code base.svg} of the batch-distribution figure. */
    public static ChartFiles.Figure writeBatchDistribution(BatchSpectraResult b, Path base) throws IOException {
        return ChartFiles.write(batchDistribution(b), base);
    }
}
