package io.tessera.eval.attention;

// Figures of attention analyses: mean attention distance and NMI against depth, one dot per head
// (ViT Fig. 11's layout) with the mean over heads as a line, one panel per encoder side by side on a
// shared y-axis (JFreeChart, PNG + SVG); and pictures of cls maps, rollout and Grad-CAM overlays on
// the input images (AttentionImages, PNG).

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.ChartStyle;
import io.tessera.ssl.data.Image;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Charts and pictures of {@link AttentionAnalysis} parts. */
public final class AttentionFigures {
    private AttentionFigures() {
    }

    /** Mean attention distance (px) against block, per head, one panel per encoder. */
    public static JFreeChart distance(List<AttentionStats> stats) {
        AttentionStats f = first(stats);
        String title = String.format(Locale.ROOT, "Mean attention distance per head (%d images, %s rows, %d×%d px input)", f.images(), f.rows().label(),
                f.grid().imageSize(), f.grid().imageSize());
        return panels(stats, title, "Mean attention distance (px)", AttentionStats::distance);
    }

    /** Attention NMI against block, per head, one panel per encoder. */
    public static JFreeChart nmi(List<AttentionStats> stats) {
        AttentionStats f = first(stats);
        return panels(stats, String.format(Locale.ROOT, "Normalised mutual information of attention per head (%d images)", f.images()), "Attention NMI",
                AttentionStats::nmi);
    }

    private static AttentionStats first(List<AttentionStats> stats) {
        if (stats.isEmpty()) throw new IllegalArgumentException("no attention statistics to plot");
        return stats.get(0);
    }

