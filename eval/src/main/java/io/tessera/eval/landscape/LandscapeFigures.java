// The figures of a loss landscape as loss-landscape's plot_1D.py / plot_2D.py / plot_trajectory.py
// draw them (Li et al. 2018), through JFreeChart on true numeric α/β axes: the 1-D curve with
// accuracy on a twin axis, labelled contour lines, filled contours, a heatmap, the |λmin/λmax|
// map on a fixed 0–0.5 scale, a convex-region overlay, a trajectory over contours and a 3-D view.
// Each chart can be written as PNG + SVG through ChartFiles. This class computes no landscape.
package io.tessera.eval.landscape;

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.ChartStyle;
import io.tessera.eval.plot.ColorBar;
import io.tessera.eval.plot.Ticks;
import io.tessera.eval.plot.ColorMap;
import io.tessera.eval.plot.DecadeAxis;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** Figures of a {@link SurfaceGrid} field: build a chart, or write it as PNG + SVG. */
public final class LandscapeFigures {
    /** Default α axis title. */
    public static final String ALPHA = "α (multiples of the 1st normalised direction)";
    /** Default β axis title. */
    public static final String BETA = "β (multiples of the 2nd normalised direction)";
    /** Size of the 2-D figures (they carry a colour bar). */
    public static final int WIDTH_2D = 860, HEIGHT_2D = 700;
    /** The fixed range of the eigen-ratio map (Li et al.'s plot_2d_eig_ratio: vmin 0, vmax 0.5). */
    public static final double RATIO_MAX = 0.5;
    /** The trajectory figure's extra levels: numpy.logspace(1, 8, 8) = 10, 100, …, 1e8. */
    static final double[] LOG_LEVELS = {1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};

    private LandscapeFigures() {
    }

    /**
     * How the figures read.
     *
     * @param xLabel     α axis title (for a trajectory e.g. "1st PC: 62.13 %")
     * @param yLabel     β axis title
     * @param title      chart title, or null for one made from the field and the figure
     * @param lossMax    1-D: the loss axis runs over [0, lossMax] (plot_1D's loss_max, default 5)
     * @param levels     contour levels (default arange(0.1, 10, 0.5))
     * @param colourMin  heatmap colour range start, NaN = the data's minimum
     * @param colourMax  heatmap colour range end, NaN = the data's maximum
     * @param surfaceMax 3-D view: values above are drawn at this height (h52vtp's zmax), NaN = no clip
     */
    public record Options(String xLabel, String yLabel, String title, double lossMax, ContourLevels levels,
                          double colourMin, double colourMax, double surfaceMax) {
        public Options {
            Objects.requireNonNull(xLabel, "xLabel");
            Objects.requireNonNull(yLabel, "yLabel");
            Objects.requireNonNull(levels, "levels");
            if (!(lossMax > 0) || !Double.isFinite(lossMax)) throw new IllegalArgumentException("lossMax must be finite and > 0, got " + lossMax);
            if (!Double.isNaN(colourMin) && !Double.isNaN(colourMax) && !(colourMax > colourMin)) {
                throw new IllegalArgumentException("heatmap colour range needs min < max, got " + colourMin + ".." + colourMax);
            }
            if (!Double.isNaN(surfaceMax) && !Double.isFinite(surfaceMax)) throw new IllegalArgumentException("surfaceMax must be finite or NaN, got " + surfaceMax);
        }

        /** α/β titles, generated titles, loss_max 5, levels 0.1:10:0.5, colours over the data, no clip. */
        public static Options defaults() {
            return new Options(ALPHA, BETA, null, 5, ContourLevels.DEFAULT, Double.NaN, Double.NaN, Double.NaN);
        }

        public Options withAxisLabels(String x, String y) {
            return new Options(x, y, title, lossMax, levels, colourMin, colourMax, surfaceMax);
        }

        public Options withTitle(String t) {
            return new Options(xLabel, yLabel, t, lossMax, levels, colourMin, colourMax, surfaceMax);
        }

        public Options withLossMax(double m) {
            return new Options(xLabel, yLabel, title, m, levels, colourMin, colourMax, surfaceMax);
        }

        public Options withLevels(ContourLevels l) {
            return new Options(xLabel, yLabel, title, lossMax, l, colourMin, colourMax, surfaceMax);
        }

        public Options withColourRange(double lo, double hi) {
            return new Options(xLabel, yLabel, title, lossMax, levels, lo, hi, surfaceMax);
        }

        public Options withSurfaceMax(double zmax) {
            return new Options(xLabel, yLabel, title, lossMax, levels, colourMin, colourMax, zmax);
        }

        String titleOr(String generated) {
            return title != null ? title : generated;
        }
    }

