package io.tessera.eval.hessian;

import io.tessera.tensor.Rng;

import java.util.ArrayList;
import java.util.List;

// The eigenvalue spectral density of a Hessian by stochastic Lanczos quadrature, as PyHessian's
// hessian.density(iter=100, n_v=1) and density_plot.density_generate (Ghorbani et al. 2019; Yao
// et al. 2020): per run a Gauss quadrature of the spectral measure from m Lanczos steps, then a
// Gaussian-smoothed density on a fixed grid. Weights use the FIRST eigenvector components (PR #23).

/**
 * Stochastic Lanczos quadrature (SLQ).
 *
 * <p>Run r (of n_v): a Rademacher start from {@code new Rng(seed).split("slq").split(r)}, m Lanczos
 * steps with full re-orthogonalisation ({@link Lanczos}), T = QᵀHQ = S·diag(θ)·Sᵀ by EJML; the nodes
 * are θ₁..θ_m and the weights wᵢ = (e₁ᵀsᵢ)², which sum to 1.
 *
 * <p>Density ({@code density_generate}): lo = mean_r(min θ) − overhead, hi = mean_r(max θ) +
 * overhead, grid xⱼ = lo + j·(hi − lo)/(bins − 1), σ² = sigmaSquared·max(1, hi − lo),
 * ρ(xⱼ) = mean_r Σᵢ wᵢ·exp(−(xⱼ − θᵢ)²/(2σ²))/√(2πσ²), renormalised so Σⱼ ρ(xⱼ)·Δx = 1.
 */
public final class SpectralDensity {
    private SpectralDensity() {
    }

    /**
     * @param steps        m, Lanczos steps per run, 1 ≤ m ≤ n (PyHessian iter = 100)
     * @param runs         n_v, independent runs ≥ 1 (PyHessian 1; more give a smoother estimate)
     * @param bins         grid points ≥ 2 (PyHessian num_bins = 10000)
     * @param sigmaSquared kernel variance before scaling by max(1, range), &gt; 0 (PyHessian 1e-5)
     * @param overhead     margin added beyond the extreme nodes, ≥ 0 (PyHessian 0.01)
     * @param storage      Lanczos basis storage
     * @param seed         seed of the Rademacher starts and restart vectors
     */
    public record Settings(int steps, int runs, int bins, double sigmaSquared, double overhead, BasisStorage storage, long seed) {
        public Settings {
            if (steps < 1) throw new IllegalArgumentException("spectral density: steps must be at least 1, got " + steps);
            if (runs < 1) throw new IllegalArgumentException("spectral density: runs must be at least 1, got " + runs);
            if (bins < 2) throw new IllegalArgumentException("spectral density: bins must be at least 2, got " + bins);
            if (!(sigmaSquared > 0) || !Double.isFinite(sigmaSquared)) {
                throw new IllegalArgumentException("spectral density: sigmaSquared must be a finite number > 0, got " + sigmaSquared);
            }
            if (!(overhead >= 0) || !Double.isFinite(overhead)) throw new IllegalArgumentException("spectral density: overhead must be finite and ≥ 0, got " + overhead);
            if (storage == null) throw new IllegalArgumentException("spectral density: storage is null");
        }

        /** PyHessian: iter 100, n_v 1, num_bins 10000, sigma_squared 1e-5, overhead 0.01; float basis, seed 0. */
        public static Settings pyHessian() {
            return new Settings(100, 1, 10000, 1e-5, 0.01, BasisStorage.FLOAT, 0);
        }

        public Settings withSteps(int m) {
            return new Settings(m, runs, bins, sigmaSquared, overhead, storage, seed);
        }

        public Settings withRuns(int r) {
            return new Settings(steps, r, bins, sigmaSquared, overhead, storage, seed);
        }

        public Settings withStorage(BasisStorage s) {
            return new Settings(steps, runs, bins, sigmaSquared, overhead, s, seed);
        }

        public Settings withSeed(long s) {
            return new Settings(steps, runs, bins, sigmaSquared, overhead, storage, s);
        }
    }

    /** The quadrature of one run: nodes θ ascending, weights (e₁ᵀsᵢ)², and the Lanczos restarts. */
    public record Run(double[] nodes, double[] weights, int restarts) {
        public Run {
            if (nodes.length != weights.length || nodes.length == 0) {
                throw new IllegalArgumentException("SLQ run: needs as many weights as nodes (≥ 1), got " + nodes.length + " nodes and " + weights.length + " weights");
            }
            Checks.finite("SLQ nodes", nodes);
            Checks.finite("SLQ weights", weights);
        }
    }

