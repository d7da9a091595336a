package io.tessera.eval.report;

import java.util.List;
import java.util.Locale;

/** Small, dependency-free SVG line charts for reports (loss curves). */
public final class Svg {
    private Svg() {
    }

    /** A named series of (x, y) points. */
    public record Series(String name, double[] x, double[] y, String color) {
    }

    /** A line chart with axes, min/max labels and a legend; non-finite points are skipped. */
    public static String lineChart(String title, String xLabel, String yLabel, List<Series> series, int width, int height) {
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY, y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) continue;
                x0 = Math.min(x0, s.x[i]);
                x1 = Math.max(x1, s.x[i]);
                y0 = Math.min(y0, s.y[i]);
                y1 = Math.max(y1, s.y[i]);
            }
        }
        if (!(x1 > x0)) { x0 = 0; x1 = Math.max(1, x1); }
        if (!(y1 > y0)) { y0 = Double.isFinite(y0) ? y0 - 1 : 0; y1 = y0 + 2; }
        int left = 60, right = 20, top = 30, bottom = 40, pw = width - left - right, ph = height - top - bottom;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">", width, height));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\">%s</text>", left, esc(title)));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>", left, top, pw, ph));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.4g</text>", left - 4, top + 10, y1));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.4g</text>", left - 4, top + ph, y0));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%.4g</text>", left, top + ph + 14, x0));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.4g</text>", left + pw, top + ph + 14, x1));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", left + pw / 2, height - 8, esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">%s</text>", top + ph / 2, top + ph / 2, esc(yLabel)));
        int legendY = top + 14;
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) continue;
                double px = left + pw * (s.x[i] - x0) / (x1 - x0), py = top + ph * (1 - (s.y[i] - y0) / (y1 - y0));
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>", s.color, pts.toString().trim()));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>", left + pw - 150, legendY, s.color, esc(s.name)));
            legendY += 14;
        }
        return sb.append("</svg>").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
