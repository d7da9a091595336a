// Contour levels as loss-landscape's plot_2D chooses them: numpy.arange(vmin, vmax, vlevel), by
// default 0.1, 0.6, …, 9.6 — then only the levels strictly inside the data's range are drawn.
// When none of them is (a surface far below 0.1 or far above 10), levels at a "nice" step across
// the data are used instead, and the figure says so.
package io.tessera.eval.landscape;

import io.tessera.eval.plot.Ticks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Levels vmin, vmin + vlevel, … below vmax. */
public record ContourLevels(double vmin, double vmax, double vlevel) {
    /** plot_2D's defaults: vmin 0.1, vmax 10, vlevel 0.5. */
    public static final ContourLevels DEFAULT = new ContourLevels(0.1, 10, 0.5);
    /** Levels used when the fixed ones miss the data (about this many across its range). */
    public static final int AUTOMATIC_COUNT = 10;

    public ContourLevels {
        if (!Double.isFinite(vmin) || !Double.isFinite(vmax) || !(vmax > vmin)) throw new IllegalArgumentException("contour levels need finite vmin < vmax, got " + vmin + ", " + vmax);
        if (!(vlevel > 0) || !Double.isFinite(vlevel)) throw new IllegalArgumentException("contour level step must be > 0, got " + vlevel);
        if ((vmax - vmin) / vlevel > 10_000) throw new IllegalArgumentException("contour levels " + vmin + ":" + vmax + ":" + vlevel + " give more than 10000 levels");
    }

    /** Parses "vmin:vmax:vlevel", e.g. "0.1:10:0.5". */
    public static ContourLevels parse(String s) {
        String[] p = s.split(":");
        try {
            if (p.length == 3) return new ContourLevels(Double.parseDouble(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2]));
        } catch (NumberFormatException ignored) {
            // falls through to the message
        }
        throw new IllegalArgumentException("contour levels are vmin:vmax:vlevel (e.g. 0.1:10:0.5), got '" + s + "'");
    }

    /** numpy.arange(vmin, vmax, vlevel): vmin + i·vlevel for i = 0 … ⌈(vmax − vmin)/vlevel⌉ − 1. */
    public double[] values() {
        int n = (int) Math.ceil((vmax - vmin) / vlevel);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = vmin + i * vlevel;
        return v;
    }

    /** The chosen levels for data in [lo, hi] and whether they are this record's or automatic. */
    public record Chosen(double[] levels, boolean automatic, String description) {
    }

    /**
     * The levels strictly inside (lo, hi); when there are none, ≈ {@link #AUTOMATIC_COUNT} levels at
     * a 1-2-5 step strictly inside the range. {@code extra} levels (e.g. the trajectory's
     * logspace(1, 8, 8)) are added when inside. Empty when lo = hi.
     */
    public Chosen choose(double lo, double hi, double... extra) {
        if (!(hi > lo)) return new Chosen(new double[0], false, "no contours: the surface is flat");
        List<Double> in = new ArrayList<>();
        for (double v : values()) if (v > lo && v < hi) in.add(v);
        boolean automatic = in.isEmpty();
        String description = String.format(Locale.ROOT, "levels %s:%s:%s", num(vmin), num(vmax), num(vlevel));
        if (automatic) {
            double step = Ticks.niceStep((hi - lo) / AUTOMATIC_COUNT);
            for (long i = (long) Math.floor(lo / step); Ticks.multiple(i, step) < hi - 1e-9 * step; i++) {
                double v = Ticks.multiple(i, step);
                if (v > lo + 1e-9 * step) in.add(v);
            }
            description = String.format(Locale.ROOT, "levels every %s (the surface, %s … %s, lies outside %s:%s)", num(step), num(lo), num(hi), num(vmin), num(vmax));
        }
        for (double e : extra) if (e > lo && e < hi && !in.contains(e)) in.add(e);
        double[] out = in.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Chosen(out, automatic, description);
    }

    private static String num(double v) {
        String s = String.format(Locale.ROOT, "%.4g", v);
        if (s.contains("e")) return s;
        if (s.contains(".")) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        return s;
    }
}
