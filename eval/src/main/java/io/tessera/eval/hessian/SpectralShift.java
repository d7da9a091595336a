package io.tessera.eval.hessian;

// λmin by a spectral shift: power iteration on H − σ·I with σ = s·λmax, then λmin = μ + σ.
// Li et al. 2018 (loss-landscape hess_vec_prod.min_max_hessian_eigs) use s = 0.51 with ARPACK;
// the shift H − λmax·I (s = 1) is the route of pytorch-hessian-eigenthings issue #11.

/**
 * The most negative eigenvalue through a shift of the spectrum.
 *
 * <p>With σ = s·λmax the eigenvalues of H − σI are λᵢ − σ. The power iteration returns the one of
 * largest magnitude, μ; λmin = μ + σ. For λmax &gt; 0 and s &lt; 1 this reaches the bottom of the
 * spectrum only if λmin ≤ (2s − 1)·λmax (0.02·λmax for s = 0.51); otherwise μ &gt; 0 and the
 * estimate is λmax again, which {@link ShiftResult#reachedOtherEnd()} reports. With s = 1 every
 * shifted eigenvalue is ≤ 0 and the bottom is always reached, at the cost of a smaller gap.
 */
public final class SpectralShift {
    /** Li et al.'s factor: σ = 0.51·λmax. */
    public static final double LI_ET_AL = 0.51;
    /** The full shift σ = λmax. */
    public static final double FULL = 1.0;

    private SpectralShift() {
    }

    /** Runs with {@link ProgressListener#NONE}. */
    public static ShiftResult minEigenvalue(SymmetricOperator op, double lambdaMax, double factor, PowerIteration.Settings power) {
        return minEigenvalue(op, lambdaMax, factor, power, ProgressListener.NONE);
    }

    /**
     * λmin = μ + σ where μ is the largest-magnitude eigenvalue of H − σ·I and σ = factor·λmax.
     * Only the top-1 of {@code power} is used (topK is forced to 1). Progress stage: {@code "power λ1"}.
     *
     * @param lambdaMax the largest(-magnitude) eigenvalue found before, finite
     * @param factor    s, finite (0.51 as Li et al., 1 for the full shift)
     */
    public static ShiftResult minEigenvalue(SymmetricOperator op, double lambdaMax, double factor,
                                            PowerIteration.Settings power, ProgressListener progress) {
        Checks.finite("spectral shift: lambdaMax", lambdaMax);
        Checks.finite("spectral shift: factor", factor);
        double shift = factor * lambdaMax;
        PowerIterationResult shifted = PowerIteration.run(new ShiftedOperator(op, shift), power.withTopK(1), progress);
        return new ShiftResult(lambdaMax, factor, shift, shifted.top() + shift, shifted);
    }
}
