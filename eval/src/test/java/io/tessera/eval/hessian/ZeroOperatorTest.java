package io.tessera.eval.hessian;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A zero Hessian (a flat region) gives zeros everywhere, never NaN. */
class ZeroOperatorTest {
    static final DenseOperator ZERO = DenseOperator.diagonal(new double[12]);

    @Test
    void everyAlgorithmReturnsZerosNotNaN() {
        PowerIterationResult p = PowerIteration.run(ZERO, PowerIteration.Settings.pyHessian().withTopK(3));
        assertThat(p.eigenvalues()).containsExactly(0, 0, 0);
        for (double[] v : p.eigenvectors()) for (double x : v) assertThat(x).isFinite();
        LanczosResult l = Lanczos.run(ZERO, new Lanczos.Settings(6, 2, true, BasisStorage.FLOAT, 0));
        assertThat(l.ritzValues()).containsOnly(0.0);
        assertThat(l.restarts()).isEqualTo(5);
        TraceResult t = HutchinsonTrace.estimate(ZERO, HutchinsonTrace.Settings.defaults());
        assertThat(t.mean()).isZero();
        assertThat(t.samples()).hasSize(20);
        DensityResult d = SpectralDensity.estimate(ZERO, SpectralDensity.Settings.pyHessian().withSteps(4));
        assertThat(d.gridMin()).isEqualTo(-0.01);
        assertThat(d.gridMax()).isEqualTo(0.01);
        for (double x : d.density()) assertThat(x).isFinite();
        // the eigen-ratio is undefined there, and says so
        assertThatThrownBy(() -> ExtremeEigenvalues.compute(ZERO, new ExtremeEigenvalues.Settings(ExtremeEigenvalues.Routes.LANCZOS,
                Lanczos.Settings.defaults().withSteps(4), PowerIteration.Settings.pyHessian(), SpectralShift.LI_ET_AL)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("λmax is 0");
    }

    @Test
    void oneStepQuadratureIsTheRayleighQuotientWithWeightOne() {
        SpectralDensity.Settings one = SpectralDensity.Settings.pyHessian().withSteps(1);
        // vᵀHv/vᵀv = (1 + 3)/2 for v ∈ {±1}²; a float basis rounds v = ±1/√2, a relative error of ~1e-7
        SpectralDensity.Run exact = SpectralDensity.estimate(DenseOperator.diagonal(1, 3), one.withStorage(BasisStorage.DOUBLE)).runs().get(0);
        assertThat(exact.nodes()[0]).isCloseTo(2.0, org.assertj.core.api.Assertions.within(1e-15));
        assertThat(exact.weights()).containsExactly(1.0);
        SpectralDensity.Run rounded = SpectralDensity.estimate(DenseOperator.diagonal(1, 3), one).runs().get(0);
        assertThat(rounded.nodes()[0]).isCloseTo(2.0, org.assertj.core.api.Assertions.within(2e-7));
    }
}
