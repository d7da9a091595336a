package io.tessera.eval.hessian;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PowerIterationTest {
    /** Planted spectrum: top five well separated and above every |λ| below them. */
    static final double[] TOP = {20, 16, 13, 11, 9.5};
    static final double[] BOTTOM = {-7, -5.5};

    static DenseOperator random300() {
        return DenseOperator.withSpectrum(42, DenseOperator.spectrum(300, 7, TOP, BOTTOM, -4, 6));
    }

    @Test
    void diagonalMatrixGivesItsLargestEntries() {
        DenseOperator d = DenseOperator.diagonal(1, -2, 9, 4, 0.5, 6);
        PowerIterationResult r = PowerIteration.run(d, new PowerIteration.Settings(3, 500, 1e-12, 3));
        assertThat(r.eigenvalues()[0]).isCloseTo(9, within(1e-9));
        assertThat(r.eigenvalues()[1]).isCloseTo(6, within(1e-9));
        assertThat(r.eigenvalues()[2]).isCloseTo(4, within(1e-9));
        assertThat(r.converged()).containsOnly(true);
        // the eigenvector of 9 is e₃ up to sign
        assertThat(Math.abs(r.eigenvectors()[0][2])).isCloseTo(1, within(1e-6));
        assertThat(r.operatorApplications()).isEqualTo(d.applications);
    }

    @Test
    void top5OfRandomSymmetricMatchEjml() {
        DenseOperator h = random300();
        double[] ref = h.referenceEigenvaluesDescending();
        PowerIterationResult r = PowerIteration.run(h, new PowerIteration.Settings(5, 2000, 1e-13, 11));
        for (int i = 0; i < 5; i++) {
            assertThat(r.eigenvalues()[i]).as("λ%d", i + 1).isCloseTo(ref[i], within(1e-6 * Math.abs(ref[i])));
        }
        assertThat(r.allConverged()).isTrue();
    }

    @Test
    void deflationFindsDistinctEigenvaluesWithOrthogonalVectors() {
        DenseOperator h = DenseOperator.withSpectrum(5, 10, 8, 6, 4, 2, 1, 0.5, 0.25);
        PowerIterationResult r = PowerIteration.run(h, new PowerIteration.Settings(4, 1000, 1e-12, 1));
        assertThat(r.eigenvalues()).containsExactly(new double[]{10, 8, 6, 4}, within(1e-8));
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < i; j++) {
                assertThat(Vectors.dot(r.eigenvectors()[i], r.eigenvectors()[j])).isCloseTo(0, within(1e-6));
            }
        }
    }

    @Test
    void pyHessianDefaultsStopOnRelativeChange() {
        PowerIteration.Settings d = PowerIteration.Settings.pyHessian();
        assertThat(d.maxIter()).isEqualTo(100);
        assertThat(d.tol()).isEqualTo(1e-3);
        assertThat(d.topK()).isEqualTo(1);
        PowerIterationResult r = PowerIteration.run(random300(), d);
        assertThat(r.converged()[0]).isTrue();
        assertThat(r.iterations()[0]).isLessThan(100);
        assertThat(r.relativeChanges()[0]).isLessThan(1e-3);
        assertThat(r.top()).isCloseTo(20, within(0.1));
    }

    @Test
    void sameSeedSameResult() {
        PowerIterationResult a = PowerIteration.run(random300(), PowerIteration.Settings.pyHessian().withSeed(9));
        PowerIterationResult b = PowerIteration.run(random300(), PowerIteration.Settings.pyHessian().withSeed(9));
        assertThat(a.eigenvalues()).isEqualTo(b.eigenvalues());
        assertThat(a.iterations()).isEqualTo(b.iterations());
    }

    @Test
    void unconvergedIsReportedNotHidden() {
        PowerIterationResult r = PowerIteration.run(random300(), new PowerIteration.Settings(1, 3, 1e-14, 0));
        assertThat(r.converged()[0]).isFalse();
        assertThat(r.iterations()[0]).isEqualTo(3);
    }

    @Test
    void badInputIsRejectedByName() {
        assertThatThrownBy(() -> new PowerIteration.Settings(0, 100, 1e-3, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topK");
        assertThatThrownBy(() -> new PowerIteration.Settings(1, 100, 0, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tol");
        assertThatThrownBy(() -> new PowerIteration.Settings(1, 100, Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tol");
        assertThatThrownBy(() -> new PowerIteration.Settings(1, 1, 1e-3, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxIter");
        assertThatThrownBy(() -> PowerIteration.run(DenseOperator.diagonal(1, 2), PowerIteration.Settings.pyHessian().withTopK(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topK 3 exceeds the dimension 2");
        assertThatThrownBy(() -> PowerIteration.run(Operators.zeroDimensional(), PowerIteration.Settings.pyHessian()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension must be at least 1, got 0");
        assertThatThrownBy(() -> PowerIteration.run(Operators.nanAfter(1, 5), PowerIteration.Settings.pyHessian()))
                .isInstanceOf(NonFiniteOperatorException.class).hasMessageContaining("power iteration").hasMessageContaining("step 2")
                .satisfies(e -> assertThat(((NonFiniteOperatorException) e).index()).isEqualTo(2));
    }
}
