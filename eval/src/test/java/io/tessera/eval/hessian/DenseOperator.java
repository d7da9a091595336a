package io.tessera.eval.hessian;

import io.tessera.tensor.Rng;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.QRDecomposition;

import java.util.Arrays;

// Test fixture: a dense symmetric matrix as a SymmetricOperator, seeded random matrices with a
// planted spectrum (Q·diag(d)·Qᵀ, Q from the QR of a Gaussian matrix) and EJML's eigenvalues of
// the assembled matrix as the independent reference.

/** A dense symmetric n×n matrix applied as an operator; counts applications. */
final class DenseOperator implements SymmetricOperator {
    final DMatrixRMaj a;
    int applications;

    DenseOperator(DMatrixRMaj a) {
        this.a = a;
    }

    static DenseOperator diagonal(double... d) {
        return new DenseOperator(CommonOps_DDRM.diag(d));
    }

    /** Q·diag(d)·Qᵀ with a seeded random orthogonal Q; symmetrised exactly. */
    static DenseOperator withSpectrum(long seed, double... d) {
        int n = d.length;
        Rng rng = new Rng(seed);
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        for (int i = 0; i < n * n; i++) g.data[i] = rng.nextGaussian();
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(n, n);
        if (!qr.decompose(g)) throw new IllegalStateException("QR failed");
        DMatrixRMaj q = qr.getQ(null, false);
        DMatrixRMaj qd = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) qd.set(i, j, q.get(i, j) * d[j]);
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(qd, q, a);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = 0.5 * (a.get(i, j) + a.get(j, i));
                a.set(i, j, s);
                a.set(j, i, s);
            }
        }
        return new DenseOperator(a);
    }

    /** A spectrum for n: planted top values, a planted bottom, and the rest uniform in [lo, hi]. */
    static double[] spectrum(int n, long seed, double[] top, double[] bottom, double lo, double hi) {
        double[] d = new double[n];
        Rng rng = new Rng(seed).split("spectrum");
        System.arraycopy(top, 0, d, 0, top.length);
        System.arraycopy(bottom, 0, d, top.length, bottom.length);
        for (int i = top.length + bottom.length; i < n; i++) d[i] = lo + (hi - lo) * rng.nextDouble();
        return d;
    }

    /** EJML's eigenvalues of the matrix, descending. */
    double[] referenceEigenvaluesDescending() {
        int n = a.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        if (!eig.decompose(a.copy())) throw new IllegalStateException("eig failed");
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = eig.getEigenvalue(i).real;
        Arrays.sort(v);
        for (int i = 0; i < n / 2; i++) {
            double t = v[i];
            v[i] = v[n - 1 - i];
            v[n - 1 - i] = t;
        }
        return v;
    }

    double trace() {
        return CommonOps_DDRM.trace(a);
    }

    @Override
    public int dimension() {
        return a.numRows;
    }

    @Override
    public void apply(double[] v, double[] out) {
        applications++;
        int n = a.numRows;
        for (int i = 0; i < n; i++) {
            double s = 0;
            int row = i * n;
            for (int j = 0; j < n; j++) s += a.data[row + j] * v[j];
            out[i] = s;
        }
    }
}