    /** A written figure: a short name (the file stem), a caption for pages, and its files. */
    public record Written(String name, String caption, ChartFiles.Figure files) {
    }

    /** "1st PC: 62.13 %" for principal component {@code index} (1-based) explaining {@code ratio} (0–1) of the variance. */
    public static String pcLabel(int index, double ratio) {
        if (index < 1) throw new IllegalArgumentException("principal components count from 1, got " + index);
        String ord = index % 100 >= 11 && index % 100 <= 13 ? "th" : switch (index % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return String.format(Locale.ROOT, "%d%s PC: %.2f %%", index, ord, 100 * ratio);
    }

    // ---- 1-D ----------------------------------------------------------------------------------

    /**
     * plot_1D's figure: the field f(α) on the left axis over [0, lossMax] (or a log axis when
     * {@code logY}, values ≤ 0 left out), and — when the grid has an "accuracy" field — accuracy
     * in percent on a twin right axis over 0–100 (values all within [0, 1] are read as fractions).
     */
    public static JFreeChart curve(SurfaceGrid g, String field, Options o, boolean logY) {
        if (g.twoDimensional()) throw new IllegalArgumentException("a 1-D curve needs a 1-D grid; this one is " + g.nx() + " × " + g.ny() + " (draw a contour or a heatmap)");
        double[] alpha = g.x().values(), f = g.field(field);
        requireSomeValue(f, field);
        XYSeries s = new XYSeries(field, false, true);
        for (int i = 0; i < alpha.length; i++) s.add(alpha[i], Double.isNaN(f[i]) || (logY && f[i] <= 0) ? null : (Number) f[i], false);
        ValueAxis left = logY ? logAxis(field + " (log scale)") : new NumberAxis(field);
        if (!logY) left.setRange(0, o.lossMax());
        NumberAxis xa = new NumberAxis(o.xLabel());
        xa.setRange(g.x().min(), Math.max(g.x().max(), g.x().min() + 1e-12));
        XYLineAndShapeRenderer r0 = new XYLineAndShapeRenderer(true, g.nx() <= 60);
        XYPlot plot = new XYPlot(new XYSeriesCollection(s), xa, left, r0);
        boolean acc = !field.equals("accuracy") && g.fieldNames().contains("accuracy");
        if (acc) {
            double[] a = g.field("accuracy");
            double scale = percentScale(a);
            XYSeries sa = new XYSeries("accuracy", false, true);
            for (int i = 0; i < alpha.length; i++) sa.add(alpha[i], Double.isNaN(a[i]) ? null : (Number) (a[i] * scale), false);
            NumberAxis right = new NumberAxis("accuracy (%)");
            right.setRange(0, 100);
            right.setLabelAngle(Math.PI); // reads bottom to top, as the left axis
            plot.setRangeAxis(1, right);
            plot.setDataset(1, new XYSeriesCollection(sa));
            plot.mapDatasetToRangeAxis(1, 1);
            plot.setRenderer(1, new XYLineAndShapeRenderer(true, g.nx() <= 60));
        }
        String title = o.titleOr(field + " along the direction" + (logY ? " (log scale)" : ""));
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, acc);
        ChartStyle.apply(chart);
        style1d(plot, acc);
        addNote(chart, (logY ? "" : clippedNote(field, f, o.lossMax())) + missingNote(f));
        if (chart.getLegend() != null) chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        return chart;
    }

