// The layers the 2-D landscape figures are built from, on one JFreeChart XYPlot with true numeric
// α/β axes: iso-lines from MarchingSquares as line series with inline labels (white-backed text
// placed where no other label is), a banded image for filled contours (bilinear interpolation of
// the grid, one colour per band), and square cells for heatmaps.
package io.tessera.eval.landscape;

import io.tessera.eval.plot.Ticks;
import org.jfree.chart.annotations.XYDataImageAnnotation;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/** Building blocks of the contour, filled-contour, heatmap, overlay and trajectory figures. */
final class ContourLayers {
    /** Label font of the contour lines. */
    static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    /** Lines shorter than this fraction of the plot's width are not labelled. */
    private static final double MIN_LABELLED_LENGTH = 0.08;

    private ContourLayers() {
    }

    /** An XY plot over [x0, x1] × [y0, y1] with the given axis titles and no auto-range. */
    static XYPlot plot(String xLabel, String yLabel, double x0, double x1, double y0, double y1) {
        NumberAxis xa = new NumberAxis(xLabel), ya = new NumberAxis(yLabel);
        xa.setAutoRangeIncludesZero(false);
        ya.setAutoRangeIncludesZero(false);
        xa.setRange(x0, x1);
        ya.setRange(y0, y1);
        XYPlot plot = new XYPlot();
        plot.setDomainAxis(xa);
        plot.setRangeAxis(ya);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        return plot;
    }

    /** Iso-lines of every level; one series per polyline, the level's index kept for colouring. */
    record Lines(XYSeriesCollection data, List<Integer> levelOfSeries, List<MarchingSquares.Polyline> polylines) {
    }

    static Lines lines(double[] xs, double[] ys, double[][] z, double[] levels) {
        XYSeriesCollection data = new XYSeriesCollection();
        List<Integer> level = new ArrayList<>();
        List<MarchingSquares.Polyline> all = new ArrayList<>();
        for (int l = 0; l < levels.length; l++) {
            int j = 0;
            for (MarchingSquares.Polyline p : MarchingSquares.isoLines(xs, ys, z, levels[l])) {
                XYSeries s = new XYSeries("level " + l + " line " + j++, false, true);
                for (int i = 0; i < p.size(); i++) s.add(p.x()[i], p.y()[i], false);
                data.addSeries(s);
                level.add(l);
                all.add(p);
            }
        }
        return new Lines(data, level, all);
    }

