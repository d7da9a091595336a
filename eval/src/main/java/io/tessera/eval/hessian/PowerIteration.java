package io.tessera.eval.hessian;

import io.tessera.tensor.Rng;

// Top-k eigenvalues of a symmetric operator by power iteration with deflation, as PyHessian's
// hessian.eigenvalues(maxIter=100, tol=1e-3, top_n=1) (Yao et al. 2020, arXiv 1912.07145).
// Power iteration finds the eigenvalue of largest MAGNITUDE, which may be negative; for the
// most negative one use SpectralShift, for many at once use Lanczos.

/**
 * Power iteration with Gram–Schmidt deflation against the eigenvectors already found.
 *
 * <p>For eigenvalue e = 1..k: v ← g/(‖g‖+1e-6) with g ~ N(0, I) from the stream
 * {@code new Rng(seed).split("power").split(e-1)}; then repeat up to maxIter times:
 * v ← orthonormalise(v, q₁..q_{e-1}); w = H·v; λ = vᵀw / vᵀv; v ← w/(‖w‖+1e-6), and stop when
 * |λ − λ_prev| / (|λ_prev| + 1e-6) &lt; tol. Two deliberate differences from PyHessian: the Rayleigh
 * quotient divides by vᵀv (PyHessian's +1e-6 leaves ‖v‖ &lt; 1, which biases λ when ‖Hv‖ is small),
 * and on convergence the newest λ is kept rather than the previous one.
 */
public final class PowerIteration {
    private PowerIteration() {
    }

    /** When an eigenvalue counts as found. */
    public enum Stop {
        /** PyHessian's rule: the Rayleigh quotient changed by less than tol (relative). Fooled by a dense bulk of eigenvalues, where a random vector's quotient barely moves. */
        RELATIVE_CHANGE,
        /** The eigen-residual ‖Hv − λv‖/(|λ|·‖v‖) fell below tol: robust, used for the shifted operator of the λmin route. */
        RESIDUAL
    }

    /**
     * @param topK    number of eigenvalues (k ≥ 1, k ≤ n)
     * @param maxIter operator applications per eigenvalue at most, ≥ 2
     * @param tol     stopping tolerance, &gt; 0
     * @param seed    seed of the Gaussian start vectors
     * @param stop    the stopping rule
     */
    public record Settings(int topK, int maxIter, double tol, long seed, Stop stop) {
        /** PyHessian's relative-change rule. */
        public Settings(int topK, int maxIter, double tol, long seed) {
            this(topK, maxIter, tol, seed, Stop.RELATIVE_CHANGE);
        }

        public Settings {
            if (stop == null) throw new IllegalArgumentException("power iteration: a stopping rule is required");
            if (topK < 1) throw new IllegalArgumentException("power iteration: topK must be at least 1, got " + topK);
            if (maxIter < 2) throw new IllegalArgumentException("power iteration: maxIter must be at least 2 (the stopping rule compares two estimates), got " + maxIter);
            if (!(tol > 0) || !Double.isFinite(tol)) throw new IllegalArgumentException("power iteration: tol must be a finite number > 0, got " + tol);
        }

        /** PyHessian's defaults: top_n 1, maxIter 100, tol 1e-3; seed 0. */
        public static Settings pyHessian() {
            return new Settings(1, 100, 1e-3, 0);
        }

        public Settings withTopK(int k) {
            return new Settings(k, maxIter, tol, seed, stop);
        }

        public Settings withSeed(long s) {
            return new Settings(topK, maxIter, tol, s, stop);
        }

        public Settings withStopping(int iterations, double tolerance) {
            return new Settings(topK, iterations, tolerance, seed, stop);
        }

        public Settings withStop(Stop rule) {
            return new Settings(topK, maxIter, tol, seed, rule);
        }
    }