    /** Runs with {@link ProgressListener#NONE}. */
    public static DensityResult estimate(SymmetricOperator op, Settings settings) {
        return estimate(op, settings, ProgressListener.NONE);
    }

    /**
     * n_v SLQ runs and the smoothed density. Costs runs·m operator applications and a basis of
     * n·m·(4|8) bytes (one run at a time). Progress stage: {@code "density run r/n_v"}.
     *
     * @throws IllegalArgumentException if m &gt; n, the dimension is below 1, or the operator returns NaN/∞
     */
    public static DensityResult estimate(SymmetricOperator op, Settings settings, ProgressListener progress) {
        CheckedOperator h = new CheckedOperator(op, "spectral density (SLQ)");
        int n = h.dimension(), m = settings.steps();
        if (m > n) throw new IllegalArgumentException("spectral density: steps " + m + " exceed the dimension " + n);
        long start = System.nanoTime();
        Rng streams = new Rng(settings.seed()).split("slq");
        List<Run> runs = new ArrayList<>(settings.runs());
        for (int r = 0; r < settings.runs(); r++) {
            Rng rng = streams.split(r);
            double[] q = new double[n];
            RandomVectors.rademacher(rng.split("start"), q);
            KrylovBasis basis = KrylovBasis.create(settings.storage(), m);
            String stage = "density run " + (r + 1) + "/" + settings.runs();
            Tridiagonal t = Lanczos.tridiagonalize(h, q, basis, m, rng.split("restart"), progress, stage);
            Tridiagonal.Eigen eig = t.eigen();
            runs.add(new Run(eig.values(), eig.firstComponentWeights(), t.restarts()));
        }
        Grid grid = generate(runs, settings.bins(), settings.sigmaSquared(), settings.overhead());
        double wall = (System.nanoTime() - start) / 1e9;
        return new DensityResult(settings, n, runs, grid.lo, grid.hi, grid.sigmaSquared, grid.density, h.applications(), wall);
    }

    /** The smoothed density on its grid: the output of {@link #generate}. */
    public record Grid(double lo, double hi, double sigmaSquared, double[] density) {
    }

    /**
     * PyHessian's {@code density_generate}: the Gaussian-smoothed, renormalised density of the runs'
     * quadratures on {@code bins} points from mean(min θ) − overhead to mean(max θ) + overhead.
     *
     * @throws IllegalArgumentException if the kernel underflows at every grid point (raise sigmaSquared or bins)
     */
    public static Grid generate(List<Run> runs, int bins, double sigmaSquared, double overhead) {
        if (runs.isEmpty()) throw new IllegalArgumentException("spectral density: no runs");
        double meanMax = 0, meanMin = 0;
        for (Run r : runs) {
            meanMin += r.nodes()[0];
            meanMax += r.nodes()[r.nodes().length - 1];
        }
        double lo = meanMin / runs.size() - overhead, hi = meanMax / runs.size() + overhead;
        if (!(hi > lo)) throw new IllegalArgumentException("spectral density: the grid [" + lo + ", " + hi + "] is empty; use an overhead > 0");
        double s2 = sigmaSquared * Math.max(1, hi - lo), norm = 1 / Math.sqrt(2 * Math.PI * s2);
        double[] density = new double[bins];
        for (Run r : runs) {
            for (int j = 0; j < bins; j++) {
                double x = gridPoint(lo, hi, bins, j), sum = 0;
                for (int i = 0; i < r.nodes().length; i++) {
                    double d = x - r.nodes()[i];
                    sum += r.weights()[i] * Math.exp(-d * d / (2 * s2)) * norm;
                }
                density[j] += sum / runs.size();
            }
        }
        double total = 0;
        for (double d : density) total += d;
        total *= gridPoint(lo, hi, bins, 1) - gridPoint(lo, hi, bins, 0);
        if (!(total > 0) || !Double.isFinite(total)) {
            throw new IllegalArgumentException("spectral density: the Gaussian kernel (σ² = " + s2 + ") vanishes on the grid of " + bins
                    + " points over [" + lo + ", " + hi + "]; raise sigmaSquared or bins");
        }
        for (int j = 0; j < bins; j++) density[j] /= total;
        return new Grid(lo, hi, s2, density);
    }

    /** xⱼ = lo + j·(hi − lo)/(bins − 1), as numpy.linspace. */
    static double gridPoint(double lo, double hi, int bins, int j) {
        return j == bins - 1 ? hi : lo + j * ((hi - lo) / (bins - 1));
    }
}
