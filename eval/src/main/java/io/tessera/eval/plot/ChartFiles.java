package io.tessera.eval.plot;

import io.tessera.tensor.io.AtomicFiles;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.text.TextUtils;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

// Renders a JFreeChart as PNG (ChartUtils) and SVG (JFreeSVG's SVGGraphics2D, text kept as text)
// and writes both files atomically side by side. Needs a headless JVM (-Djava.awt.headless=true)
// with fontconfig and a font installed; this class never sets the property itself.

/** PNG and SVG output of a chart. */
public final class ChartFiles {
    private ChartFiles() {
    }

    /** Paths of a written figure. */
    public record Figure(Path png, Path svg) {
    }

    /** The chart as PNG bytes, width × height pixels. */
    public static byte[] png(JFreeChart chart, int width, int height) {
        checkSize(width, height);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, width, height);
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding of a " + width + "×" + height + " chart failed", e);
        }
        return out.toByteArray();
    }

    /**
     * The chart as a standalone SVG document of width × height user units. Rotated labels (the
     * y-axis title) stay SVG text: JFreeChart's TextLayout workaround for an old JDK bug would
     * draw them as glyph outlines, so it is switched off while drawing and restored afterwards.
     */
    public static String svg(JFreeChart chart, int width, int height) {
        return draw(chart, width, height).getSVGDocument();
    }

    /**
     * The chart as one {@code <svg>} element for inline use in HTML: no XML prolog or DOCTYPE, a
     * viewBox of 0 0 width height so it scales with the page, and clip-path ids with a prefix of
     * its own so several charts on one page do not share ids.
     */
    public static String svgElement(JFreeChart chart, int width, int height) {
        SVGGraphics2D g = draw(chart, width, height);
        return g.getSVGElement(null, true, new ViewBox(0, 0, width, height), null, null);
    }

    private static SVGGraphics2D draw(JFreeChart chart, int width, int height) {
        checkSize(width, height);
        SVGGraphics2D g = new SVGGraphics2D(width, height);
        g.setDefsKeyPrefix("c" + SVG_IDS.incrementAndGet() + "_");
        g.setGeomDoubleConverter(ChartFiles::coordinate);
        synchronized (ChartFiles.class) {
            boolean workaround = TextUtils.isUseDrawRotatedStringWorkaround();
            TextUtils.setUseDrawRotatedStringWorkaround(false);
            try {
                chart.draw(g, new Rectangle(0, 0, width, height));
            } finally {
                TextUtils.setUseDrawRotatedStringWorkaround(workaround);
            }
        }
        return g;
    }

    /** An SVG coordinate to 1/100 of a unit without trailing zeros: 324.85, 12, -0.5 (full float digits would triple the size). */
    static String coordinate(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        long c = Math.round(v * 100);
        if (c % 100 == 0) return Long.toString(c / 100);
        String s = (c < 0 ? "-" : "") + Math.abs(c) / 100 + "." + String.format(java.util.Locale.ROOT, "%02d", Math.abs(c) % 100);
        return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
    }

    /** Numbers the SVG documents of this JVM, for distinct id prefixes. */
    private static final java.util.concurrent.atomic.AtomicLong SVG_IDS = new java.util.concurrent.atomic.AtomicLong();

    /** The chart rendered into an image (for reports). */
    public static BufferedImage image(JFreeChart chart, int width, int height) {
        checkSize(width, height);
        return chart.createBufferedImage(width, height);
    }

    /**
     * Writes {@code base.png} and {@code base.svg} atomically ({@code base} without extension),
     * creating missing directories.
     */
    public static Figure write(JFreeChart chart, Path base, int width, int height) throws IOException {
        Path dir = base.toAbsolutePath().getParent();
        String name = base.getFileName().toString();
        Path png = dir.resolve(name + ".png"), svg = dir.resolve(name + ".svg");
        AtomicFiles.write(png, png(chart, width, height));
        AtomicFiles.writeString(svg, svg(chart, width, height));
        return new Figure(png, svg);
    }

    /** {@link #write(JFreeChart, Path, int, int)} at {@link ChartStyle#WIDTH} × {@link ChartStyle#HEIGHT}. */
    public static Figure write(JFreeChart chart, Path base) throws IOException {
        return write(chart, base, ChartStyle.WIDTH, ChartStyle.HEIGHT);
    }

    private static void checkSize(int width, int height) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("chart size must be positive, got " + width + "×" + height);
    }
}
