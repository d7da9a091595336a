// A 3-D view of a surface z(α, β) as a JFreeChart Plot, drawn with Java2D by the painter's
// algorithm: the grid's quads are projected orthographically (azimuth/elevation as matplotlib's
// view_init, its default −60°/30°), sorted far to near and filled with the colour of their mean
// height, over three grey back panes with grid lines, with ticked α, β and z axes. Not a 3-D
// engine: no lighting and no intersection handling, which a height field seen from above does not need.
package io.tessera.eval.landscape;

import io.tessera.eval.plot.Ticks;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.PlotRenderingInfo;
import org.jfree.chart.plot.PlotState;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.text.TextUtils;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Painter's-algorithm surface plot of Z[iy][ix] over axes xs and ys. */
public final class SurfaceView extends Plot {
    private static final long serialVersionUID = 1L;
    /** matplotlib's default view: azimuth −60°, elevation 30°. */
    public static final double AZIMUTH = -60, ELEVATION = 30;
    /** Height of the box relative to its α and β sides (matplotlib's box aspect 4:4:3). */
    static final double Z_ASPECT = 0.75;
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 15);
    private static final Color PANE = new Color(0xf2f2f2), PANE_EDGE = new Color(0xb0b0b0), GRID = new Color(0xdadada);

    private final double[] xs, ys;
    private final double[][] z;
    private final String xName, yName, zName;
    private final PaintScale scale;
    private final double azimuth, elevation;

    /**
     * @param z     Z[iy][ix] (NaN = missing: the quads touching it are not drawn)
     * @param scale colours by height; its bounds are the z axis's range
     */
    public SurfaceView(double[] xs, double[] ys, double[][] z, String xName, String yName, String zName, PaintScale scale, double azimuth, double elevation) {
        if (xs.length < 2 || ys.length < 2 || z.length != ys.length) throw new IllegalArgumentException("a surface needs ≥ 2 × 2 points and one row per y, got " + xs.length + " × " + ys.length + " with " + z.length + " rows");
        for (double[] row : z) if (row.length != xs.length) throw new IllegalArgumentException("surface row has " + row.length + " values for " + xs.length + " x values");
        if (!(elevation > 0 && elevation < 90)) throw new IllegalArgumentException("surface elevation must be in (0°, 90°), got " + elevation);
        this.xs = xs.clone();
        this.ys = ys.clone();
        this.z = new double[z.length][];
        for (int i = 0; i < z.length; i++) this.z[i] = z[i].clone();
        this.xName = xName;
        this.yName = yName;
        this.zName = zName;
        this.scale = scale;
        this.azimuth = azimuth;
        this.elevation = elevation;
        setInsets(new RectangleInsets(4, 4, 4, 4));
    }

    @Override
    public String getPlotType() {
        return "Surface";
    }

    /** Orthographic projection of the unit box [−½, ½]² × [−h, h] into the drawing area. */
    private final class Projection {
        final double[] e, r, u; // towards the viewer, screen right, screen up
        double s, cx, cy;

        Projection(Rectangle2D area) {
            double az = Math.toRadians(azimuth), el = Math.toRadians(elevation);
            e = new double[]{Math.cos(el) * Math.cos(az), Math.cos(el) * Math.sin(az), Math.sin(el)};
            r = new double[]{-Math.sin(az), Math.cos(az), 0};
            u = new double[]{-Math.sin(el) * Math.cos(az), -Math.sin(el) * Math.sin(az), Math.cos(el)};
            double h = Z_ASPECT / 2, x0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y0 = Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
            for (int c = 0; c < 8; c++) {
                double[] p = {(c & 1) - 0.5, ((c >> 1) & 1) - 0.5, (c >> 2) == 0 ? -h : h};
                x0 = Math.min(x0, dot(p, r));
                x1 = Math.max(x1, dot(p, r));
                y0 = Math.min(y0, dot(p, u));
                y1 = Math.max(y1, dot(p, u));
            }
            double left = 78, right = 24, top = 12, bottom = 56; // room for tick labels and axis titles
            s = Math.min((area.getWidth() - left - right) / (x1 - x0), (area.getHeight() - top - bottom) / (y1 - y0));
            cx = area.getX() + left + (area.getWidth() - left - right) / 2 - s * (x0 + x1) / 2;
            cy = area.getY() + top + (area.getHeight() - top - bottom) / 2 + s * (y0 + y1) / 2;
        }

        Point2D screen(double x, double y, double zz) {
            double[] p = {x, y, zz};
            return new Point2D.Double(cx + s * dot(p, r), cy - s * dot(p, u));
        }

        double depth(double x, double y, double zz) {
            return x * e[0] + y * e[1] + zz * e[2];
        }
    }

    private static double dot(double[] a, double[] b) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    private double nx(double x) {
        return (x - xs[0]) / (xs[xs.length - 1] - xs[0]) - 0.5;
    }

    private double ny(double y) {
        return (y - ys[0]) / (ys[ys.length - 1] - ys[0]) - 0.5;
    }

    private double nz(double v) {
        double lo = scale.getLowerBound(), hi = scale.getUpperBound();
        return ((v - lo) / (hi - lo) - 0.5) * Z_ASPECT;
    }

    @Override
    public void draw(Graphics2D g2, Rectangle2D area, Point2D anchor, PlotState parentState, PlotRenderingInfo info) {
        Rectangle2D a = (Rectangle2D) area.clone();
        getInsets().trim(a);
        if (info != null) {
            info.setPlotArea(area);
            info.setDataArea(a);
        }
        drawBackground(g2, a);
        Object aa = g2.getRenderingHint(RenderingHints.KEY_ANTIALIASING);
        g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Projection p = new Projection(a);
        double[] tx = Ticks.nice(xs[0], xs[xs.length - 1], 4), ty = Ticks.nice(ys[0], ys[ys.length - 1], 4), tz = Ticks.nice(scale.getLowerBound(), scale.getUpperBound(), 5);
        drawPanes(g2, p, tx, ty, tz);
        drawQuads(g2, p);
        drawAxes(g2, p, tx, ty, tz);
        g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, aa);
    }

    /** The floor and the two walls behind the surface, with grid lines at the ticks. */
    private void drawPanes(Graphics2D g2, Projection p, double[] tx, double[] ty, double[] tz) {
        double h = Z_ASPECT / 2, xb = p.e[0] > 0 ? -0.5 : 0.5, yb = p.e[1] > 0 ? -0.5 : 0.5;
        pane(g2, p, new double[][]{{-0.5, -0.5, -h}, {0.5, -0.5, -h}, {0.5, 0.5, -h}, {-0.5, 0.5, -h}});
        pane(g2, p, new double[][]{{xb, -0.5, -h}, {xb, 0.5, -h}, {xb, 0.5, h}, {xb, -0.5, h}});
        pane(g2, p, new double[][]{{-0.5, yb, -h}, {0.5, yb, -h}, {0.5, yb, h}, {-0.5, yb, h}});
        g2.setPaint(GRID);
        g2.setStroke(new BasicStroke(0.7f));
        for (double t : tx) {
            line(g2, p, nx(t), -0.5, -h, nx(t), 0.5, -h);
            line(g2, p, nx(t), yb, -h, nx(t), yb, h);
        }
        for (double t : ty) {
            line(g2, p, -0.5, ny(t), -h, 0.5, ny(t), -h);
            line(g2, p, xb, ny(t), -h, xb, ny(t), h);
        }
        for (double t : tz) {
            line(g2, p, xb, -0.5, nz(t), xb, 0.5, nz(t));
            line(g2, p, -0.5, yb, nz(t), 0.5, yb, nz(t));
        }
    }

    private static void pane(Graphics2D g2, Projection p, double[][] corners) {
        Path2D path = new Path2D.Double();
        for (int i = 0; i < corners.length; i++) {
            Point2D q = p.screen(corners[i][0], corners[i][1], corners[i][2]);
            if (i == 0) path.moveTo(q.getX(), q.getY());
            else path.lineTo(q.getX(), q.getY());
        }
        path.closePath();
        g2.setPaint(PANE);
        g2.fill(path);
        g2.setPaint(PANE_EDGE);
        g2.setStroke(new BasicStroke(0.8f));
        g2.draw(path);
    }

    private static void line(Graphics2D g2, Projection p, double x0, double y0, double z0, double x1, double y1, double z1) {
        g2.draw(new Line2D.Double(p.screen(x0, y0, z0), p.screen(x1, y1, z1)));
    }

    /** The quads far to near, each filled with its mean height's colour; a coarse wire mesh every few cells. */
    private void drawQuads(Graphics2D g2, Projection p) {
        int cols = xs.length - 1, rows = ys.length - 1;
        int wireX = Math.max(1, Math.round(cols / 10f)), wireY = Math.max(1, Math.round(rows / 10f));
        List<double[]> quads = new ArrayList<>(); // {depth, ix, iy}
        for (int iy = 0; iy < rows; iy++) {
            for (int ix = 0; ix < cols; ix++) {
                double a = z[iy][ix], b = z[iy][ix + 1], c = z[iy + 1][ix + 1], d = z[iy + 1][ix];
                if (Double.isNaN(a) || Double.isNaN(b) || Double.isNaN(c) || Double.isNaN(d)) continue;
                double mx = (nx(xs[ix]) + nx(xs[ix + 1])) / 2, my = (ny(ys[iy]) + ny(ys[iy + 1])) / 2, mz = nz((a + b + c + d) / 4);
                quads.add(new double[]{p.depth(mx, my, mz), ix, iy});
            }
        }
        quads.sort((q, w) -> Double.compare(q[0], w[0]));
        BasicStroke wire = new BasicStroke(0.6f);
        Color wireColor = new Color(40, 40, 40, 90);
        for (double[] q : quads) {
            int ix = (int) q[1], iy = (int) q[2];
            Point2D[] c = {corner(p, ix, iy), corner(p, ix + 1, iy), corner(p, ix + 1, iy + 1), corner(p, ix, iy + 1)};
            double mean = (z[iy][ix] + z[iy][ix + 1] + z[iy + 1][ix + 1] + z[iy + 1][ix]) / 4;
            g2.setPaint(scale.getPaint(mean));
            g2.fill(grown(c, 0.45)); // grown a little over its neighbours: no anti-aliasing seams, one element per quad
            g2.setPaint(wireColor);
            g2.setStroke(wire);
            if (ix % wireX == 0) g2.draw(new Line2D.Double(c[0], c[3]));
            if (ix + 1 == cols) g2.draw(new Line2D.Double(c[1], c[2]));
            if (iy % wireY == 0) g2.draw(new Line2D.Double(c[0], c[1]));
            if (iy + 1 == rows) g2.draw(new Line2D.Double(c[3], c[2]));
        }
    }

    /** The polygon through {@code c} with every corner moved {@code by} pixels away from the centroid. */
    private static Path2D grown(Point2D[] c, double by) {
        double mx = 0, my = 0;
        for (Point2D q : c) {
            mx += q.getX() / c.length;
            my += q.getY() / c.length;
        }
        Path2D path = new Path2D.Double();
        for (int i = 0; i < c.length; i++) {
            double dx = c[i].getX() - mx, dy = c[i].getY() - my, len = Math.hypot(dx, dy);
            double f = len > 0 ? (len + by) / len : 1;
            if (i == 0) path.moveTo(mx + f * dx, my + f * dy);
            else path.lineTo(mx + f * dx, my + f * dy);
        }
        path.closePath();
        return path;
    }

    private Point2D corner(Projection p, int ix, int iy) {
        return p.screen(nx(xs[ix]), ny(ys[iy]), nz(z[iy][ix]));
    }

    /** α ticks on the front floor edge along x, β on the front edge along y, z on the left vertical edge. */
    private void drawAxes(Graphics2D g2, Projection p, double[] tx, double[] ty, double[] tz) {
        double h = Z_ASPECT / 2, xf = p.e[0] > 0 ? 0.5 : -0.5, yf = p.e[1] > 0 ? 0.5 : -0.5;
        g2.setFont(TICK_FONT);
        g2.setPaint(new Color(0x222222));
        g2.setStroke(new BasicStroke(1f));
        line(g2, p, -0.5, yf, -h, 0.5, yf, -h);
        line(g2, p, xf, -0.5, -h, xf, 0.5, -h);
        double out = 0.04;
        for (double t : tx) {
            line(g2, p, nx(t), yf, -h, nx(t), yf + Math.signum(yf) * out / 2, -h);
            label(g2, p.screen(nx(t), yf + Math.signum(yf) * out * 2.2, -h), Ticks.format(t), TICK_FONT);
        }
        for (double t : ty) {
            line(g2, p, xf, ny(t), -h, xf + Math.signum(xf) * out / 2, ny(t), -h);
            label(g2, p.screen(xf + Math.signum(xf) * out * 2.2, ny(t), -h), Ticks.format(t), TICK_FONT);
        }
        label(g2, p.screen(0, yf + Math.signum(yf) * out * 6, -h), xName, TITLE_FONT);
        label(g2, p.screen(xf + Math.signum(xf) * out * 6, 0, -h), yName, TITLE_FONT);
        // the z axis on the floor corner furthest left on screen
        double zx = -0.5, zy = -0.5;
        for (double cx : new double[]{-0.5, 0.5}) {
            for (double cy : new double[]{-0.5, 0.5}) if (p.screen(cx, cy, 0).getX() < p.screen(zx, zy, 0).getX()) { zx = cx; zy = cy; }
        }
        line(g2, p, zx, zy, -h, zx, zy, h);
        double labelRight = Double.MAX_VALUE;
        g2.setFont(TICK_FONT);
        for (double t : tz) {
            Point2D q = p.screen(zx, zy, nz(t));
            g2.draw(new Line2D.Double(q.getX() - 5, q.getY(), q.getX(), q.getY()));
            String s = Ticks.format(t);
            TextUtils.drawAlignedString(s, g2, (float) (q.getX() - 8), (float) q.getY(), TextAnchor.CENTER_RIGHT);
            labelRight = Math.min(labelRight, q.getX() - 8 - g2.getFontMetrics().stringWidth(s));
        }
        Point2D mid = p.screen(zx, zy, 0);
        g2.setFont(TITLE_FONT);
        TextUtils.drawRotatedString(zName, g2, (float) (labelRight - 10), (float) mid.getY(), TextAnchor.BOTTOM_CENTER, -Math.PI / 2, TextAnchor.BOTTOM_CENTER);
    }

    private static void label(Graphics2D g2, Point2D at, String text, Font font) {
        g2.setFont(font);
        TextUtils.drawAlignedString(text, g2, (float) at.getX(), (float) at.getY(), TextAnchor.CENTER);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SurfaceView v && super.equals(o) && Arrays.equals(xs, v.xs) && Arrays.equals(ys, v.ys) && Arrays.deepEquals(z, v.z)
                && azimuth == v.azimuth && elevation == v.elevation;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(xs) * 31 + Arrays.deepHashCode(z);
    }
}
