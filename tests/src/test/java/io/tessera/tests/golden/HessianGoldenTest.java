package io.tessera.tests.golden;

import io.tessera.eval.hessian.HessianVectorProduct;
import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hessian-vector products of the tiny MAE's norm-pix loss against PyTorch's double backward
 * (tests/reference/make_golden_hessian.py: the weights, images and noise of the MAE golden file), and
 * Hutchinson samples zᵀHz for the generator's Rademacher vectors. Tolerances (normwise relative): float64
 * reference 1e-9, float32 SIMD 2e-3.
 */
class HessianGoldenTest {
    enum Engine {
        F64_REFERENCE(DType.F64, 1e-9),
        F32_SIMD(DType.F32, 2e-3);

        final DType dtype;
        final double tol;

        Engine(DType dtype, double tol) {
            this.dtype = dtype;
            this.tol = tol;
        }

        ExecutionContext context() {
            return dtype == DType.F64 ? ExecutionContext.reference(0) : ExecutionContext.cpu(2, 0);
        }
    }

    static double[] flat(SafeTensors.Contents g, String prefix, ParameterSelection sel) {
        double[] v = new double[sel.dimension()];
        for (ParameterSelection.Entry e : sel.entries()) {
            double[] part = Golden.get(g, prefix + e.name()).toDoubles();
            System.arraycopy(part, 0, v, e.offset(), part.length);
        }
        return v;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void matchesPyTorchDoubleBackward(Engine engine) throws IOException {
        SafeTensors.Contents g = Golden.load("hessian_mae_tiny.safetensors");
        try (ExecutionContext ctx = engine.context()) {
            Ops ops = ctx.ops();
            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), engine.dtype);
            StoreCheckpoint.load(mae.store(), Path.of("reference", "golden", "hessian_mae_tiny.safetensors"), StoreCheckpoint.Match.STORE_ENTRIES,
                    n -> n.startsWith("weights.") ? n.substring(8) : null);
            Tensor imgs = Golden.tensor(ops, Golden.get(g, "input.imgs").toDoubles(), engine.dtype, 2, 3, 16, 16);
            MaskPlan plan = RandomMasking.fromNoise(ops, Golden.get(g, "input.noise").toFloats(), 2, 16, 0.75);
            PretrainMethod m = new FixedMaskMae(mae, plan);
            FrozenObjective obj = new FrozenObjective(m, List.of(new Batch(imgs, ops.indices(new int[2], 2))), 0, FrozenObjective.Terms.TASK, 0);
            assertThat(obj.value(ctx)).isCloseTo(Golden.get(g, "output.loss").toDoubles()[0], org.assertj.core.data.Offset.offset(engine.tol));
            ParameterSelection sel = ParameterSelection.of(mae.store(), ParameterSelection.Rule.ALL_TRAINABLE);
            assertThat(sel.entries()).hasSize((int) g.tensors().stream().filter(t -> t.name().startsWith("hv.")).count());
            try (HessianVectorProduct hvp = new HessianVectorProduct(ctx, obj, sel)) {
                double[] hv = new double[sel.dimension()];
                hvp.apply(flat(g, "v.", sel), hv);
                assertThat(Golden.relError(hv, flat(g, "hv.", sel))).as("Hv").isLessThan(engine.tol);
                // the top eigenvalue: PyHessian's power iteration stopped at a 1e-3 relative change; ours with the same rule,
                // and Lanczos, land within 1 % of it
                double top = Golden.get(g, "output.power_eigenvalue").toDoubles()[0];
                var power = io.tessera.eval.hessian.PowerIteration.run(hvp, io.tessera.eval.hessian.PowerIteration.Settings.pyHessian());
                assertThat(power.top()).as("power iteration λmax").isCloseTo(top, org.assertj.core.data.Offset.offset(0.01 * Math.abs(top)));
                var lanczos = io.tessera.eval.hessian.Lanczos.run(hvp, io.tessera.eval.hessian.Lanczos.Settings.defaults().withSteps(30));
                assertThat(lanczos.lambdaMax()).as("Lanczos λmax").isCloseTo(top, org.assertj.core.data.Offset.offset(0.01 * Math.abs(top)));
                double[] want = Golden.get(g, "output.hutchinson_samples").toDoubles();
                for (int i = 0; i < want.length; i++) {
                    double[] z = flat(g, "z" + i + ".", sel), hz = new double[z.length];
                    hvp.apply(z, hz);
                    double s = 0;
                    for (int j = 0; j < z.length; j++) s += z[j] * hz[j];
                    assertThat(Math.abs(s - want[i])).as("Hutchinson sample %d", i).isLessThan(engine.tol * Math.abs(want[i]) * 10);
                }
            }
        }
    }
}
