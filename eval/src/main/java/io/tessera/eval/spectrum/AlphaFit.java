package io.tessera.eval.spectrum;

// α-ReQ (Agrawal et al., NeurIPS 2022): the covariance eigenspectrum modelled as a power law
// λ_i ∝ i^(−α), α estimated as minus the slope of an ordinary least-squares line through
// (ln i, ln λ_i) over a window of 1-based ranks, with the R² of that line. The window is a setting
// (the paper's is not stated; default 10–100), clipped to the ranks whose eigenvalue is numerically positive.

/**
 * A power-law fit of a descending spectrum.
 *
 * @param alpha         −slope of ln λ_i against ln i
 * @param intercept     ln λ at i = 1 on the fitted line: ln λ_i ≈ intercept − α·ln i
 * @param r2            coefficient of determination of the line, 1 − SS_res/SS_tot
 * @param from          first rank used (1-based, inclusive)
 * @param to            last rank used (inclusive)
 * @param requestedFrom the window's first rank as asked
 * @param requestedTo   the window's last rank as asked
 */
public record AlphaFit(double alpha, double intercept, double r2, int from, int to, int requestedFrom, int requestedTo) {
    /** Fewest points a fit is made on. */
    public static final int MIN_POINTS = 3;

    public AlphaFit {
        if (!Double.isFinite(alpha) || !Double.isFinite(intercept) || !Double.isFinite(r2)) {
            throw new IllegalArgumentException("α-ReQ fit: α " + alpha + ", intercept " + intercept + ", R² " + r2 + " must be finite");
        }
        if (from < 1 || to < from + MIN_POINTS - 1) throw new IllegalArgumentException("α-ReQ fit: ranks " + from + ".." + to + " hold fewer than " + MIN_POINTS + " points");
    }

    /** The fit window: 1-based ranks {@code from..to} inclusive. */
    public record Window(int from, int to) {
        public Window {
            if (from < 1 || to < from + MIN_POINTS - 1) {
                throw new IllegalArgumentException("α-ReQ window " + from + ".." + to + ": need 1 ≤ from and at least " + MIN_POINTS + " ranks");
            }
        }

        /** Ranks 10..100, clipped to the spectrum's length when used. */
        public static Window defaults() {
            return new Window(10, 100);
        }

        /** Parses "FROM:TO" or "FROM-TO". */
        public static Window parse(String s) {
            String[] p = s.trim().split("[:-]");
            try {
                if (p.length == 2) return new Window(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("α-ReQ window '" + s + "': expected FROM:TO, e.g. 10:100");
        }
    }

    /**
     * Fits {@code lambda} (descending) over the window: ranks from..min(to, n, last rank above
     * {@link #zeroTolerance}). Returns null when fewer than {@link #MIN_POINTS} ranks of the window are above it
     * (the reason is then {@link #whyNot}).
     */
    public static AlphaFit fit(double[] lambda, Window w) {
        int to = lastUsable(lambda, w);
        if (to < w.from() + MIN_POINTS - 1) return null;
        int n = to - w.from() + 1;
        double mx = 0, my = 0;
        for (int i = w.from(); i <= to; i++) {
            mx += Math.log(i) / n;
            my += Math.log(lambda[i - 1]) / n;
        }
        double sxx = 0, sxy = 0, syy = 0;
        for (int i = w.from(); i <= to; i++) {
            double dx = Math.log(i) - mx, dy = Math.log(lambda[i - 1]) - my;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        double slope = sxy / sxx, intercept = my - slope * mx;
        double ssRes = 0;
        for (int i = w.from(); i <= to; i++) {
            double r = Math.log(lambda[i - 1]) - (intercept + slope * Math.log(i));
            ssRes += r * r;
        }
        // a flat spectrum (SS_tot = 0) lies exactly on its line
        double r2 = syy == 0 ? 1.0 : 1 - ssRes / syy;
        return new AlphaFit(-slope, intercept, r2, w.from(), to, w.from(), w.to());
    }

    /** Why {@link #fit} returned null, for results and messages. */
    public static String whyNot(double[] lambda, Window w) {
        int to = lastUsable(lambda, w);
        return "the window " + w.from() + ".." + w.to() + " holds " + Math.max(0, to - w.from() + 1) + " eigenvalue(s) above rounding of "
                + lambda.length + "; a fit needs " + MIN_POINTS;
    }

    /**
     * The eigenvalues treated as zero: λ ≤ λ₁·K·2⁻⁵² (numpy's matrix-rank tolerance for a K×K
     * symmetric matrix), below which an eigenvalue of a double-precision decomposition is rounding.
     */
    public static double zeroTolerance(double[] lambda) {
        return lambda.length == 0 ? 0 : Math.max(lambda[0], 0) * lambda.length * Math.ulp(1.0);
    }

    private static int lastUsable(double[] lambda, Window w) {
        int to = Math.min(w.to(), lambda.length);
        double tol = zeroTolerance(lambda);
        for (int i = w.from(); i <= to; i++) {
            if (!(lambda[i - 1] > tol)) return i - 1;
        }
        return to;
    }
}
