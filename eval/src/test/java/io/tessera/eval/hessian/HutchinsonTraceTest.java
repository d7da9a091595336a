package io.tessera.eval.hessian;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HutchinsonTraceTest {
    @Test
    void meanIsWithinThreeStandardErrorsOfTheExactTrace() {
        DenseOperator h = PowerIterationTest.random300();
        double exact = h.trace();
        for (long seed = 0; seed < 3; seed++) {
            TraceResult r = HutchinsonTrace.estimate(h, new HutchinsonTrace.Settings(200, 1e-12, 200, seed));
            assertThat(r.samples()).hasSize(200);
            assertThat(r.converged()).isFalse();
            assertThat(r.standardError()).isPositive();
            assertThat(Math.abs(r.mean() - exact)).as("seed %d: mean %s ± %s vs %s", seed, r.mean(), r.standardError(), exact)
                    .isLessThan(3 * r.standardError());
        }
    }

    @Test
    void minimumSampleCountIsHonoured() {
        // vᵀIv = n for every Rademacher v: the relative change is 0 from the second sample on
        DenseOperator identity = DenseOperator.diagonal(1, 1, 1, 1, 1, 1, 1);
        TraceResult pyHessianRule = HutchinsonTrace.estimate(identity, new HutchinsonTrace.Settings(100, 1e-3, 2, 0));
        assertThat(pyHessianRule.samples()).hasSize(2);
        TraceResult guarded = HutchinsonTrace.estimate(identity, HutchinsonTrace.Settings.defaults());
        assertThat(guarded.samples()).hasSize(20);
        assertThat(guarded.converged()).isTrue();
        assertThat(guarded.mean()).isEqualTo(7);
        assertThat(guarded.standardError()).isZero();
        assertThat(guarded.operatorApplications()).isEqualTo(20);
    }

    @Test
    void stopsOnRelativeChangeWithAbsoluteValueInTheDenominator() {
        // a negative-definite operator: without |·| in the denominator every change would count as converged
        DenseOperator h = DenseOperator.withSpectrum(2, -1, -2, -3, -4, -5, -6, -7, -8);
        TraceResult r = HutchinsonTrace.estimate(h, new HutchinsonTrace.Settings(100, 1e-12, 2, 5));
        assertThat(r.converged()).isFalse();
        assertThat(r.samples()).hasSize(100);
        assertThat(r.mean()).isCloseTo(-36, within(4 * r.standardError()));
    }

    @Test
    void defaultsAreThoseOfPyHessianPlusTheGuard() {
        HutchinsonTrace.Settings d = HutchinsonTrace.Settings.defaults();
        assertThat(d.maxIter()).isEqualTo(100);
        assertThat(d.tol()).isEqualTo(1e-3);
        assertThat(d.minSamples()).isEqualTo(20);
    }

    @Test
    void badInputIsRejectedByName() {
        assertThatThrownBy(() -> new HutchinsonTrace.Settings(100, 0, 20, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tol");
        assertThatThrownBy(() -> new HutchinsonTrace.Settings(100, -1e-3, 20, 0)).hasMessageContaining("tol");
        assertThatThrownBy(() -> new HutchinsonTrace.Settings(10, 1e-3, 20, 0)).hasMessageContaining("minSamples");
        assertThatThrownBy(() -> HutchinsonTrace.estimate(Operators.zeroDimensional(), HutchinsonTrace.Settings.defaults()))
                .hasMessageContaining("dimension must be at least 1, got 0");
        assertThatThrownBy(() -> HutchinsonTrace.estimate(Operators.nanAfter(4, 6), HutchinsonTrace.Settings.defaults()))
                .isInstanceOf(NonFiniteOperatorException.class).hasMessageContaining("Hutchinson trace").hasMessageContaining("step 5");
    }
}