    private static void style1d(XYPlot plot, boolean acc) {
        for (int d = 0; d < (acc ? 2 : 1); d++) {
            XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer(d);
            Color c = d == 0 ? ChartStyle.PALETTE[0] : ChartStyle.PALETTE[3];
            r.setSeriesPaint(0, c);
            r.setSeriesStroke(0, ChartStyle.LINE);
            r.setSeriesShape(0, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
            plot.getRangeAxis(d).setLabelPaint(c);
            plot.getRangeAxis(d).setTickLabelPaint(c);
        }
    }

    private static double percentScale(double[] a) {
        for (double v : a) if (!Double.isNaN(v) && (v > 1 || v < 0)) return 1;
        return 100;
    }

    private static LogAxis logAxis(String label) {
        return new DecadeAxis(label);
    }

    // ---- 2-D ----------------------------------------------------------------------------------

    /** plot_2D's contour: labelled iso-lines at the chosen levels, coloured by level. */
    public static JFreeChart contour(SurfaceGrid g, String field, Options o) {
        Field2 d = field2(g, field, "contour");
        ContourLevels.Chosen levels = o.levels().choose(d.lo, d.hi);
        XYPlot plot = ContourLayers.plot(o.xLabel(), o.yLabel(), d.xs[0], d.xs[d.xs.length - 1], d.ys[0], d.ys[d.ys.length - 1]);
        JFreeChart chart = chart(o.titleOr(field + ": contour lines"), plot);
        ContourLayers.Lines lines = ContourLayers.lines(d.xs, d.ys, d.z, levels.levels());
        java.util.function.DoubleFunction<Paint> paint = linePaint(levels.levels());
        ContourLayers.addLines(plot, 0, lines, paint, levels.levels(), ContourLayers.REGULAR);
        ContourLayers.addLabels(plot, lines, levels.levels(), paint, plotAspect());
        addNote(chart, levels.description() + missingNote(g.field(field)));
        return chart;
    }

    /** plot_2D's contourf: bands between the chosen levels (viridis) with a colour bar whose ticks are the levels. */
    public static JFreeChart filledContour(SurfaceGrid g, String field, Options o) {
        Field2 d = field2(g, field, "filled contour");
        ContourLevels.Chosen levels = o.levels().choose(d.lo, d.hi);
        double[] edges = edges(d.lo, d.hi, levels.levels());
        LookupPaintScale bands = ColorMap.VIRIDIS.banded(edges);
        XYPlot plot = ContourLayers.plot(o.xLabel(), o.yLabel(), d.xs[0], d.xs[d.xs.length - 1], d.ys[0], d.ys[d.ys.length - 1]);
        JFreeChart chart = chart(o.titleOr(field + ": filled contours"), plot);
        ContourLayers.Lines lines = ContourLayers.lines(d.xs, d.ys, d.z, levels.levels());
        ContourLayers.addLines(plot, 0, lines, v -> new Color(0x303030), levels.levels(), ContourLayers.THIN);
        int w = Math.max(600, 8 * (d.xs.length - 1)), h = Math.max(500, 8 * (d.ys.length - 1));
        ContourLayers.addImage(plot, ContourLayers.image(d.xs, d.ys, d.z, bands, w, h), d.xs[0], d.xs[d.xs.length - 1], d.ys[0], d.ys[d.ys.length - 1]);
        addNote(chart, levels.description() + missingNote(g.field(field)));
        return ColorBar.add(chart, bands, field, edges);
    }

    /** plot_2D's heatmap: one viridis cell per grid point, origin bottom-left, with a colour bar. */
    public static JFreeChart heatmap(SurfaceGrid g, String field, Options o) {
        Field2 d = field2(g, field, "heatmap");
        double lo = Double.isNaN(o.colourMin()) ? d.lo : o.colourMin(), hi = Double.isNaN(o.colourMax()) ? d.hi : o.colourMax();
        if (!(hi > lo)) hi = lo + 1;
        return blocks(g, d, field, o.titleOr(field + ": heatmap"), o, ColorMap.VIRIDIS.scale(lo, hi), field);
    }

    /**
     * The eigen-ratio map |λmin/λmax| of field {@code ratioField} on a fixed viridis 0–0.5 scale
     * (values above 0.5 in the top colour; near 0 = locally almost convex).
     */
    public static JFreeChart eigenRatio(SurfaceGrid g, String ratioField, Options o) {
        Field2 d = field2(g, ratioField, "eigen-ratio map");
        double[][] abs = new double[d.z.length][];
        for (int i = 0; i < abs.length; i++) {
            abs[i] = d.z[i].clone();
            for (int j = 0; j < abs[i].length; j++) abs[i][j] = Math.abs(abs[i][j]);
        }
        int above = 0;
        for (double[] row : abs) for (double v : row) if (v > RATIO_MAX) above++;
        Field2 a = new Field2(d.xs, d.ys, abs, 0, RATIO_MAX);
        String title = o.titleOr("|λmin/λmax| (near 0: locally almost convex)");
        JFreeChart chart = blocks(g, a, ratioField, title, o, ColorMap.VIRIDIS.scale(0, RATIO_MAX), "|λmin/λmax|");
        if (above > 0) addNote(chart, String.format(Locale.ROOT, "%d points above %s, in the top colour", above, Ticks.format(RATIO_MAX)));
        return chart;
    }

    private static JFreeChart blocks(SurfaceGrid g, Field2 d, String field, String title, Options o, PaintScale scale, String barTitle) {
        double dx = ContourLayers.step(d.xs) / 2, dy = ContourLayers.step(d.ys) / 2;
        XYPlot plot = ContourLayers.plot(o.xLabel(), o.yLabel(), d.xs[0] - dx, d.xs[d.xs.length - 1] + dx, d.ys[0] - dy, d.ys[d.ys.length - 1] + dy);
        JFreeChart chart = chart(title, plot);
        ContourLayers.addImage(plot, ContourLayers.cells(d.z, scale), d.xs[0] - dx, d.xs[d.xs.length - 1] + dx, d.ys[0] - dy, d.ys[d.ys.length - 1] + dy);
        String missing = missingNote(g.field(field));
        if (!missing.isEmpty()) addNote(chart, missing + " (blank cells)");
        return ColorBar.add(chart, scale, barTitle);
    }

    /**
     * Loss contours with a "convex region" mask on top: the points where {@code convex[k]} holds
     * (flat index k = iy·nx + ix) shaded, and the mask's boundary (its 0.5 iso-line) drawn thick.
     *
     * @param regionLabel what the mask is, for the legend (e.g. "|λmin/λmax| < 0.05")
     */
    public static JFreeChart convexRegion(SurfaceGrid g, String lossField, boolean[] convex, String regionLabel, Options o) {
        Field2 d = field2(g, lossField, "convex-region overlay");
        if (convex.length != g.points()) throw new IllegalArgumentException("convex-region mask has " + convex.length + " entries for a grid of " + g.points() + " points");
        double[][] m = new double[d.ys.length][d.xs.length];
        int inside = 0;
        for (int k = 0; k < convex.length; k++) {
            m[k / d.xs.length][k % d.xs.length] = convex[k] ? 1 : 0;
            if (convex[k]) inside++;
        }
        ContourLevels.Chosen levels = o.levels().choose(d.lo, d.hi);
        XYPlot plot = ContourLayers.plot(o.xLabel(), o.yLabel(), d.xs[0], d.xs[d.xs.length - 1], d.ys[0], d.ys[d.ys.length - 1]);
        JFreeChart chart = chart(o.titleOr(lossField + " contours and the convex region"), plot);
        ContourLayers.Lines lines = ContourLayers.lines(d.xs, d.ys, d.z, levels.levels());
        Color grey = new Color(0x555555), region = new Color(0xff7f0e);
        ContourLayers.addLines(plot, 0, lines, v -> grey, levels.levels(), ContourLayers.THIN);
        ContourLayers.addLabels(plot, lines, levels.levels(), v -> grey, plotAspect());
        ContourLayers.Lines border = ContourLayers.lines(d.xs, d.ys, m, new double[]{0.5});
        ContourLayers.addLines(plot, 1, border, v -> region.darker(), new double[]{0.5}, ContourLayers.THICK);
        LookupPaintScale shade = new LookupPaintScale(0, 1, new Color(0, 0, 0, 0)); // the bilinear mask ≥ ½: inside the border line
        shade.add(0.5, new Color(region.getRed(), region.getGreen(), region.getBlue(), 80));
        ContourLayers.addImage(plot, ContourLayers.image(d.xs, d.ys, m, shade, Math.max(600, 8 * (d.xs.length - 1)), Math.max(500, 8 * (d.ys.length - 1))),
                d.xs[0], d.xs[d.xs.length - 1], d.ys[0], d.ys[d.ys.length - 1]);
        LegendItemCollection items = new LegendItemCollection();
        items.add(new LegendItem(String.format(Locale.ROOT, "convex region: %s (%d of %d points)", regionLabel, inside, convex.length), null, null, null,
                new Rectangle2D.Double(-6, -6, 12, 12), new Color(region.getRed(), region.getGreen(), region.getBlue(), 120), ContourLayers.THICK, region.darker()));
        items.add(new LegendItem(lossField + " contours", null, null, null, new java.awt.geom.Line2D.Double(-7, 0, 7, 0), ContourLayers.REGULAR, grey));
        plot.setFixedLegendItems(items);
        LegendTitle legend = new LegendTitle(plot);
        legend.setPosition(RectangleEdge.BOTTOM);
        chart.addSubtitle(legend);
        addNote(chart, levels.description() + missingNote(g.field(lossField)));
        return chart;
    }

    /**
     * plot_trajectory's figure: the path through (px[i], py[i]) (checkpoint projections, in order)
     * with markers, start and end labelled, over labelled contours at the chosen levels plus
     * logspace(1, 8, 8); the axes span the grid and the path. Use {@link #pcLabel} for the titles.
     */
    public static JFreeChart trajectory(SurfaceGrid g, String field, double[] px, double[] py, Options o) {
        Field2 d = field2(g, field, "trajectory");
        if (px.length != py.length || px.length == 0) throw new IllegalArgumentException("trajectory needs as many x as y coordinates (≥ 1), got " + px.length + " and " + py.length);
        double x0 = d.xs[0], x1 = d.xs[d.xs.length - 1], y0 = d.ys[0], y1 = d.ys[d.ys.length - 1];
        for (int i = 0; i < px.length; i++) {
            if (!Double.isFinite(px[i]) || !Double.isFinite(py[i])) throw new IllegalArgumentException("trajectory point " + i + " is not finite: (" + px[i] + ", " + py[i] + ")");
            x0 = Math.min(x0, px[i]);
            x1 = Math.max(x1, px[i]);
            y0 = Math.min(y0, py[i]);
            y1 = Math.max(y1, py[i]);
        }
        double padX = 0.03 * (x1 - x0), padY = 0.03 * (y1 - y0);
        ContourLevels.Chosen levels = o.levels().choose(d.lo, d.hi, LOG_LEVELS);
        XYPlot plot = ContourLayers.plot(o.xLabel(), o.yLabel(), x0 - padX, x1 + padX, y0 - padY, y1 + padY);
        JFreeChart chart = chart(o.titleOr("optimisation trajectory over the " + field + " contours"), plot);
        XYSeries path = new XYSeries("trajectory", false, true);
        for (int i = 0; i < px.length; i++) path.add(px[i], py[i], false);
        XYLineAndShapeRenderer pr = new XYLineAndShapeRenderer(true, true);
        pr.setSeriesPaint(0, ChartStyle.PALETTE[3]);
        pr.setSeriesStroke(0, ContourLayers.REGULAR);
        pr.setSeriesShape(0, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
        plot.setDataset(1, new XYSeriesCollection(path));
        plot.setRenderer(1, pr);
        ContourLayers.Lines lines = ContourLayers.lines(d.xs, d.ys, d.z, levels.levels());
        java.util.function.DoubleFunction<Paint> paint = linePaint(levels.levels());
        ContourLayers.addLines(plot, 2, lines, paint, levels.levels(), ContourLayers.THIN);
        ContourLayers.addLabels(plot, lines, levels.levels(), paint, plotAspect());
        int n = px.length;
        plot.addAnnotation(endLabel("start", px[0], py[0], n > 1 ? px[0] - px[1] : 1, n > 1 ? py[0] - py[1] : 1), false);
        if (n > 1) plot.addAnnotation(endLabel("end", px[n - 1], py[n - 1], px[n - 1] - px[n - 2], py[n - 1] - py[n - 2]), false);
        XYSeries ends = new XYSeries("ends", false, true);
        ends.add(px[0], py[0]);
        if (n > 1) ends.add(px[n - 1], py[n - 1]);
        XYLineAndShapeRenderer er = new XYLineAndShapeRenderer(false, true) {
            @Override
            public java.awt.Shape getItemShape(int series, int item) {
                return item == 0 ? new Rectangle2D.Double(-5, -5, 10, 10) : new Ellipse2D.Double(-6, -6, 12, 12);
            }
        };
        er.setSeriesPaint(0, ChartStyle.PALETTE[3].darker());
        plot.setDataset(0, new XYSeriesCollection(ends));
        plot.setRenderer(0, er);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.REVERSE); // contours, then the path, then its ends on top
        addNote(chart, levels.description() + " and 10, 100, …, 1e8; " + px.length + " checkpoints" + missingNote(g.field(field)));
        return chart;
    }

    /** A label beside an end of the path, on the side (dx, dy) points to (away from the path). */
    private static XYTextAnnotation endLabel(String text, double x, double y, double dx, double dy) {
        XYTextAnnotation a = new XYTextAnnotation("  " + text + "  ", x, y);
        a.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        a.setPaint(ChartStyle.PALETTE[3].darker());
        a.setBackgroundPaint(new Color(255, 255, 255, 200));
        a.setOutlineVisible(false);
        boolean right = dx >= 0, up = dy >= 0;
        a.setTextAnchor(up ? (right ? TextAnchor.BOTTOM_LEFT : TextAnchor.BOTTOM_RIGHT) : (right ? TextAnchor.TOP_LEFT : TextAnchor.TOP_RIGHT));
        return a;
    }

    /** A 3-D view of the surface (coolwarm, azimuth −60°, elevation 30°, as matplotlib's default) with a colour bar. */
    public static JFreeChart surface3d(SurfaceGrid g, String field, Options o) {
        Field2 d = field2(g, field, "3-D surface");
        double top = Double.isNaN(o.surfaceMax()) ? d.hi : Math.min(d.hi, o.surfaceMax());
        if (!(top > d.lo)) top = d.lo + 1;
        double[][] z = new double[d.z.length][];
        for (int i = 0; i < z.length; i++) {
            z[i] = d.z[i].clone();
            for (int j = 0; j < z[i].length; j++) if (z[i][j] > top) z[i][j] = top;
        }
        PaintScale scale = ColorMap.COOLWARM.scale(d.lo, top);
        SurfaceView view = new SurfaceView(d.xs, d.ys, z, "α", "β", field, scale, SurfaceView.AZIMUTH, SurfaceView.ELEVATION);
        JFreeChart chart = new JFreeChart(o.titleOr(field + " surface"), JFreeChart.DEFAULT_TITLE_FONT, view, false);
        ChartStyle.apply(chart);
        view.setOutlineVisible(false);
        String clip = top < d.hi ? String.format(Locale.ROOT, "; values above %s drawn at %s", Ticks.format(top), Ticks.format(top)) : "";
        addNote(chart, o.xLabel() + "; " + o.yLabel() + clip + missingNote(g.field(field)));
        return ColorBar.add(chart, scale, field);
    }

    // ---- writing ------------------------------------------------------------------------------

    /** Writes {@code dir/name.png} and {@code dir/name.svg} of a 2-D figure (860 × 700). */
    public static Written write(JFreeChart chart, Path dir, String name, String caption) throws IOException {
        return new Written(name, caption, ChartFiles.write(chart, dir.resolve(name), WIDTH_2D, HEIGHT_2D));
    }

    /**
     * The standard set of a field: 1-D — {@code <field>_1d} and {@code <field>_1d_log}; 2-D —
     * {@code <field>_2dcontour}, {@code _2dcontourf}, {@code _2dheat} and {@code _3dsurface}.
     */
    public static List<Written> writeStandard(SurfaceGrid g, String field, Path dir, Options o) throws IOException {
        List<Written> out = new ArrayList<>();
        if (!g.twoDimensional()) {
            out.add(new Written(field + "_1d", field + " along the direction" + (g.fieldNames().contains("accuracy") ? ", with accuracy" : ""),
                    ChartFiles.write(curve(g, field, o, false), dir.resolve(field + "_1d"))));
            out.add(new Written(field + "_1d_log", field + " along the direction, log scale", ChartFiles.write(curve(g, field, o, true), dir.resolve(field + "_1d_log"))));
            return out;
        }
        out.add(write(contour(g, field, o), dir, field + "_2dcontour", field + ": contour lines"));
        out.add(write(filledContour(g, field, o), dir, field + "_2dcontourf", field + ": filled contours"));
        out.add(write(heatmap(g, field, o), dir, field + "_2dheat", field + ": heatmap"));
        out.add(write(surface3d(g, field, o), dir, field + "_3dsurface", field + ": 3-D surface"));
        return out;
    }

    // ---- shared -------------------------------------------------------------------------------

    /** The axes, Z[iy][ix] and the finite range of a 2-D field. */
    private record Field2(double[] xs, double[] ys, double[][] z, double lo, double hi) {
    }

    private static Field2 field2(SurfaceGrid g, String field, String figure) {
        if (!g.twoDimensional() || g.nx() < 2 || g.ny() < 2) {
            throw new IllegalArgumentException("a " + figure + " needs a 2-D grid of at least 2 × 2 points; this one is " + g.nx() + " × " + g.ny());
        }
        double[] f = g.field(field);
        requireSomeValue(f, field);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : f) {
            if (Double.isNaN(v)) continue;
            if (Double.isInfinite(v)) throw new IllegalArgumentException("field '" + field + "' holds an infinite value; figures need finite values or NaN (not computed)");
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return new Field2(g.x().values(), g.y().values(), g.matrix(field), lo, hi);
    }

    private static void requireSomeValue(double[] f, String field) {
        for (double v : f) if (!Double.isNaN(v)) return;
        throw new IllegalArgumentException("field '" + field + "' has no computed point to draw");
    }

    /** Band edges: the data's minimum, the levels inside, the data's maximum. */
    private static double[] edges(double lo, double hi, double[] levels) {
        double[] e = new double[levels.length + 2];
        e[0] = lo;
        System.arraycopy(levels, 0, e, 1, levels.length);
        e[e.length - 1] = hi > lo ? hi : lo + 1;
        return e;
    }

    /** Line colours by level: viridis from 0 to 0.85 (its last yellows do not read on white). */
    private static java.util.function.DoubleFunction<Paint> linePaint(double[] levels) {
        if (levels.length == 0) return v -> ColorMap.VIRIDIS.at(0);
        double lo = levels[0], hi = levels[levels.length - 1];
        return v -> ColorMap.VIRIDIS.at(hi > lo ? 0.85 * (v - lo) / (hi - lo) : 0.3);
    }

    private static JFreeChart chart(String title, XYPlot plot) {
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        ChartStyle.apply(chart);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setAxisOffset(new org.jfree.chart.ui.RectangleInsets(0, 0, 0, 0));
        return chart;
    }

    /** height/width of a 2-D figure's plot area in pixels, about (700 − 150)/(860 − 230). */
    private static double plotAspect() {
        return (HEIGHT_2D - 150.0) / (WIDTH_2D - 230.0);
    }

    /** Adds a grey sub-title line under the title (a leading "; " is dropped; nothing when empty). */
    private static void addNote(JFreeChart chart, String text) {
        if (text.startsWith("; ")) text = text.substring(2);
        if (text.isEmpty()) return;
        TextTitle t = new TextTitle(text, new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        t.setPaint(new Color(0x555555));
        chart.addSubtitle(t);
    }

    private static String missingNote(double[] f) {
        int missing = 0;
        for (double v : f) if (Double.isNaN(v)) missing++;
        return missing == 0 ? "" : String.format(Locale.ROOT, "; %d of %d points not computed", missing, f.length);
    }

    private static String clippedNote(String field, double[] f, double max) {
        int above = 0;
        for (double v : f) if (v > max) above++;
        return above == 0 ? String.format(Locale.ROOT, "%s axis 0 – %s", field, Ticks.format(max))
                : String.format(Locale.ROOT, "%s axis 0 – %s (%d points above it, off the chart)", field, Ticks.format(max), above);
    }
}
