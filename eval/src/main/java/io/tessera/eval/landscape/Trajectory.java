// PCA directions of a training trajectory (loss-landscape's projection.py / plot_trajectory.py): the
// differences d_t = θ_t − θ_final of the saved checkpoints (tensors of rank ≤ 1 zeroed under biasbn),
// centred as sklearn's PCA does, and their first two principal components by the Gram trick — one K×K
// symmetric eigendecomposition (EJML) instead of an SVD of a K × n matrix — with the explained-variance
// ratios, and every checkpoint projected onto the components (the "cos" method: x = ⟨d_t, pc₁⟩).
package io.tessera.eval.landscape;

import io.tessera.eval.objective.ParameterSelection;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.util.ArrayList;
import java.util.List;

/**
 * @param pc1       first principal direction (unit norm, float32 values)
 * @param pc2       second principal direction
 * @param explained explained-variance ratio of PC1 and PC2 (λᵢ/Σλ of the centred differences)
 * @param singular  singular values of the centred difference matrix (√λᵢ), PC1 and PC2
 * @param points    (x, y) of every checkpoint in the PC plane, in input order
 */
public record Trajectory(double[] pc1, double[] pc2, double[] explained, double[] singular, double[][] points) {

    /** The trajectory of {@code thetas} (each a vector in {@code sel}'s layout) relative to {@code last}. */
    public static Trajectory of(ParameterSelection sel, List<double[]> thetas, double[] last, Directions.LowRank lowRank) {
        int k = thetas.size(), n = sel.dimension();
        if (k < 3) throw new IllegalArgumentException("a PCA trajectory needs at least 3 checkpoints, got " + k);
        sel.requireLayout(last, "final checkpoint");
        List<double[]> d = new ArrayList<>();
        for (double[] t : thetas) {
            sel.requireLayout(t, "checkpoint");
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = t[i] - last[i];
            if (lowRank == Directions.LowRank.IGNORE) zeroLowRank(sel, v);
            d.add(v);
        }
        double[] mean = new double[n];
        for (double[] v : d) for (int i = 0; i < n; i++) mean[i] += v[i] / k;
        List<double[]> c = new ArrayList<>();
        for (double[] v : d) {
            double[] w = new double[n];
            for (int i = 0; i < n; i++) w[i] = v[i] - mean[i];
            c.add(w);
        }
        DMatrixRMaj gram = new DMatrixRMaj(k, k);
        for (int a = 0; a < k; a++) {
            for (int b = a; b < k; b++) {
                double s = dot(c.get(a), c.get(b));
                gram.set(a, b, s);
                gram.set(b, a, s);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(k, true, true);
        if (!eig.decompose(gram)) throw new IllegalStateException("the Gram eigendecomposition of the trajectory did not converge");
        Integer[] order = new Integer[k];
        double total = 0;
        for (int i = 0; i < k; i++) {
            order[i] = i;
            total += Math.max(0, eig.getEigenvalue(i).getReal());
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(eig.getEigenvalue(y).getReal(), eig.getEigenvalue(x).getReal()));
        if (!(total > 0)) throw new IllegalArgumentException("the checkpoints do not move: their differences have no variance");
        double[][] pcs = new double[2][];
        double[] explained = new double[2], singular = new double[2];
        for (int j = 0; j < 2; j++) {
            int idx = order[j];
            double lambda = eig.getEigenvalue(idx).getReal();
            DMatrixRMaj u = eig.getEigenVector(idx);
            double[] pc = new double[n];
            for (int a = 0; a < k; a++) {
                double ua = u.get(a, 0);
                double[] row = c.get(a);
                for (int i = 0; i < n; i++) pc[i] += ua * row[i];
            }
            double norm = Math.sqrt(dot(pc, pc));
            if (norm == 0) throw new IllegalArgumentException("the trajectory spans fewer than two directions");
            for (int i = 0; i < n; i++) pc[i] = (float) (pc[i] / norm);
            pcs[j] = pc;
            explained[j] = Math.max(0, lambda) / total;
            singular[j] = Math.sqrt(Math.max(0, lambda));
        }
        double[][] points = new double[k][];
        for (int t = 0; t < k; t++) points[t] = new double[] {dot(d.get(t), pcs[0]), dot(d.get(t), pcs[1])};
        return new Trajectory(pcs[0], pcs[1], explained, singular, points);
    }

    private static void zeroLowRank(ParameterSelection sel, double[] v) {
        for (ParameterSelection.Entry e : sel.entries()) {
            if (e.parameter().shape().rank() <= 1) java.util.Arrays.fill(v, e.offset(), e.offset() + e.size(), 0);
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** "1st PC: 62.13 %"-style axis label of component j (0 or 1). */
    public String axisLabel(int j) {
        return String.format(java.util.Locale.ROOT, "%s PC: %.2f %%", j == 0 ? "1st" : "2nd", 100 * explained[j]);
    }
}
