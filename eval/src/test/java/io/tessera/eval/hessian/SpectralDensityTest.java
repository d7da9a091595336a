package io.tessera.eval.hessian;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SpectralDensityTest {
    static SpectralDensity.Settings small(int steps, int runs) {
        return new SpectralDensity.Settings(steps, runs, 2000, 1e-5, 0.01, BasisStorage.DOUBLE, 3);
    }

    @Test
    void diagonalMatrixPutsItsWeightOnTheEntries() {
        double[] d = {-2, 0.5, 1, 3, 4.5, 8};
        DensityResult r = SpectralDensity.estimate(DenseOperator.diagonal(d), small(d.length, 2));
        for (SpectralDensity.Run run : r.runs()) {
            assertThat(run.nodes()).containsExactly(d, within(1e-10));
            // Rademacher start: every component has v₀ᵢ² = 1/n
            for (double w : run.weights()) assertThat(w).isCloseTo(1.0 / d.length, within(1e-10));
            assertThat(sum(run.weights())).isCloseTo(1, within(1e-12));
        }
    }

    @Test
    void repeatedEntriesCarryTheirMultiplicityAsWeight() {
        // 1 ×2, 2 ×4, 5 ×6 on the diagonal: the weight at each value is its share of the entries
        double[] d = {1, 2, 5, 2, 5, 5, 1, 2, 5, 2, 5, 5};
        DensityResult r = SpectralDensity.estimate(DenseOperator.diagonal(d), small(d.length, 1));
        SpectralDensity.Run run = r.runs().get(0);
        assertThat(run.restarts()).isPositive();
        double[] share = new double[3];
        double[] values = {1, 2, 5};
        for (int i = 0; i < run.nodes().length; i++) {
            int nearest = 0;
            for (int v = 1; v < 3; v++) if (Math.abs(run.nodes()[i] - values[v]) < Math.abs(run.nodes()[i] - values[nearest])) nearest = v;
            assertThat(run.nodes()[i]).isCloseTo(values[nearest], within(1e-9));
            share[nearest] += run.weights()[i];
        }
        assertThat(share).containsExactly(new double[]{2.0 / 12, 4.0 / 12, 6.0 / 12}, within(1e-10));
        assertThat(sum(run.weights())).isCloseTo(1, within(1e-12));
    }

    @Test
    void densityIntegratesToOneAndPeaksAtTheEigenvalues() {
        DenseOperator h = PowerIterationTest.random300();
        DensityResult r = SpectralDensity.estimate(h, new SpectralDensity.Settings(80, 3, 10000, 1e-5, 0.01, BasisStorage.FLOAT, 1));
        assertThat(sum(r.density()) * r.spacing()).isCloseTo(1, within(1e-12));
        double[] x = r.grid();
        double trapezoid = 0;
        for (int j = 1; j < x.length; j++) trapezoid += 0.5 * (r.density()[j] + r.density()[j - 1]) * (x[j] - x[j - 1]);
        assertThat(trapezoid).isCloseTo(1, within(1e-3));
        for (double v : r.density()) assertThat(v).isGreaterThanOrEqualTo(0);
        for (SpectralDensity.Run run : r.runs()) assertThat(sum(run.weights())).isCloseTo(1, within(1e-10));
        // grid as PyHessian: mean extreme nodes ± 0.01, σ² = 1e-5·max(1, range)
        double meanMin = r.runs().stream().mapToDouble(u -> u.nodes()[0]).average().orElseThrow();
        double meanMax = r.runs().stream().mapToDouble(u -> u.nodes()[u.nodes().length - 1]).average().orElseThrow();
        assertThat(r.gridMin()).isCloseTo(meanMin - 0.01, within(1e-12));
        assertThat(r.gridMax()).isCloseTo(meanMax + 0.01, within(1e-12));
        assertThat(r.sigmaSquared()).isCloseTo(1e-5 * (r.gridMax() - r.gridMin()), within(1e-15));
        assertThat(x[0]).isEqualTo(r.gridMin());
        assertThat(x[x.length - 1]).isEqualTo(r.gridMax());
        // the extreme Ritz values converge: the top node is λmax
        assertThat(meanMax).isCloseTo(20, within(1e-6));
    }

    @Test
    void generateMatchesTheKernelFormula() {
        SpectralDensity.Run run = new SpectralDensity.Run(new double[]{0, 1}, new double[]{0.25, 0.75}, 0);
        SpectralDensity.Grid g = SpectralDensity.generate(List.of(run), 101, 1e-2, 0.5);
        assertThat(g.lo()).isEqualTo(-0.5);
        assertThat(g.hi()).isEqualTo(1.5);
        assertThat(g.sigmaSquared()).isCloseTo(2e-2, within(1e-15)); // range 2 > 1
        double dx = 0.02, s2 = 2e-2;
        double[] raw = new double[101];
        double total = 0;
        for (int j = 0; j < 101; j++) {
            double x = -0.5 + j * dx;
            raw[j] = (0.25 * Math.exp(-x * x / (2 * s2)) + 0.75 * Math.exp(-(x - 1) * (x - 1) / (2 * s2))) / Math.sqrt(2 * Math.PI * s2);
            total += raw[j];
        }
        for (int j = 0; j < 101; j++) assertThat(g.density()[j]).isCloseTo(raw[j] / (total * dx), within(1e-9));
    }

    @Test
    void pyHessianDefaults() {
        SpectralDensity.Settings d = SpectralDensity.Settings.pyHessian();
        assertThat(d.steps()).isEqualTo(100);
        assertThat(d.runs()).isEqualTo(1);
        assertThat(d.bins()).isEqualTo(10000);
        assertThat(d.sigmaSquared()).isEqualTo(1e-5);
        assertThat(d.overhead()).isEqualTo(0.01);
    }

    @Test
    void badInputIsRejectedByName() {
        assertThatThrownBy(() -> SpectralDensity.estimate(DenseOperator.diagonal(1, 2), small(3, 1))).hasMessageContaining("steps 3 exceed the dimension 2");
        assertThatThrownBy(() -> new SpectralDensity.Settings(10, 0, 100, 1e-5, 0.01, BasisStorage.FLOAT, 0)).hasMessageContaining("runs");
        assertThatThrownBy(() -> new SpectralDensity.Settings(10, 1, 100, 0, 0.01, BasisStorage.FLOAT, 0)).hasMessageContaining("sigmaSquared");
        assertThatThrownBy(() -> SpectralDensity.estimate(Operators.zeroDimensional(), small(1, 1))).hasMessageContaining("dimension must be at least 1, got 0");
        assertThatThrownBy(() -> SpectralDensity.estimate(Operators.nanAfter(1, 5), small(4, 1)))
                .isInstanceOf(NonFiniteOperatorException.class).hasMessageContaining("SLQ");
    }

    static double sum(double[] a) {
        double s = 0;
        for (double x : a) s += x;
        return s;
    }
}
