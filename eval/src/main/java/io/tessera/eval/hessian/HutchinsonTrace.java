package io.tessera.eval.hessian;

import io.tessera.tensor.Rng;

// The trace of a Hessian by Hutchinson's estimator, as PyHessian's hessian.trace(maxIter=100,
// tol=1e-3): E[vᵀHv] = tr(H) for Rademacher v. Adds a minimum sample count (PyHessian's rule can
// stop after 2 samples by chance) and the standard error of the mean.

/**
 * Hutchinson's trace estimator with Rademacher probes.
 *
 * <p>Sample i draws vᵢ ∈ {±1}ⁿ from {@code new Rng(seed).split("hutchinson").split(i)} and records
 * sᵢ = vᵢᵀ·H·vᵢ. With the running mean t_N = (1/N)·Σ sᵢ, it stops after sample N when
 * N ≥ minSamples and |t_N − t_{N−1}| / (|t_{N−1}| + 1e-6) &lt; tol, or at N = maxIter. The standard
 * error is sd/√N with the sample standard deviation sd (N − 1 in the denominator).
 */
public final class HutchinsonTrace {
    private HutchinsonTrace() {
    }

    /**
     * @param maxIter    samples at most (PyHessian 100)
     * @param tol        relative change of the running mean that stops the loop, &gt; 0 (PyHessian 1e-3)
     * @param minSamples samples before the stopping rule may fire, 2 ≤ minSamples ≤ maxIter
     * @param seed       seed of the Rademacher probes
     */
    public record Settings(int maxIter, double tol, int minSamples, long seed) {
        public Settings {
            if (maxIter < 2) throw new IllegalArgumentException("Hutchinson trace: maxIter must be at least 2, got " + maxIter);
            if (!(tol > 0) || !Double.isFinite(tol)) throw new IllegalArgumentException("Hutchinson trace: tol must be a finite number > 0, got " + tol);
            if (minSamples < 2 || minSamples > maxIter) {
                throw new IllegalArgumentException("Hutchinson trace: minSamples must be in [2, maxIter=" + maxIter + "], got " + minSamples);
            }
        }

        /** PyHessian's maxIter 100 and tol 1e-3, with at least 20 samples; seed 0. */
        public static Settings defaults() {
            return new Settings(100, 1e-3, 20, 0);
        }

        public Settings withSeed(long s) {
            return new Settings(maxIter, tol, minSamples, s);
        }
    }

    /** Runs with {@link ProgressListener#NONE}. */
    public static TraceResult estimate(SymmetricOperator op, Settings settings) {
        return estimate(op, settings, ProgressListener.NONE);
    }

    /**
     * tr(H) ≈ mean of vᵀHv over Rademacher v. Progress stage: {@code "trace"}.
     *
     * @throws IllegalArgumentException if the dimension is below 1 or the operator returns NaN/∞
     */
    public static TraceResult estimate(SymmetricOperator op, Settings settings, ProgressListener progress) {
        CheckedOperator h = new CheckedOperator(op, "Hutchinson trace");
        int n = h.dimension();
        long start = System.nanoTime();
        Rng probes = new Rng(settings.seed()).split("hutchinson");
        double[] v = new double[n], hv = new double[n], samples = new double[settings.maxIter()];
        double sum = 0, previous = 0;
        int count = 0;
        boolean converged = false;
        while (count < settings.maxIter()) {
            RandomVectors.rademacher(probes.split(count), v);
            h.apply(v, hv);
            samples[count] = Vectors.dot(hv, v);
            sum += samples[count];
            count++;
            progress.step("trace", count, settings.maxIter());
            double mean = sum / count;
            if (count >= settings.minSamples() && Math.abs(mean - previous) / (Math.abs(previous) + 1e-6) < settings.tol()) {
                converged = true;
                break;
            }
            previous = mean;
        }
        double wall = (System.nanoTime() - start) / 1e9;
        return TraceResult.of(settings, n, java.util.Arrays.copyOf(samples, count), converged, h.applications(), wall);
    }
}
