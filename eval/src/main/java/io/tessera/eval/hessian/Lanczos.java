package io.tessera.eval.hessian;

import io.tessera.tensor.Rng;

// Lanczos tridiagonalisation with full re-orthogonalisation (the loop of PyHessian's density(),
// Golub & Van Loan §10.1), here used for extreme Ritz values: the top-k and λmin in one run of m
// operator applications. ARPACK's implicit restarts (SciPy eigsh, Li et al.) are not done: m is
// fixed, and the residual bounds β_m·|e_mᵀsᵢ| say how far each Ritz value may be off.

/**
 * Lanczos with full re-orthogonalisation.
 *
 * <p>From a unit start q₁: for j = 1..m, w = H·q_j; α_j = q_jᵀw; w ← w − α_j·q_j − β_{j−1}·q_{j−1};
 * w ← w − Σᵢ (qᵢᵀw)·qᵢ over every stored qᵢ (twice when needed); β_j = ‖w‖; q_{j+1} = w/β_j. When
 * β_j ≤ 1e-10·‖H·q_j‖ the Krylov space is exhausted: β_j is set to 0 and q_{j+1} is a fresh
 * Gaussian vector orthogonalised against the basis. Then T = tridiag(β, α, β) = Qᵀ·H·Q and its
 * eigenvalues θ (EJML) are the Ritz values; Ritz vectors are yᵢ = Q·sᵢ.
 *
 * <p>Memory: the basis holds m vectors of n entries, 4 bytes each with {@link BasisStorage#FLOAT}
 * (the default) or 8 with {@link BasisStorage#DOUBLE}, plus two double work vectors: about
 * n·(m+1)·(4 or 8) bytes, see {@link Settings#memoryBytes(long)}. For n = 6·10⁶ and m = 100 that
 * is 2.4 GB with float storage.
 */
public final class Lanczos {
    /** Breakdown threshold: β below this fraction of ‖H·q_j‖ counts as zero. */
    static final double BREAKDOWN = 1e-10;

    private Lanczos() {
    }

    /**
     * @param steps       m, the number of Lanczos steps (operator applications), 1 ≤ m ≤ n
     * @param topK        how many of the largest Ritz values (and vectors) to report, 1 ≤ k ≤ m
     * @param ritzVectors whether to compute the top-k Ritz vectors (k·n·8 more bytes)
     * @param storage     float or double basis vectors
     * @param seed        seed of the Gaussian start and restart vectors
     */
    public record Settings(int steps, int topK, boolean ritzVectors, BasisStorage storage, long seed) {
        public Settings {
            if (steps < 1) throw new IllegalArgumentException("Lanczos: steps must be at least 1, got " + steps);
            if (topK < 1 || topK > steps) throw new IllegalArgumentException("Lanczos: topK must be in [1, steps=" + steps + "], got " + topK);
            if (storage == null) throw new IllegalArgumentException("Lanczos: storage is null");
        }

        /** 100 steps (as PyHessian's density), top-1, no Ritz vectors, float storage, seed 0. */
        public static Settings defaults() {
            return new Settings(100, 1, false, BasisStorage.FLOAT, 0);
        }

        public Settings withSteps(int m) {
            return new Settings(m, Math.min(topK, m), ritzVectors, storage, seed);
        }

        public Settings withTopK(int k, boolean vectors) {
            return new Settings(steps, k, vectors, storage, seed);
        }

        public Settings withStorage(BasisStorage s) {
            return new Settings(steps, topK, ritzVectors, s, seed);
        }

        public Settings withSeed(long s) {
            return new Settings(steps, topK, ritzVectors, storage, s);
        }

        /** Bytes this run allocates for dimension n: basis n·m·(4|8) + work 2·n·8 (+ Ritz vectors k·n·8). */
        public long memoryBytes(long n) {
            return n * steps * storage.bytesPerEntry() + 2 * n * 8 + (ritzVectors ? (long) topK * n * 8 : 0);
        }
    }

    /** Runs with {@link ProgressListener#NONE}. */
    public static LanczosResult run(SymmetricOperator op, Settings settings) {
        return run(op, settings, ProgressListener.NONE);
    }

