package io.tessera.eval.hessian;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.Arrays;
import java.util.Comparator;

// The m×m symmetric tridiagonal matrix T of a Lanczos run (α on the diagonal, β beside it) and
// its eigendecomposition through EJML's symmetric QR algorithm (no eigensolver of our own).
// Its eigenvalues are the Ritz values; the squared first components of its eigenvectors are the
// Gauss quadrature weights of stochastic Lanczos quadrature (PyHessian PR #23).

/**
 * T = tridiag(β, α, β) of a Lanczos run.
 *
 * @param alpha    α₁..α_m (diagonal)
 * @param beta     β₁..β_{m−1} (off-diagonal); 0 where the run restarted
 * @param residual β_m, the norm of the residual after the last step (Ritz error bounds)
 * @param restarts how many times β fell to zero and a fresh random vector was taken
 */
record Tridiagonal(double[] alpha, double[] beta, double residual, int restarts) {
    Tridiagonal {
        if (beta.length != alpha.length - 1) {
            throw new IllegalArgumentException("tridiagonal: " + alpha.length + " diagonal entries need " + (alpha.length - 1)
                    + " off-diagonal entries, got " + beta.length);
        }
    }

    int size() {
        return alpha.length;
    }

    /**
     * The eigenpairs of T sorted by ascending eigenvalue: T·sᵢ = θᵢ·sᵢ with ‖sᵢ‖ = 1.
     *
     * @param values  θ₁ ≤ … ≤ θ_m
     * @param vectors vectors[i] = sᵢ (m entries)
     */
    record Eigen(double[] values, double[][] vectors) {
        /** (e₁ᵀsᵢ)²: the quadrature weights; they sum to 1. */
        double[] firstComponentWeights() {
            double[] w = new double[values.length];
            for (int i = 0; i < w.length; i++) w[i] = vectors[i][0] * vectors[i][0];
            return w;
        }
    }

    /** Decomposes T with EJML ({@code DecompositionFactory_DDRM.eig(m, true, true)}). */
    Eigen eigen() {
        int m = size();
        DMatrixRMaj t = new DMatrixRMaj(m, m);
        for (int i = 0; i < m; i++) {
            t.set(i, i, alpha[i]);
            if (i + 1 < m) {
                t.set(i, i + 1, beta[i]);
                t.set(i + 1, i, beta[i]);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(m, true, true);
        if (!eig.decompose(t)) {
            throw new IllegalStateException("Lanczos: EJML could not decompose the " + m + "×" + m + " tridiagonal matrix; α="
                    + Arrays.toString(alpha) + " β=" + Arrays.toString(beta));
        }
        Integer[] order = new Integer[m];
        double[] raw = new double[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
            raw[i] = eig.getEigenvalue(i).real;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> raw[i]));
        double[] values = new double[m];
        double[][] vectors = new double[m][];
        for (int i = 0; i < m; i++) {
            values[i] = raw[order[i]];
            double[] s = eig.getEigenVector(order[i]).getData().clone();
            Vectors.scale(1.0 / Vectors.norm(s), s);
            vectors[i] = s;
        }
        return new Eigen(values, vectors);
    }
}
