package io.tessera.eval.hessian;

// Exact Hessian-vector products of method losses against float64 central differences of gradients
// (reference backend), symmetry and linearity, a full Hessian of a ~680-parameter MAE built column by
// column, the batch-weighted mean over several batches, float32 SIMD against the float64 reference,
// and bad input.

import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HessianVectorProductTest {
    static double[] gaussian(int n, long seed) {
        Rng r = new Rng(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
        return v;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /**
     * The directional derivative of the gradient along v by central differences with one Richardson
     * step, (4·D(h/2) − D(h))/3 with D(h) = (∇L(θ + h·v) − ∇L(θ − h·v))/2h: error O(h⁴), so attention's
     * large third derivatives do not swamp the comparison.
     */
    static double[] centralDifference(HessianVectorProduct hvp, double[] v, double h) {
        double[] coarse = difference(hvp, v, h), fine = difference(hvp, v, h / 2);
        double[] out = new double[v.length];
        for (int i = 0; i < out.length; i++) out[i] = (4 * fine[i] - coarse[i]) / 3;
        return out;
    }

    private static double[] difference(HessianVectorProduct hvp, double[] v, double h) {
        ParameterSelection sel = hvp.selection();
        double[] theta = sel.values(), t = theta.clone();
        for (int i = 0; i < t.length; i++) t[i] = theta[i] + h * v[i];
        sel.setValues(t);
        double[] gp = hvp.gradient();
        for (int i = 0; i < t.length; i++) t[i] = theta[i] - h * v[i];
        sel.setValues(t);
        double[] gm = hvp.gradient();
        sel.setValues(theta);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (gp[i] - gm[i]) / (2 * h);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mae", "rcmae", "lut"})
    void matchesCentralDifferencesOfGradients(String name) {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            MaeConfig cfg = MaeConfig.micro16();
            PretrainMethod m = HvpModels.method(ctx, name, cfg, DType.F64);
            List<Batch> batches = HvpModels.batches(ctx, cfg, 2, 3, DType.F64, 11);
            for (ParameterSelection.Rule rule : ParameterSelection.Rule.values()) {
                ParameterSelection sel = ParameterSelection.of(m.trainable(), rule);
                double[] v = gaussian(sel.dimension(), 3);
                double[] hv = new double[v.length];
                double[] fd;
                try (HessianVectorProduct op = new HessianVectorProduct(ctx, HvpModels.objective(m, batches), sel)) {
                    op.apply(v, hv);
                    fd = centralDifference(op, v, 1e-4);
                }
                double err = 0;
                for (int i = 0; i < v.length; i++) err = Math.max(err, Math.abs(hv[i] - fd[i]));
                assertThat(err / Math.max(1e-12, maxAbs(fd))).as("%s, %s: max |Hv − FD| / max |FD|", name, rule).isLessThan(1e-6);
            }
        }
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double x : a) m = Math.max(m, Math.abs(x));
        return m;
    }

    @Test
    void isSymmetricLinearAndTheSameOnAKeptGraph() {
        try (ExecutionContext ctx = ExecutionContext.reference(2)) {
            MaeConfig cfg = MaeConfig.micro16();
            PretrainMethod m = HvpModels.method(ctx, "mae", cfg, DType.F64);
            List<Batch> one = HvpModels.batches(ctx, cfg, 1, 4, DType.F64, 12);
            ParameterSelection sel = ParameterSelection.of(m.trainable(), ParameterSelection.Rule.ALL_TRAINABLE);
            int n = sel.dimension();
            double[] u = gaussian(n, 4), v = gaussian(n, 5), hu = new double[n], hv = new double[n], hu2 = new double[n], hw = new double[n];
            double[] w = new double[n];
            for (int i = 0; i < n; i++) w[i] = 2 * u[i] - 3 * v[i];
            try (HessianVectorProduct op = new HessianVectorProduct(ctx, HvpModels.objective(m, one), sel)) {
                op.apply(u, hu);
                op.apply(v, hv);
                op.apply(u, hu2);
                op.apply(w, hw);
                assertThat(op.products()).isEqualTo(4);
                double[] fd = centralDifference(op, u, 1e-4);
                for (int i = 0; i < n; i++) assertThat(hu[i]).isCloseTo(fd[i], within(1e-6 * maxAbs(fd)));
            }
            assertThat(hu2).containsExactly(hu);
            assertThat(dot(u, hv)).isCloseTo(dot(v, hu), within(1e-9 * norm(u) * norm(hv)));
            double scale = maxAbs(hu) + maxAbs(hv);
            for (int i = 0; i < n; i++) assertThat(hw[i]).isCloseTo(2 * hu[i] - 3 * hv[i], within(1e-12 * scale));
        }
    }


    @Test
    void fullHessianOfATinyMaeAgreesWithPowerIterationLanczosAndTheShift() {
        try (ExecutionContext ctx = ExecutionContext.reference(3)) {
            MaeConfig cfg = HvpModels.nano();
            PretrainMethod m = HvpModels.method(ctx, "mae", cfg, DType.F64);
            List<Batch> one = HvpModels.batches(ctx, cfg, 1, 3, DType.F64, 13);
            ParameterSelection sel = ParameterSelection.of(m.trainable(), ParameterSelection.Rule.ALL_TRAINABLE);
            int n = sel.dimension();
            assertThat(n).isBetween(200, 1000);
            DMatrixRMaj h = new DMatrixRMaj(n, n);
            try (HessianVectorProduct op = new HessianVectorProduct(ctx, HvpModels.objective(m, one), sel)) {
                double[] e = new double[n], col = new double[n];
                for (int j = 0; j < n; j++) {
                    e[j] = 1;
                    op.apply(e, col);
                    e[j] = 0;
                    for (int i = 0; i < n; i++) h.set(i, j, col[i]);
                }
                double asym = 0, scale = 0;
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
                    asym = Math.max(asym, Math.abs(h.get(i, j) - h.get(j, i)));
                    scale = Math.max(scale, Math.abs(h.get(i, j)));
                }
                assertThat(asym).as("the Hessian built column by column is symmetric").isLessThan(1e-10 * scale);
                EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
                assertThat(eig.decompose(h.copy())).isTrue();
                double[] ev = new double[n];
                for (int i = 0; i < n; i++) ev[i] = eig.getEigenvalue(i).getReal();
                java.util.Arrays.sort(ev);
                double lmax = ev[n - 1], lmin = ev[0], top = Math.max(Math.abs(lmax), Math.abs(lmin));
                PowerIterationResult p = PowerIteration.run(op, new PowerIteration.Settings(1, 5000, 1e-12, 1, PowerIteration.Stop.RESIDUAL));
                double largestMagnitude = Math.abs(lmax) >= Math.abs(lmin) ? lmax : lmin;
                assertThat(p.top()).as("power iteration").isCloseTo(largestMagnitude, within(1e-6 * top));
                LanczosResult l = Lanczos.run(op, new Lanczos.Settings(Math.min(n, 250), 3, false, BasisStorage.DOUBLE, 1));
                assertThat(l.lambdaMax()).as("Lanczos λmax").isCloseTo(lmax, within(1e-6 * top));
                assertThat(l.lambdaMin()).as("Lanczos λmin").isCloseTo(lmin, within(1e-6 * top));
                ShiftResult sh = SpectralShift.minEigenvalue(op, lmax, SpectralShift.FULL, new PowerIteration.Settings(1, 20000, 1e-10, 2, PowerIteration.Stop.RESIDUAL));
                assertThat(sh.lambdaMin()).as("λmin by the shift H − λmax·I").isCloseTo(lmin, within(1e-6 * top));
            }
        }
    }

    @Test
    void badInputIsRefusedClearly() {
        try (ExecutionContext ctx = ExecutionContext.reference(4)) {
            MaeConfig cfg = HvpModels.nano();
            PretrainMethod m = HvpModels.method(ctx, "mae", cfg, DType.F64);
            List<Batch> one = HvpModels.batches(ctx, cfg, 1, 2, DType.F64, 14);
            ParameterSelection sel = ParameterSelection.of(m.trainable(), ParameterSelection.Rule.MATRICES);
            try (HessianVectorProduct op = new HessianVectorProduct(ctx, HvpModels.objective(m, one), sel)) {
                assertThatThrownBy(() -> op.apply(new double[sel.dimension() + 1], new double[sel.dimension()])).hasMessageContaining("does not fit the parameter set");
                double[] nan = new double[sel.dimension()];
                nan[3] = Double.NaN;
                assertThatThrownBy(() -> op.apply(nan, new double[sel.dimension()])).hasMessageContaining("non-finite entry at 3");
            }
            // a NaN in the weights makes the loss NaN: refused, naming the method and the batch
            double[] w = m.trainable().values().toDoubleArray();
            w[0] = Double.NaN;
            m.trainable().values().backend().write(m.trainable().values(), w);
            try (HessianVectorProduct op = new HessianVectorProduct(ctx, HvpModels.objective(m, one), sel)) {
                assertThatThrownBy(() -> op.apply(new double[sel.dimension()], new double[sel.dimension()])).hasMessageContaining("loss of batch 0").hasMessageContaining("NaN");
            }
            // an empty parameter set
            io.tessera.nn.ParameterStore empty = new io.tessera.nn.ParameterStore();
            empty.parameter("bias", io.tessera.tensor.Shape.of(3));
            assertThatThrownBy(() -> ParameterSelection.of(empty, ParameterSelection.Rule.MATRICES)).hasMessageContaining("is empty");
        }
    }
}
