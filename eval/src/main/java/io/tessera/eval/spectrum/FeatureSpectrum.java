package io.tessera.eval.spectrum;

// Spectra of accumulated features (GramAccumulator): the centred covariance spectrum of Jing et al.
// (ICLR 2022), RankMe (Garrido et al., ICML 2023: Roy & Vetterli's effective rank of the singular
// values of the uncentred N×K matrix Z, σ_k = sqrt(λ_k(ZᵀZ))), its variant on σ² (the exponential of
// the matrix (von Neumann) entropy of ZᵀZ/tr ZᵀZ) and α-ReQ (AlphaFit). Both K×K symmetric
// eigendecompositions (of ZᵀZ and of C) go to EJML; the N×K matrix is never decomposed.

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.Arrays;

/** Computes a {@link SpectrumResult} from a {@link GramAccumulator}. */
public final class FeatureSpectrum {
    private FeatureSpectrum() {
    }

    /**
     * Settings of the scalar summaries.
     *
     * @param epsilon RankMe's ε added to every p_k (1e-7 as public implementations)
     * @param window  the α-ReQ fit window
     */
    public record Settings(double epsilon, AlphaFit.Window window) {
        public Settings {
            if (!(epsilon >= 0 && epsilon < 1e-2)) throw new IllegalArgumentException("RankMe ε must be in [0, 0.01), got " + epsilon);
            if (window == null) throw new IllegalArgumentException("an α-ReQ window is needed");
        }

        /** ε = 1e-7, window 10..100. */
        public static Settings defaults() {
            return new Settings(1e-7, AlphaFit.Window.defaults());
        }

        public Settings withWindow(AlphaFit.Window w) {
            return new Settings(epsilon, w);
        }
    }

    /**
     * The spectrum of the features in {@code acc}, labelled for figures and JSON.
     *
     * @throws IllegalArgumentException with fewer than 2 feature vectors
     * @throws IllegalStateException    when every feature is zero (RankMe has no distribution then)
     */
    public static SpectrumResult compute(String label, FeatureLayer layer, TokenPooling pooling, GramAccumulator acc, Settings s) {
        if (acc.count() < 2) throw new IllegalArgumentException("a spectrum needs at least 2 feature vectors, got " + acc.count());
        double[] gram = symmetricEigenvalues(acc.gram());
        int r = (int) Math.min(acc.count(), acc.dim());
        double[] sigma = new double[r];
        for (int k = 0; k < r; k++) sigma[k] = Math.sqrt(Math.max(gram[k], 0));
        double[] cov = symmetricEigenvalues(acc.covariance());
        AlphaFit fit = AlphaFit.fit(cov, s.window());
        return new SpectrumResult(label, layer, pooling, acc.count(), acc.dim(), cov, sigma, rankMe(sigma, s.epsilon()),
                matrixEntropyRank(sigma, s.epsilon()), s, fit, fit == null ? AlphaFit.whyNot(cov, s.window()) : null);
    }

    /**
     * RankMe = exp(−Σ_k p_k·ln p_k) with p_k = σ_k/‖σ‖₁ + ε over the given singular values.
     *
     * @throws IllegalStateException when every σ_k is 0
     */
    public static double rankMe(double[] sigma, double epsilon) {
        return entropyRank(sigma, epsilon, false);
    }

    /**
     * The same effective rank on p_k = σ_k²/Σσ² + ε: exp of the von Neumann (matrix) entropy of
     * ZᵀZ/tr(ZᵀZ), which public code sometimes reports as RankMe; it weights large values more.
     */
    public static double matrixEntropyRank(double[] sigma, double epsilon) {
        return entropyRank(sigma, epsilon, true);
    }

    private static double entropyRank(double[] sigma, double epsilon, boolean squared) {
        double total = 0;
        for (double v : sigma) {
            if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException("singular value " + v + " is not a finite non-negative number");
            total += squared ? v * v : v;
        }
        if (!(total > 0)) throw new IllegalStateException("every singular value is 0 (all features are zero): the effective rank is undefined");
        double h = 0;
        for (double v : sigma) {
            double p = (squared ? v * v : v) / total + epsilon;
            h -= p * Math.log(p);
        }
        return Math.exp(h);
    }

    /** Eigenvalues of a symmetric K×K matrix in descending order (EJML's symmetric QR algorithm; {@code m} is not modified). */
    public static double[] symmetricEigenvalues(DMatrixRMaj m) {
        if (m.numRows != m.numCols) throw new IllegalArgumentException("eigenvalues of a " + m.numRows + "×" + m.numCols + " matrix: not square");
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(m.numRows, false, true);
        if (!eig.decompose(m.copy())) throw new IllegalStateException("EJML's symmetric eigendecomposition of a " + m.numRows + "×" + m.numRows + " matrix did not converge");
        double[] v = new double[m.numRows];
        for (int i = 0; i < v.length; i++) {
            v[i] = eig.getEigenvalue(i).real;
            if (!Double.isFinite(v[i])) throw new IllegalStateException("eigenvalue " + i + " of a " + m.numRows + "×" + m.numRows + " matrix is " + v[i]);
        }
        Arrays.sort(v);
        for (int i = 0, j = v.length - 1; i < j; i++, j--) {
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }
}