    /**
     * m Lanczos steps from a Gaussian start ({@code new Rng(seed).split("lanczos")}): all Ritz values,
     * the top-k with residual bounds, λmin = θ₁, and the top-k Ritz vectors when asked.
     * Progress stage: {@code "lanczos"}.
     *
     * @throws IllegalArgumentException if m &gt; n, the dimension is below 1, or the operator returns NaN/∞
     */
    public static LanczosResult run(SymmetricOperator op, Settings settings, ProgressListener progress) {
        CheckedOperator h = new CheckedOperator(op, "Lanczos");
        int n = h.dimension(), m = settings.steps();
        if (m > n) throw new IllegalArgumentException("Lanczos: steps " + m + " exceed the dimension " + n);
        long start = System.nanoTime();
        Rng rng = new Rng(settings.seed()).split("lanczos");
        double[] q = new double[n];
        RandomVectors.gaussian(rng.split("start"), q);
        KrylovBasis basis = KrylovBasis.create(settings.storage(), m);
        Tridiagonal t = tridiagonalize(h, q, basis, m, rng.split("restart"), progress, "lanczos");
        Tridiagonal.Eigen eig = t.eigen();
        double[] residuals = new double[m];
        for (int i = 0; i < m; i++) residuals[i] = Math.abs(t.residual() * eig.vectors()[i][m - 1]);
        double[][] vectors = settings.ritzVectors() ? ritzVectors(basis, eig, settings.topK(), n) : new double[0][];
        double wall = (System.nanoTime() - start) / 1e9;
        return new LanczosResult(settings, n, eig.values(), residuals, t.restarts(), h.applications(), wall, vectors);
    }

    /** yᵢ = Q·sᵢ for the k largest θᵢ, largest first, normalised. */
    private static double[][] ritzVectors(KrylovBasis basis, Tridiagonal.Eigen eig, int k, int n) {
        int m = eig.values().length;
        double[][] y = new double[k][];
        for (int i = 0; i < k; i++) {
            y[i] = new double[n];
            basis.combine(eig.vectors()[m - 1 - i], y[i]);
            Vectors.scale(1.0 / Vectors.norm(y[i]), y[i]);
        }
        return y;
    }

    /**
     * The Lanczos loop shared with stochastic Lanczos quadrature: m steps from {@code q}
     * (normalised here, then owned by the loop), filling {@code basis} with q₁..q_m.
     * Modified: q, basis.
     */
    static Tridiagonal tridiagonalize(CheckedOperator h, double[] q, KrylovBasis basis, int m, Rng restarts,
                                      ProgressListener progress, String stage) {
        int n = q.length;
        double norm = Vectors.norm(q);
        if (norm == 0) throw new IllegalArgumentException("Lanczos: the start vector is zero");
        Vectors.scale(1.0 / norm, q);
        basis.add(q);
        double[] w = new double[n];
        double[] alpha = new double[m], beta = new double[m - 1];
        int restartCount = 0;
        double residual = 0;
        for (int j = 0; j < m; j++) {
            h.apply(q, w);
            double scale = Vectors.norm(w);
            alpha[j] = Vectors.dot(w, q);
            Vectors.axpy(-alpha[j], q, w);
            if (j > 0) basis.axpy(j - 1, -beta[j - 1], w);
            basis.reorthogonalize(w);
            double b = Vectors.norm(w);
            progress.step(stage, j + 1, m);
            if (j == m - 1) {
                residual = b;
                break;
            }
            if (b <= BREAKDOWN * scale || b == 0) {
                restartCount++;
                beta[j] = 0;
                freshDirection(restarts, basis, q);
            } else {
                beta[j] = b;
                System.arraycopy(w, 0, q, 0, n);
                Vectors.scale(1.0 / b, q);
            }
            basis.add(q);
        }
        return new Tridiagonal(alpha, beta, residual, restartCount);
    }

    /** q = a Gaussian vector orthogonalised against the basis and normalised. Written: q. */
    private static void freshDirection(Rng rng, KrylovBasis basis, double[] q) {
        for (int attempt = 0; attempt < 8; attempt++) {
            RandomVectors.gaussian(rng, q);
            double before = Vectors.norm(q);
            basis.reorthogonalize(q);
            double after = Vectors.norm(q);
            if (after > 1e-8 * before) {
                Vectors.scale(1.0 / after, q);
                return;
            }
        }
        throw new IllegalStateException("Lanczos: no direction orthogonal to the " + basis.size() + " basis vectors was found");
    }
}