    /** Adds the lines as dataset {@code index}, coloured per level by {@code paint}. */
    static void addLines(XYPlot plot, int index, Lines lines, DoubleFunction<Paint> paint, double[] levels, Stroke stroke) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        for (int s = 0; s < lines.levelOfSeries().size(); s++) {
            r.setSeriesPaint(s, paint.apply(levels[lines.levelOfSeries().get(s)]));
            r.setSeriesStroke(s, stroke);
            r.setSeriesVisibleInLegend(s, false);
        }
        plot.setDataset(index, lines.data());
        plot.setRenderer(index, r);
    }

    /**
     * Inline labels: for each line long enough, the first candidate point (arc-length fractions ½,
     * ¼, ¾, ⅛, …) whose label box, in plot-width units, overlaps no earlier label and stays inside
     * the plot. {@code aspect} is the plot's height/width in pixels, for box sizes.
     */
    static void addLabels(XYPlot plot, Lines lines, double[] levels, DoubleFunction<Paint> paint, double aspect) {
        double x0 = plot.getDomainAxis().getLowerBound(), xw = plot.getDomainAxis().getUpperBound() - x0;
        double y0 = plot.getRangeAxis().getLowerBound(), yh = plot.getRangeAxis().getUpperBound() - y0;
        List<double[]> boxes = new ArrayList<>();
        double charW = 0.0105, boxH = 0.035; // in plot-width units: an 11-pt label on a ≈ 650 px plot
        double[] fractions = {0.5, 0.25, 0.75, 0.125, 0.375, 0.625, 0.875, 0.0625, 0.9375, 0.3125, 0.6875};
        for (int s = 0; s < lines.polylines().size(); s++) {
            MarchingSquares.Polyline p = lines.polylines().get(s);
            double[] u = new double[p.size()], v = new double[p.size()];
            for (int i = 0; i < u.length; i++) {
                u[i] = (p.x()[i] - x0) / xw;
                v[i] = (p.y()[i] - y0) / yh * aspect;
            }
            double[] arc = new double[u.length];
            for (int i = 1; i < u.length; i++) arc[i] = arc[i - 1] + Math.hypot(u[i] - u[i - 1], v[i] - v[i - 1]);
            if (arc[arc.length - 1] < MIN_LABELLED_LENGTH) continue;
            double level = levels[lines.levelOfSeries().get(s)];
            String text = Ticks.format(level);
            double w = charW * (text.length() + 1), h = boxH;
            for (double f : fractions) {
                double[] at = along(u, v, arc, f * arc[arc.length - 1]);
                double[] box = {at[0] - w / 2, at[1] - h / 2, at[0] + w / 2, at[1] + h / 2};
                if (box[0] < 0.01 || box[2] > 0.99 || box[1] < 0.01 * aspect || box[3] > 0.99 * aspect || overlaps(box, boxes)) continue;
                boxes.add(box);
                XYTextAnnotation a = new XYTextAnnotation(text, x0 + at[0] * xw, y0 + at[1] / aspect * yh);
                a.setFont(LABEL_FONT);
                a.setPaint(darker(paint.apply(level)));
                a.setBackgroundPaint(Color.WHITE);
                a.setOutlineVisible(false);
                a.setTextAnchor(TextAnchor.CENTER);
                plot.addAnnotation(a, false);
                break;
            }
        }
    }

    private static double[] along(double[] u, double[] v, double[] arc, double target) {
        int i = 1;
        while (i < arc.length - 1 && arc[i] < target) i++;
        double seg = arc[i] - arc[i - 1], t = seg > 0 ? (target - arc[i - 1]) / seg : 0;
        return new double[]{u[i - 1] + t * (u[i] - u[i - 1]), v[i - 1] + t * (v[i] - v[i - 1])};
    }

    private static boolean overlaps(double[] b, List<double[]> boxes) {
        for (double[] o : boxes) if (b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]) return true;
        return false;
    }

    private static Paint darker(Paint p) {
        if (!(p instanceof Color c)) return p;
        return new Color((int) (c.getRed() * 0.8), (int) (c.getGreen() * 0.8), (int) (c.getBlue() * 0.8));
    }

    /**
     * A heatmap image of Z[iy][ix]: one square of s × s pixels per grid point, s = ⌈600/max(nx, ny)⌉,
     * painted by {@code scale} (NaN transparent), row 0 at the top (largest y). It covers the grid
     * extended by half a cell on every side, so each cell is centred on its point.
     */
    static BufferedImage cells(double[][] z, PaintScale scale) {
        int ny = z.length, nx = z[0].length, s = Math.max(1, (int) Math.ceil(600.0 / Math.max(nx, ny)));
        BufferedImage img = new BufferedImage(nx * s, ny * s, BufferedImage.TYPE_INT_ARGB);
        for (int iy = 0; iy < ny; iy++) {
            for (int ix = 0; ix < nx; ix++) {
                if (Double.isNaN(z[iy][ix])) continue;
                int rgb = ((Color) scale.getPaint(z[iy][ix])).getRGB(), top = (ny - 1 - iy) * s;
                for (int py = top; py < top + s; py++) for (int px = ix * s; px < ix * s + s; px++) img.setRGB(px, py, rgb);
            }
        }
        return img;
    }

    /** The spacing of an axis's points (1 for a single point). */
    static double step(double[] v) {
        return v.length > 1 ? (v[v.length - 1] - v[0]) / (v.length - 1) : 1;
    }

    /**
     * A w × h image of the field, bilinearly interpolated between grid points and painted by
     * {@code scale} (a banded scale gives filled contours); pixels in a cell with a NaN corner stay
     * transparent. Row 0 is the top (largest y).
     */
    static BufferedImage image(double[] xs, double[] ys, double[][] z, PaintScale scale, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        int nx = xs.length, ny = ys.length;
        for (int py = 0; py < h; py++) {
            double fy = (ny - 1) * (1 - (py + 0.5) / h);
            int iy = Math.min((int) fy, ny - 2);
            double ty = fy - iy;
            for (int px = 0; px < w; px++) {
                double fx = (nx - 1) * ((px + 0.5) / w);
                int ix = Math.min((int) fx, nx - 2);
                double tx = fx - ix;
                double v = (1 - ty) * ((1 - tx) * z[iy][ix] + tx * z[iy][ix + 1]) + ty * ((1 - tx) * z[iy + 1][ix] + tx * z[iy + 1][ix + 1]);
                if (Double.isNaN(v)) continue;
                img.setRGB(px, py, ((Color) scale.getPaint(v)).getRGB());
            }
        }
        return img;
    }

    /** Adds {@code img} stretched over [x0, x1] × [y0, y1] under the plot's datasets. */
    static void addImage(XYPlot plot, BufferedImage img, double x0, double x1, double y0, double y1) {
        if (plot.getRenderer(0) == null) plot.setRenderer(0, new XYLineAndShapeRenderer(true, false));
        plot.getRenderer(0).addAnnotation(new XYDataImageAnnotation(img, x0, y0, x1 - x0, y1 - y0), org.jfree.chart.ui.Layer.BACKGROUND);
    }

    /** Line strokes of the figures. */
    static final Stroke THIN = new BasicStroke(0.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    static final Stroke REGULAR = new BasicStroke(1.4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    static final Stroke THICK = new BasicStroke(2.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
}
