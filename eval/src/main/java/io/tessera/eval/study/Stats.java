// Summaries over seeds for the study's report: mean, sample standard deviation and the two-sided
// 95 % confidence interval of the mean from Student's t. The t quantile is computed, not tabled:
// the t CDF is the regularised incomplete beta function (continued fraction, modified Lentz),
// with ln Γ by the Lanczos series, inverted by bisection. No statistics library is a dependency
// of the project and this is the only distribution the study needs.
package io.tessera.eval.study;

import java.util.Locale;

/** Means with 95 % confidence intervals over seeds. */
public final class Stats {
    private Stats() {
    }

    /**
     * A sample summary. {@code halfWidth} is t₀.₉₇₅(n−1)·sd/√n, NaN for fewer than two values
     * (one seed has no interval).
     */
    public record Summary(int n, double mean, double sd, double halfWidth) {
        public double low() {
            return mean - halfWidth;
        }

        public double high() {
            return mean + halfWidth;
        }

        public boolean hasInterval() {
            return n >= 2 && Double.isFinite(halfWidth);
        }

        /** "0.712 ± 0.031" (or the mean alone for one value) with {@code digits} decimals. */
        public String format(int digits) {
            String f = "%." + digits + "f";
            String m = String.format(Locale.ROOT, f, mean);
            return hasInterval() ? m + " ± " + String.format(Locale.ROOT, f, halfWidth) : m;
        }
    }

    /** The summary of {@code values}; NaN entries are refused (a missing number is not a zero). */
    public static Summary of(double... values) {
        if (values.length == 0) throw new IllegalArgumentException("a summary needs at least one value");
        double sum = 0;
        for (double v : values) {
            if (!Double.isFinite(v)) throw new IllegalArgumentException("a summary over seeds got a non-finite value " + v);
            sum += v;
        }
        int n = values.length;
        double mean = sum / n;
        if (n == 1) return new Summary(1, mean, Double.NaN, Double.NaN);
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        double sd = Math.sqrt(ss / (n - 1));
        return new Summary(n, mean, sd, tQuantile(0.975, n - 1) * sd / Math.sqrt(n));
    }

    /** Element-wise a[i] − b[i] (paired by seed). */
    public static double[] differences(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("paired values need the same seeds: " + a.length + " vs " + b.length);
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }

    /** The p-quantile (0.5 < p < 1) of Student's t with {@code df} degrees of freedom. */
    public static double tQuantile(double p, int df) {
        if (!(p > 0.5 && p < 1)) throw new IllegalArgumentException("t quantile needs 0.5 < p < 1, got " + p);
        if (df < 1) throw new IllegalArgumentException("t quantile needs df ≥ 1, got " + df);
        double lo = 0, hi = 1;
        while (tCdf(hi, df) < p) hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
            double mid = 0.5 * (lo + hi);
            if (tCdf(mid, df) < p) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /** P(T ≤ t) for Student's t with {@code df} degrees of freedom. */
    public static double tCdf(double t, int df) {
        double x = df / (df + t * t);
        double tail = 0.5 * regularizedBeta(x, df / 2.0, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /** I_x(a, b), the regularised incomplete beta function. */
    static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
        // the continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise
        if (x < (a + 1) / (a + b + 2)) return front * betaFraction(x, a, b) / a;
        return 1 - front * betaFraction(1 - x, b, a) / b;
    }

    private static double betaFraction(double x, double a, double b) {
        final double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 500; m++) {
            int m2 = 2 * m;
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + num * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = 1 + num / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            h *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + num * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = 1 + num / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            double step = d * c;
            h *= step;
            if (Math.abs(step - 1) < 1e-15) break;
        }
        return h;
    }

    private static final double[] LANCZOS = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};

    /** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
    static double lnGamma(double x) {
        if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
        x -= 1;
        double a = LANCZOS[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }
}
