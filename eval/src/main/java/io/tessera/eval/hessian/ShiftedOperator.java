package io.tessera.eval.hessian;

// H − σ·I as an operator: the spectral shift that turns the most negative eigenvalue of H into
// the one of largest magnitude (Li et al. 2018, loss-landscape hess_vec_prod.min_max_hessian_eigs).

/** The shifted operator out = H·v − σ·v; its eigenvalues are λᵢ(H) − σ with the same vectors. */
public record ShiftedOperator(SymmetricOperator base, double shift) implements SymmetricOperator {
    public ShiftedOperator {
        if (base == null) throw new IllegalArgumentException("shifted operator: base operator is null");
        if (!Double.isFinite(shift)) throw new IllegalArgumentException("shifted operator: shift must be finite, got " + shift);
    }

    @Override
    public int dimension() {
        return base.dimension();
    }

    /** out = H·v − σ·v. */
    @Override
    public void apply(double[] v, double[] out) {
        base.apply(v, out);
        for (int i = 0; i < out.length; i++) out[i] -= shift * v[i];
    }
}
