package io.tessera.tests.golden;

import io.tessera.eval.landscape.Directions;
import io.tessera.eval.landscape.LossSurface;
import io.tessera.eval.landscape.Normalization;
import io.tessera.eval.landscape.PerturbedWeights;
import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Loss landscapes against PyTorch (tests/reference/make_golden_landscape.py): loss-landscape's filter
 * normalisation with biasbn on the tiny MAE's parameters (cls_token and mask_token, first dimension 1,
 * are single filters; biases and LayerNorm parameters zeroed), and a 5×5 surface of the norm-pix loss at
 * the generator's directions and masking noise, its centre the unperturbed loss. Tolerances: directions
 * 1e-6 (they are rounded to float32), surface 1e-9 in float64 and 1e-4 in float32.
 */
class LandscapeGoldenTest {
    enum Engine {
        F64_REFERENCE(DType.F64, 1e-9), F32_SIMD(DType.F32, 1e-4);

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

    @ParameterizedTest
    @EnumSource(Engine.class)
    void directionsAndSurfaceMatchPyTorch(Engine engine) throws IOException {
        SafeTensors.Contents g = Golden.load("landscape_mae_tiny.safetensors");
        try (ExecutionContext ctx = engine.context()) {
            Ops ops = ctx.ops();
            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), engine.dtype);
            StoreCheckpoint.load(mae.store(), Path.of("reference", "golden", "landscape_mae_tiny.safetensors"), StoreCheckpoint.Match.STORE_ENTRIES,
                    n -> n.startsWith("weights.") ? n.substring(8) : null);
            ParameterSelection sel = ParameterSelection.of(mae.store(), ParameterSelection.Rule.ALL_TRAINABLE);
            double[] w = sel.values();
            for (String axis : new String[] {"x", "y"}) {
                double[] d = HessianGoldenTest.flat(g, "raw_" + axis + ".", sel);
                Directions.normalize(sel, d, w, Normalization.FILTER, Directions.LowRank.IGNORE);
                double[] want = HessianGoldenTest.flat(g, axis + ".", sel);
                assertThat(Golden.relError(d, want)).as("%s direction, filter-normalised with biasbn", axis).isLessThan(1e-6);
                for (ParameterSelection.Entry e : sel.entries()) {
                    if (e.parameter().shape().rank() <= 1) assertThat(sel.slice(d, e)).as(e.name()).containsOnly(0.0);
                }
            }
            Tensor imgs = Golden.tensor(ops, Golden.get(g, "input.imgs").toDoubles(), engine.dtype, 2, 3, 16, 16);
            MaskPlan plan = RandomMasking.fromNoise(ops, Golden.get(g, "input.noise").toFloats(), 2, 16, 0.75);
            FrozenObjective obj = new FrozenObjective(new FixedMaskMae(mae, plan), List.of(new Batch(imgs, ops.indices(new int[2], 2))), 0,
                    FrozenObjective.Terms.TASK, 0);
            double[] z = Golden.get(g, "output.surface").toDoubles(), coords = Golden.get(g, "output.coordinates").toDoubles();
            try (PerturbedWeights pw = new PerturbedWeights(sel, HessianGoldenTest.flat(g, "x.", sel), HessianGoldenTest.flat(g, "y.", sel))) {
                LossSurface surface = new LossSurface(ctx, obj, pw);
                for (int iy = 0; iy < 5; iy++) {
                    for (int ix = 0; ix < 5; ix++) {
                        double got = surface.at(coords[ix], coords[iy]).get("loss");
                        assertThat(got).as("loss at (%d, %d)", ix, iy).isCloseTo(z[iy * 5 + ix], within(engine.tol * Math.max(1, z[iy * 5 + ix])));
                    }
                }
            }
            assertThat(sel.values()).as("the checkpoint's weights are restored").containsExactly(w);
            assertThat(obj.value(ctx)).as("centre = the unperturbed loss").isCloseTo(z[12], within(engine.tol));
        }
    }
}
