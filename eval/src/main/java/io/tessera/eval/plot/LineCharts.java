package io.tessera.eval.plot;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.geom.Ellipse2D;
import java.util.List;
import java.util.Objects;

// Line charts of named (x, y) series for reports: training curves against the step, k-NN accuracy
// against k. Numeric axes with ticks, a legend, tab10 colours; a non-finite point (or one ≤ 0 on a
// log axis) breaks the line there instead of being drawn. Markers when a series is short.

/** Line charts with real axes through JFreeChart. */
public final class LineCharts {
    /** Series with at most this many points are drawn with a marker at each point. */
    public static final int MARKER_LIMIT = 40;

    private LineCharts() {
    }

    /** Linear or logarithmic (base 10) axis. */
    public enum Scale { LINEAR, LOG }

    /** A named series; x and y have one entry per point. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            Objects.requireNonNull(name, "series name");
            if (x.length != y.length) throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values and " + y.length + " y values");
            x = x.clone();
            y = y.clone();
        }
    }

    /** {@link #chart(String, String, String, List, Scale, Scale)} with linear axes. */
    public static JFreeChart chart(String title, String xLabel, String yLabel, List<Series> series) {
        return chart(title, xLabel, yLabel, series, Scale.LINEAR, Scale.LINEAR);
    }

    /**
     * A line chart of {@code series} (in order, tab10 colours), legend below when there is more than
     * one series, styled by {@link ChartStyle}.
     */
    public static JFreeChart chart(String title, String xLabel, String yLabel, List<Series> series, Scale xScale, Scale yScale) {
        if (series.isEmpty()) throw new IllegalArgumentException("line chart '" + title + "' has no series");
        XYSeriesCollection data = new XYSeriesCollection();
        boolean anyPoint = false;
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                double x = s.x()[i], y = s.y()[i];
                boolean ok = Double.isFinite(x) && Double.isFinite(y) && (xScale == Scale.LINEAR || x > 0) && (yScale == Scale.LINEAR || y > 0);
                xy.add(x, ok ? y : null, false); // null breaks the line
                anyPoint |= ok;
            }
            data.addSeries(xy);
        }
        if (!anyPoint) throw new IllegalArgumentException("line chart '" + title + "' has no finite point to draw");
        ValueAxis xAxis = axis(xLabel, xScale), yAxis = axis(yLabel, yScale);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        XYPlot plot = new XYPlot(data, xAxis, yAxis, r);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, series.size() > 1);
        ChartStyle.apply(chart);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesPaint(i, ChartStyle.PALETTE[i % ChartStyle.PALETTE.length]);
            r.setSeriesStroke(i, ChartStyle.LINE);
            boolean markers = series.get(i).x().length <= MARKER_LIMIT;
            r.setSeriesShapesVisible(i, markers);
            r.setSeriesShape(i, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
        }
        LegendTitle legend = chart.getLegend();
        if (legend != null) legend.setPosition(RectangleEdge.BOTTOM);
        return chart;
    }

    private static ValueAxis axis(String label, Scale scale) {
        if (scale == Scale.LOG) return new DecadeAxis(label); // a tick each decade, labelled with its value: 1, 10, 100
        NumberAxis a = new NumberAxis(label);
        a.setAutoRangeIncludesZero(false);
        return a;
    }
}
