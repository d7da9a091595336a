package io.tessera.eval.plot;

import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

// Tick values and tick labels shared by the figures: steps of 1, 2 or 5 × 10^k (about a given
// count over a range, as matplotlib's MaxNLocator picks them) and short labels without trailing
// zeros (0.1, 2.6, 1e-05), also as a NumberFormat for JFreeChart axes.

/** Nice tick values and short tick labels. */
public final class Ticks {
    private Ticks() {
    }

    /** The smallest of 1, 2, 5 × 10^k that is at least {@code raw} (raw > 0). */
    public static double niceStep(double raw) {
        if (!(raw > 0) || !Double.isFinite(raw)) throw new IllegalArgumentException("a tick step needs a finite raw step > 0, got " + raw);
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[]{1, 2, 5}) if (m * p >= raw * (1 - 1e-12)) return m * p;
        return 10 * p;
    }

    /**
     * Multiples of step = niceStep((hi − lo)/count) inside [lo, hi] (ends included within
     * 10⁻⁹ of a step), each rounded to its multiple so labels print cleanly; {lo} when lo = hi.
     */
    public static double[] nice(double lo, double hi, int count) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || hi < lo) throw new IllegalArgumentException("ticks need finite lo ≤ hi, got " + lo + ".." + hi);
        if (count < 1) throw new IllegalArgumentException("ticks need a count ≥ 1, got " + count);
        if (hi == lo) return new double[]{lo};
        double step = niceStep((hi - lo) / count);
        List<Double> t = new ArrayList<>();
        for (long i = (long) Math.ceil(lo / step - 1e-9); i * step <= hi + 1e-9 * step; i++) t.add(multiple(i, step));
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * i·step as the double nearest the exact decimal: for a step below 1 (0.5, 0.2, 0.1, 0.05, …)
     * i / (1/step) with 1/step an integer, so 3 × 0.1 gives 0.3 and not 0.30000000000000004.
     */
    public static double multiple(long i, double step) {
        if (i == 0) return 0;
        if (step >= 1) return i * step;
        double inv = Math.rint(1 / step);
        return Math.abs(inv * step - 1) < 1e-12 ? i / inv : i * step;
    }

    /** A tick label: up to 4 significant digits, no trailing zeros (0.1, 2.6, 1e+04 as 1e+04). */
    public static String format(double v) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        String s = a >= 1e-3 && a < 1e5 ? String.format(Locale.ROOT, "%.4g", v) : String.format(Locale.ROOT, "%.2e", v);
        int e = s.indexOf('e');
        String m = e < 0 ? s : s.substring(0, e), x = e < 0 ? "" : s.substring(e);
        if (m.indexOf('.') >= 0) {
            m = m.replaceAll("0+$", "");
            if (m.endsWith(".")) m = m.substring(0, m.length() - 1);
        }
        return m + x;
    }

    /** {@link #format} as a NumberFormat (for log axes: labels 0.1, 1, 10 instead of 10⁻¹, 10⁰, 10¹). */
    public static NumberFormat numberFormat() {
        return new NumberFormat() {
            @Override
            public StringBuffer format(double v, StringBuffer to, FieldPosition pos) {
                return to.append(Ticks.format(v));
            }

            @Override
            public StringBuffer format(long v, StringBuffer to, FieldPosition pos) {
                return to.append(v);
            }

            @Override
            public Number parse(String source, ParsePosition pos) {
                throw new UnsupportedOperationException("tick labels are not parsed");
            }
        };
    }
}