    /** Runs with {@link ProgressListener#NONE}. */
    public static PowerIterationResult run(SymmetricOperator op, Settings settings) {
        return run(op, settings, ProgressListener.NONE);
    }

    /**
     * The k eigenvalues of largest magnitude, in the order found (deflation), with their unit
     * eigenvectors. Not modified: the operator's inputs. Progress stage: {@code "power λe"}.
     *
     * @throws IllegalArgumentException if k &gt; n, the dimension is below 1, or the operator returns NaN/∞
     */
    public static PowerIterationResult run(SymmetricOperator op, Settings settings, ProgressListener progress) {
        CheckedOperator h = new CheckedOperator(op, "power iteration");
        int n = h.dimension(), k = settings.topK();
        if (k > n) throw new IllegalArgumentException("power iteration: topK " + k + " exceeds the dimension " + n);
        long start = System.nanoTime();
        Rng streams = new Rng(settings.seed()).split("power");
        double[] values = new double[k], changes = new double[k];
        int[] iterations = new int[k];
        boolean[] converged = new boolean[k];
        double[][] vectors = new double[k][];
        double[] w = new double[n];
        for (int e = 0; e < k; e++) {
            double[] v = new double[n];
            RandomVectors.gaussian(streams.split(e), v);
            Vectors.normalizeLikePyHessian(v);
            Single one = iterate(h, v, w, vectors, e, settings, progress, "power λ" + (e + 1));
            values[e] = one.lambda;
            changes[e] = one.change;
            iterations[e] = one.iterations;
            converged[e] = one.converged;
            double norm = Vectors.norm(v);
            if (norm > 0) Vectors.scale(1.0 / norm, v);
            vectors[e] = v;
        }
        double wall = (System.nanoTime() - start) / 1e9;
        return new PowerIterationResult(settings, n, values, iterations, converged, changes, h.applications(), wall, vectors);
    }

    private record Single(double lambda, double change, int iterations, boolean converged) {
    }

    /** ‖w − λv‖ / (|λ|·‖v‖) for w = Hv. */
    private static double residual(double[] w, double[] v, double lambda, double vv) {
        double r = 0;
        for (int i = 0; i < w.length; i++) {
            double d = w[i] - lambda * v[i];
            r += d * d;
        }
        double scale = Math.abs(lambda) * Math.sqrt(vv);
        return scale == 0 ? Double.POSITIVE_INFINITY : Math.sqrt(r) / scale;
    }

    /** Iterates v (modified in place to the eigenvector estimate) against found[0..e). */
    private static Single iterate(CheckedOperator h, double[] v, double[] w, double[][] found, int e,
                                  Settings s, ProgressListener progress, String stage) {
        double lambda = Double.NaN, change = Double.POSITIVE_INFINITY;
        for (int it = 1; it <= s.maxIter(); it++) {
            Vectors.orthogonalize(v, found, e);
            Vectors.normalizeLikePyHessian(v);
            h.apply(v, w);
            double vv = Vectors.dot(v, v);
            double next = vv == 0 ? 0 : Vectors.dot(w, v) / vv;
            progress.step(stage, it, s.maxIter());
            double wNorm = Vectors.norm(w);
            if (wNorm == 0) return new Single(next, 0, it, true); // v is in the null space: λ = 0 exactly
            double residual = s.stop() == Stop.RESIDUAL ? residual(w, v, next, vv) : Double.NaN;
            System.arraycopy(w, 0, v, 0, v.length);
            Vectors.scale(1.0 / (wNorm + 1e-6), v);
            if (s.stop() == Stop.RESIDUAL) {
                change = residual;
                if (residual < s.tol()) return new Single(next, change, it, true);
            } else if (it > 1) {
                change = Math.abs(next - lambda) / (Math.abs(lambda) + 1e-6);
                if (change < s.tol()) return new Single(next, change, it, true);
            }
            lambda = next;
        }
        return new Single(lambda, change, s.maxIter(), false);
    }
}
