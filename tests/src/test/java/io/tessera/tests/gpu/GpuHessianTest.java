package io.tessera.tests.gpu;

import io.tessera.eval.hessian.HessianVectorProduct;
import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.gpu.ClBackend;
import io.tessera.gpu.CudaBackend;
import io.tessera.gpu.CudaDevice;
import io.tessera.gpu.GpuUnavailableException;
import io.tessera.gpu.OpenClDevice;
import io.tessera.gpu.OpenClRequirement;
import io.tessera.ssl.lut.Lut;
import io.tessera.ssl.lut.LutConfig;
import io.tessera.ssl.lut.LutMethod;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same Hessian-vector product of MAE's and LUT's losses on a GPU backend (PoCL in CI; CUDA with
 * -Dtessera.test.gpu=cuda) as on the float64 reference: the differentiable rules are primitives, so
 * double backward runs on the device with no kernel of its own. Float32 tolerance, normwise 2e-3.
 */
class GpuHessianTest {
    private static ExecutionContext gpu() {
        if ("cuda".equals(System.getProperty("tessera.test.gpu"))) {
            try {
                return new ExecutionContext(CudaBackend.open(CudaDevice.Options.defaults(), CudaBackend.MatmulEngine.TILED), 0);
            } catch (GpuUnavailableException e) {
                return Assumptions.abort("no CUDA device: " + e.getMessage());
            }
        }
        try {
            return new ExecutionContext(ClBackend.open(OpenClDevice.Options.defaults()), 0);
        } catch (GpuUnavailableException e) {
            return OpenClRequirement.missing(e.getMessage());
        }
    }

    private static double[] hvp(ExecutionContext ctx, String method, DType dtype, double[] weights, double[] v) {
        MaeConfig cfg = MaeConfig.micro16();
        PretrainMethod m = method.equals("mae") ? new MaeMethod(MaskedAutoencoder.create(ctx, cfg, dtype))
                : new LutMethod(Lut.create(ctx, LutConfig.micro16(), dtype), MomentumSchedule.constant(0.996));
        if (weights != null) m.trainable().values().backend().write(m.trainable().values(), floatsOrDoubles(weights, dtype));
        Shape s = Shape.of(3, 3, 16, 16);
        Rng r = new Rng(21);
        Tensor v1 = ctx.ops().randn(r.split("a"), s, dtype), v2 = ctx.ops().randn(r.split("b"), s, dtype);
        FrozenObjective obj = new FrozenObjective(m, List.of(new Batch(v1, ctx.ops().indices(new int[3], 3), List.of(v2))), 3,
                FrozenObjective.Terms.TASK, 0);
        ParameterSelection sel = ParameterSelection.of(m.trainable(), ParameterSelection.Rule.ALL_TRAINABLE);
        double[] out = new double[sel.dimension()];
        try (HessianVectorProduct op = new HessianVectorProduct(ctx, obj, sel)) {
            op.apply(v == null ? new double[sel.dimension()] : v, out);
        }
        return out;
    }

    private static Object floatsOrDoubles(double[] d, DType t) {
        if (t == DType.F64) return d;
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mae", "lut"})
    void matchesTheReference(String method) {
        double[] weights, v, want;
        int n;
        try (ExecutionContext ref = ExecutionContext.reference(0)) {
            // the reference model's initial weights, rounded to float32 so both start from the same point
            MaeConfig cfg = MaeConfig.micro16();
            PretrainMethod m = method.equals("mae") ? new MaeMethod(MaskedAutoencoder.create(ref, cfg, DType.F64))
                    : new LutMethod(Lut.create(ref, LutConfig.micro16(), DType.F64), MomentumSchedule.constant(0.996));
            weights = m.trainable().values().toDoubleArray();
            for (int i = 0; i < weights.length; i++) weights[i] = (float) weights[i];
            n = ParameterSelection.of(m.trainable(), ParameterSelection.Rule.ALL_TRAINABLE).dimension();
            v = new double[n];
            Rng r = new Rng(5);
            for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        }
        try (ExecutionContext ref = ExecutionContext.reference(0)) {
            want = hvp(ref, method, DType.F64, weights, v);
        }
        double[] got;
        try (ExecutionContext ctx = gpu()) {
            got = hvp(ctx, method, DType.F32, weights, v);
        }
        double num = 0, den = 0;
        for (int i = 0; i < n; i++) {
            num += (got[i] - want[i]) * (got[i] - want[i]);
            den += want[i] * want[i];
        }
        assertThat(Math.sqrt(num / den)).as("%s Hv on the GPU vs the float64 reference", method).isLessThan(2e-3);
    }
}
