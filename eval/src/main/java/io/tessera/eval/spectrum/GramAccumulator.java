package io.tessera.eval.spectrum;

// Streaming second moments of N feature vectors z_i ∈ R^K in double precision: the uncentred Gram
// ZᵀZ (K×K) and the column sums Σ z_i, batch by batch (EJML's multAddTransA), so that no N×K matrix
// is ever held or decomposed (spec analysis §7.2). Not thread-safe; one accumulator per layer.

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/** Accumulates G = ZᵀZ and s = Zᵀ1 over row batches of Z. */
public final class GramAccumulator {
    private final int dim;
    private final DMatrixRMaj gram;
    private final double[] sums;
    private long count;

    /** An empty accumulator for features of width K = {@code dim}. */
    public GramAccumulator(int dim) {
        if (dim < 1) throw new IllegalArgumentException("feature width must be ≥ 1, got " + dim);
        this.dim = dim;
        this.gram = new DMatrixRMaj(dim, dim);
        this.sums = new double[dim];
    }

    /**
     * Adds {@code rows} feature vectors: G += BᵀB and s += Bᵀ1 for the batch B (rows × K, row-major
     * in {@code z}, read, not modified).
     *
     * @throws IllegalArgumentException when {@code z} does not hold rows × K values or holds NaN or ±∞ (row and column named)
     */
    public void add(float[] z, int rows) {
        if (rows < 0 || (long) rows * dim != z.length) {
            throw new IllegalArgumentException("feature batch: " + z.length + " values are not " + rows + " rows of width " + dim);
        }
        if (rows == 0) return;
        DMatrixRMaj b = new DMatrixRMaj(rows, dim);
        double[] bd = b.data;
        for (int i = 0; i < z.length; i++) {
            float v = z[i];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("feature " + v + " at row " + (count + i / dim) + ", column " + (i % dim) + " is not finite");
            }
            bd[i] = v;
            sums[i % dim] += v;
        }
        CommonOps_DDRM.multAddTransA(b, b, gram);
        count += rows;
    }

    /** K, the feature width. */
    public int dim() {
        return dim;
    }

    /** N, the vectors added so far. */
    public long count() {
        return count;
    }

    /** A copy of ZᵀZ (K×K). */
    public DMatrixRMaj gram() {
        return gram.copy();
    }

    /** A copy of Σ z_i (K). */
    public double[] sums() {
        return sums.clone();
    }

    /** The centred covariance C = (ZᵀZ − N·z̄z̄ᵀ)/N with z̄ = s/N (Jing et al.; K×K, a new matrix). */
    public DMatrixRMaj covariance() {
        if (count < 1) throw new IllegalStateException("covariance of no features");
        DMatrixRMaj c = gram.copy();
        double n = count;
        for (int i = 0; i < dim; i++) {
            double mi = sums[i] / n;
            for (int j = i; j < dim; j++) {
                double v = (0.5 * (c.data[i * dim + j] + c.data[j * dim + i]) - n * mi * (sums[j] / n)) / n;
                c.data[i * dim + j] = v;
                c.data[j * dim + i] = v;
            }
        }
        return c;
    }
}
