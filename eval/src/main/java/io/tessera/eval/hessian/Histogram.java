package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.LinkedHashMap;
import java.util.Map;

// Equal-width bin counts of a list of values, for the distribution of per-mini-batch top
// eigenvalues (Park & Kim 2022, "Hessian max eigenvalue spectra").

/**
 * Counts of values in {@code counts.length} equal bins over [lo, hi]; the last bin is closed.
 *
 * @param lo     left edge of the first bin
 * @param hi     right edge of the last bin, &gt; lo
 * @param counts values per bin
 */
public record Histogram(double lo, double hi, int[] counts) {
    public Histogram {
        Checks.finite("histogram lo", lo);
        Checks.finite("histogram hi", hi);
        if (!(hi > lo)) throw new IllegalArgumentException("histogram: hi " + hi + " must exceed lo " + lo);
        if (counts.length < 1) throw new IllegalArgumentException("histogram: needs at least 1 bin");
    }

    /**
     * Bins the values over [min, max]; when all values are equal the range is widened to
     * value ± max(1e-12, 1e-6·|value|) so the bin has a width.
     */
    public static Histogram of(double[] values, int bins) {
        if (values.length == 0) throw new IllegalArgumentException("histogram: no values");
        if (bins < 1) throw new IllegalArgumentException("histogram: bins must be at least 1, got " + bins);
        Checks.finite("histogram values", values);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (hi == lo) {
            double pad = Math.max(1e-12, 1e-6 * Math.abs(lo));
            lo -= pad;
            hi += pad;
        }
        int[] counts = new int[bins];
        for (double v : values) counts[Math.min(bins - 1, (int) ((v - lo) / (hi - lo) * bins))]++;
        return new Histogram(lo, hi, counts);
    }

    /** Width of one bin. */
    public double binWidth() {
        return (hi - lo) / counts.length;
    }

    /** Left edge of bin i. */
    public double binStart(int i) {
        return lo + i * binWidth();
    }

    /** Σ counts. */
    public int total() {
        int t = 0;
        for (int c : counts) t += c;
        return t;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lo", lo);
        m.put("hi", hi);
        m.put("counts", counts);
        return m;
    }

    static Histogram fromJson(JsonFields m) {
        return new Histogram(m.real("lo"), m.real("hi"), m.ints("counts", 0, Integer.MAX_VALUE));
    }
}