    private static JFreeChart panels(List<AttentionStats> stats, String title, String yLabel, Function<AttentionStats, double[][]> values) {
        NumberAxis y = new NumberAxis(yLabel);
        double hi = 0;
        for (AttentionStats s : stats) for (double[] row : values.apply(s)) for (double v : row) hi = Math.max(hi, v);
        y.setRange(0, Math.max(hi * 1.08, 1e-9));
        CombinedRangeXYPlot plot = new CombinedRangeXYPlot(y);
        plot.setGap(14);
        List<XYLineAndShapeRenderer> renderers = new ArrayList<>();
        for (int e = 0; e < stats.size(); e++) {
            AttentionStats s = stats.get(e);
            double[][] v = values.apply(s);
            XYSeries heads = new XYSeries("heads", false, true), mean = new XYSeries("mean over heads", true, true);
            for (int l = 0; l < v.length; l++) {
                double m = 0;
                for (double x : v[l]) {
                    heads.add(l, x);
                    m += x / v[l].length;
                }
                mean.add(l, m);
            }
            XYSeriesCollection data = new XYSeriesCollection();
            data.addSeries(heads);
            data.addSeries(mean);
            NumberAxis x = new NumberAxis(s.label() + " — block (blocks.i)");
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            x.setRange(-0.5, v.length - 0.5);
            XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
            renderers.add(r);
            plot.add(new XYPlot(data, x, null, r), 1);
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartStyle.apply(chart);
        for (int e = 0; e < renderers.size(); e++) {          // after the theme, which resets series styles
            XYLineAndShapeRenderer r = renderers.get(e);
            java.awt.Color c = ChartStyle.PALETTE[e % ChartStyle.PALETTE.length];
            r.setSeriesLinesVisible(0, false);
            r.setSeriesShapesVisible(0, true);
            r.setSeriesShape(0, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
            r.setSeriesPaint(0, c);
            r.setSeriesLinesVisible(1, true);
            r.setSeriesShapesVisible(1, false);
            r.setSeriesPaint(1, c.darker().darker());
            r.setSeriesStroke(1, new BasicStroke(1.6f));
            r.setSeriesVisibleInLegend(0, e == 0);
            r.setSeriesVisibleInLegend(1, e == 0);
        }
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        return chart;
    }

    /** Figure width for {@code panels} side by side. */
    public static int width(int panels) {
        return Math.max(ChartStyle.WIDTH, 300 * panels + 120);
    }

    /**
     * Per image a row: the input, the last block's cls→patch attention of every head (JET overlay,
     * each map min-max scaled, nearest upsampling; the mass-threshold outline in white when set), and
     * the rollout map when given (every map min-max scaled for display).
     */
    public static BufferedImage maps(AttentionAnalysis.ClsMaps cls, AttentionAnalysis.Rollout rollout, List<Image> images, int cell) {
        if (images.size() < cls.maps().size()) throw new IllegalArgumentException("maps of " + cls.maps().size() + " images but " + images.size() + " images to draw on");
        int heads = cls.maps().get(0).length, side = cls.grid().side(), p = cls.grid().patch();
        List<String> cols = new ArrayList<>(List.of("input"));
        for (int h = 0; h < heads; h++) cols.add("head " + h);
        if (rollout != null) cols.add("rollout (" + rollout.fusion().label() + ")");
        List<String> rows = new ArrayList<>();
        List<List<BufferedImage>> cells = new ArrayList<>();
        for (int i = 0; i < cls.maps().size(); i++) {
            Image img = images.get(i);
            List<BufferedImage> row = new ArrayList<>();
            row.add(AttentionImages.fit(AttentionImages.picture(img), cell));
            for (int h = 0; h < heads; h++) {
                BufferedImage o = AttentionImages.fit(AttentionImages.overlay(img, AttentionImages.upsampleNearest(AttentionImages.minMax(cls.maps().get(i)[h]), side, p),
                        AttentionImages.IMAGE_WEIGHT), cell);
                if (cls.threshold() > 0) o = AttentionImages.outline(o, pixelMask(cls.mask(i, h), side, o.getWidth(), o.getHeight()));
                row.add(o);
            }
            if (rollout != null) {
                row.add(AttentionImages.fit(AttentionImages.overlay(img, AttentionImages.upsampleNearest(AttentionImages.minMax(rollout.maps().get(i)), side, p),
                        AttentionImages.IMAGE_WEIGHT), cell));
            }
            rows.add("#" + cls.images()[i]);
            cells.add(row);
        }
        String t = cls.label() + ": last-block cls attention per head" + (cls.threshold() > 0 ? String.format(Locale.ROOT, " (outline: %.0f %% of the mass)", 100 * cls.threshold()) : "");
        return AttentionImages.grid(t, cols, rows, cells);
    }

    /**
     * One column per image, headed by its index, target class and logit: the input above its
     * Grad-CAM overlay (bilinear resize, JET, weight 0.5).
     */
    public static BufferedImage gradCam(AttentionAnalysis.GradCams g, List<Image> images, List<String> classNames, int cell) {
        if (images.size() < g.cams().size()) throw new IllegalArgumentException("Grad-CAM of " + g.cams().size() + " images but " + images.size() + " images to draw on");
        int side = g.grid().side();
        List<BufferedImage> inputs = new ArrayList<>(), overlays = new ArrayList<>();
        List<String> cols = new ArrayList<>();
        for (int i = 0; i < g.cams().size(); i++) {
            Image img = images.get(i);
            GradCam.Cam c = g.cams().get(i);
            double[] heat = AttentionImages.resizeBilinear(c.cam(), side, side, img.height(), img.width());
            inputs.add(AttentionImages.fit(AttentionImages.picture(img), cell));
            overlays.add(AttentionImages.fit(AttentionImages.overlay(img, heat, AttentionImages.IMAGE_WEIGHT), cell));
            cols.add(String.format(Locale.ROOT, "#%d %s %.2f", g.images()[i], name(classNames, c.target()), c.score()));
        }
        return AttentionImages.grid(g.label() + ": Grad-CAM at the last block's norm1, " + g.head() + "; per column: image, target class, logit",
                cols, List.of("input", "Grad-CAM"), List.of(inputs, overlays));
    }

    private static String name(List<String> names, int k) {
        return names != null && k < names.size() ? names.get(k) : "class " + k;
    }

    /** A side×side patch mask as a w×h pixel mask (each pixel takes the patch it lies in). */
    static boolean[] pixelMask(boolean[] patches, int side, int w, int h) {
        boolean[] m = new boolean[w * h];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) m[y * w + x] = patches[(y * side / h) * side + x * side / w];
        return m;
    }

    /** Writes {@code attention-distance} and {@code attention-nmi} (PNG + SVG) into dir. */
    public static List<ChartFiles.Figure> writeStatistics(List<AttentionStats> stats, Path dir) throws IOException {
        int w = width(stats.size());
        return List.of(ChartFiles.write(distance(stats), dir.resolve("attention-distance"), w, ChartStyle.HEIGHT),
                ChartFiles.write(nmi(stats), dir.resolve("attention-nmi"), w, ChartStyle.HEIGHT));
    }
}
