package io.tessera.eval.hessian;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SpectralShiftTest {
    static final PowerIteration.Settings TIGHT = new PowerIteration.Settings(1, 3000, 1e-14, 21);

    @Test
    void bothShiftsFindLambdaMinOfRandomSymmetric() {
        DenseOperator h = PowerIterationTest.random300();
        double[] ref = h.referenceEigenvaluesDescending();
        double lambdaMax = ref[0], lambdaMin = ref[299];
        for (double factor : new double[]{SpectralShift.LI_ET_AL, SpectralShift.FULL}) {
            ShiftResult r = SpectralShift.minEigenvalue(h, lambdaMax, factor, TIGHT);
            assertThat(r.shift()).isEqualTo(factor * lambdaMax);
            assertThat(r.shiftedEigenvalue()).isCloseTo(lambdaMin - r.shift(), within(1e-6 * Math.abs(lambdaMin)));
            assertThat(r.lambdaMin()).as("s=%s", factor).isCloseTo(lambdaMin, within(1e-6 * Math.abs(lambdaMin)));
            assertThat(r.reachedOtherEnd()).isTrue();
            assertThat(r.shifted().converged()[0]).isTrue();
        }
    }

    @Test
    void liShiftOnAPositiveDefiniteMatrixReturnsLambdaMaxAgainAndSaysSo() {
        // spectrum in [5, 10]: the 0.51 shift cannot reach the bottom (5 > 0.02·10)
        DenseOperator h = DenseOperator.withSpectrum(3, 10, 9, 8, 7, 6, 5);
        ShiftResult li = SpectralShift.minEigenvalue(h, 10, SpectralShift.LI_ET_AL, TIGHT);
        assertThat(li.reachedOtherEnd()).isFalse();
        assertThat(li.lambdaMin()).isCloseTo(10, within(1e-8));
        ShiftResult full = SpectralShift.minEigenvalue(h, 10, SpectralShift.FULL, TIGHT);
        assertThat(full.reachedOtherEnd()).isTrue();
        assertThat(full.lambdaMin()).isCloseTo(5, within(1e-8));
    }

    @Test
    void extremesReportBothRoutesAndAgree() {
        DenseOperator h = PowerIterationTest.random300();
        double[] ref = h.referenceEigenvaluesDescending();
        ExtremeEigenvalues.Settings s = new ExtremeEigenvalues.Settings(ExtremeEigenvalues.Routes.BOTH,
                new Lanczos.Settings(120, 5, false, BasisStorage.DOUBLE, 1), TIGHT, SpectralShift.LI_ET_AL);
        ExtremesResult r = ExtremeEigenvalues.compute(h, s);
        double expected = Math.abs(ref[299] / ref[0]);
        assertThat(r.byLanczos().route()).isEqualTo(EigenRatio.Route.LANCZOS);
        assertThat(r.byShift().route()).isEqualTo(EigenRatio.Route.SHIFTED_POWER);
        assertThat(r.byLanczos().ratio()).isCloseTo(expected, within(1e-6 * expected));
        assertThat(r.byShift().ratio()).isCloseTo(expected, within(1e-6 * expected));
        assertThat(r.byShift().lambdaMin()).isCloseTo(ref[299], within(1e-6 * Math.abs(ref[299])));
        assertThat(r.preferred()).isSameAs(r.byLanczos());
    }

    @Test
    void underADenseBulkTheShiftedRunStopsOnTheResidualNotOnARandomQuotient() {
        // a Hessian's shape: almost every eigenvalue near 0, a few outliers (λmax 10, λmin −8)
        int n = 20000;
        double[] diag = new double[n];
        for (int i = 0; i < n; i++) diag[i] = 0.1 * (-0.5 + i / (double) n);
        diag[0] = 10;
        diag[1] = -8;
        SymmetricOperator h = new SymmetricOperator() {
            public int dimension() { return n; }
            public void apply(double[] v, double[] out) { for (int i = 0; i < n; i++) out[i] = diag[i] * v[i]; }
        };
        PowerIteration.Settings change = new PowerIteration.Settings(1, 500, 1e-3, 3);
        double byChange = SpectralShift.minEigenvalue(h, 10, SpectralShift.LI_ET_AL, change).lambdaMin();
        double byResidual = SpectralShift.minEigenvalue(h, 10, SpectralShift.LI_ET_AL, change.withStop(PowerIteration.Stop.RESIDUAL)).lambdaMin();
        assertThat(Math.abs(byChange - (-8))).as("PyHessian's rule stops in the bulk").isGreaterThan(1);
        assertThat(byResidual).isCloseTo(-8, within(1e-3));
        assertThat(ExtremeEigenvalues.compute(h, new ExtremeEigenvalues.Settings(ExtremeEigenvalues.Routes.SHIFTED_POWER,
                Lanczos.Settings.defaults(), change, SpectralShift.LI_ET_AL)).byShift().lambdaMin()).isCloseTo(-8, within(1e-3));
    }

    @Test
    void eigenRatioSwapRule() {
        EigenRatio normal = EigenRatio.of(10, -2, EigenRatio.Route.LANCZOS);
        assertThat(normal.ratio()).isEqualTo(0.2);
        assertThat(normal.swapped()).isFalse();
        // λmax ≤ 0 and λmin > 0: swapped, as Li et al.
        EigenRatio swapped = EigenRatio.of(-3, 6, EigenRatio.Route.SHIFTED_POWER);
        assertThat(swapped.swapped()).isTrue();
        assertThat(swapped.lambdaMax()).isEqualTo(6);
        assertThat(swapped.lambdaMin()).isEqualTo(-3);
        assertThat(swapped.ratio()).isEqualTo(0.5);
        // both negative: no swap
        EigenRatio negative = EigenRatio.of(-1, -4, EigenRatio.Route.LANCZOS);
        assertThat(negative.swapped()).isFalse();
        assertThat(negative.ratio()).isEqualTo(4);
        assertThatThrownBy(() -> EigenRatio.of(0, -1, EigenRatio.Route.LANCZOS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("λmax is 0");
        assertThatThrownBy(() -> EigenRatio.of(Double.NaN, 1, EigenRatio.Route.LANCZOS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lambdaMax");
    }

    @Test
    void shiftedOperatorSubtractsTheShift() {
        ShiftedOperator s = new ShiftedOperator(DenseOperator.diagonal(1, 2), 0.5);
        double[] out = new double[2];
        s.apply(new double[]{1, 1}, out);
        assertThat(out).containsExactly(0.5, 1.5);
        assertThatThrownBy(() -> new ShiftedOperator(DenseOperator.diagonal(1), Double.POSITIVE_INFINITY)).hasMessageContaining("shift must be finite");
    }
}
