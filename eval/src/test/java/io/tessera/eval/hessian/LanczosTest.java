package io.tessera.eval.hessian;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LanczosTest {
    @Test
    void diagonalMatrixRitzValuesAreItsEntries() {
        double[] d = {3, -1.5, 7, 0.25, 2, -4, 5.5, 1};
        Lanczos.Settings s = new Lanczos.Settings(d.length, 3, true, BasisStorage.DOUBLE, 4);
        LanczosResult r = Lanczos.run(DenseOperator.diagonal(d), s);
        assertThat(r.ritzValues()).containsExactly(new double[]{-4, -1.5, 0.25, 1, 2, 3, 5.5, 7}, within(1e-10));
        assertThat(r.topRitzValues()).containsExactly(new double[]{7, 5.5, 3}, within(1e-10));
        assertThat(r.lambdaMin()).isCloseTo(-4, within(1e-10));
        assertThat(Math.abs(r.ritzVectors()[0][2])).isCloseTo(1, within(1e-8)); // e₃ belongs to 7
        assertThat(r.restarts()).isZero();
        assertThat(r.operatorApplications()).isEqualTo(d.length);
    }

    @Test
    void repeatedEigenvaluesExhaustTheKrylovSpaceAndRestart() {
        double[] d = new double[12];
        for (int i = 0; i < d.length; i++) d[i] = 1 + i % 3; // 1, 2, 3 four times each
        LanczosResult r = Lanczos.run(DenseOperator.diagonal(d), new Lanczos.Settings(12, 1, false, BasisStorage.DOUBLE, 0));
        assertThat(r.restarts()).isGreaterThanOrEqualTo(3);
        assertThat(r.ritzValues()).containsExactly(sorted(d), within(1e-9));
    }

    private static double[] sorted(double[] d) {
        double[] s = d.clone();
        java.util.Arrays.sort(s);
        return s;
    }

    @Test
    void top5AndLambdaMinOfRandomSymmetricMatchEjml() {
        DenseOperator h = PowerIterationTest.random300();
        double[] ref = h.referenceEigenvaluesDescending();
        for (BasisStorage storage : BasisStorage.values()) {
            LanczosResult r = Lanczos.run(h, new Lanczos.Settings(120, 5, true, storage, 8));
            for (int i = 0; i < 5; i++) {
                assertThat(r.topRitzValues()[i]).as("%s λ%d", storage, i + 1).isCloseTo(ref[i], within(1e-6 * Math.abs(ref[i])));
            }
            assertThat(r.lambdaMin()).as("%s λmin", storage).isCloseTo(ref[299], within(1e-6 * Math.abs(ref[299])));
            // Ritz vector of λmax: ‖Hy − θy‖ small
            double[] y = r.ritzVectors()[0], hy = new double[300];
            h.apply(y, hy);
            Vectors.axpy(-r.lambdaMax(), y, hy);
            assertThat(Vectors.norm(hy)).as("%s residual", storage).isLessThan(1e-4);
            assertThat(r.topResiduals()[0]).isLessThan(1e-4);
        }
    }

    @Test
    void memoryEstimateCountsTheBasis() {
        Lanczos.Settings s = Lanczos.Settings.defaults();
        assertThat(s.storage()).isEqualTo(BasisStorage.FLOAT);
        long n = 6_000_000;
        assertThat(s.memoryBytes(n)).isEqualTo(n * 100 * 4 + 2 * n * 8);
        assertThat(s.withStorage(BasisStorage.DOUBLE).memoryBytes(n)).isEqualTo(n * 100 * 8 + 2 * n * 8);
    }

    @Test
    void badInputIsRejectedByName() {
        assertThatThrownBy(() -> Lanczos.run(DenseOperator.diagonal(1, 2, 3), Lanczos.Settings.defaults().withSteps(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steps 4 exceed the dimension 3");
        assertThatThrownBy(() -> new Lanczos.Settings(0, 1, false, BasisStorage.FLOAT, 0)).hasMessageContaining("steps");
        assertThatThrownBy(() -> new Lanczos.Settings(5, 6, false, BasisStorage.FLOAT, 0)).hasMessageContaining("topK");
        assertThatThrownBy(() -> Lanczos.run(Operators.zeroDimensional(), Lanczos.Settings.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension must be at least 1, got 0");
        assertThatThrownBy(() -> Lanczos.run(Operators.nanAfter(2, 5), Lanczos.Settings.defaults().withSteps(5)))
                .isInstanceOf(NonFiniteOperatorException.class).hasMessageContaining("Lanczos").hasMessageContaining("step 3");
    }
}
