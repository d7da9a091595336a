package io.tessera.tests.golden;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.nn.optim.AdamW;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MAE against the PyTorch restatement of the official model (tests/reference/make_golden_mae.py):
 * position tables, masking with given noise, encoder and decoder outputs, loss with and without
 * norm-pix, the gradient of every parameter, and one AdamW step with MAE's groups. Tolerances:
 * float32 forward 1e-4 and gradients 1e-3 (normwise relative), ids exact; float64 1e-9.
 */
class MaeParityTest {
    static final MaeConfig CONFIG = MaeConfig.micro16(); // the generator's CFG

    enum Path_ {
        F64_REFERENCE(DType.F64, 1e-9, 1e-9),
        F32_SIMD(DType.F32, 1e-4, 1e-3);

        final DType dtype;
        final double fwdTol, gradTol;

        Path_(DType dtype, double fwdTol, double gradTol) {
            this.dtype = dtype;
            this.fwdTol = fwdTol;
            this.gradTol = gradTol;
        }

        ExecutionContext context() {
            return dtype == DType.F64 ? ExecutionContext.reference(0) : ExecutionContext.cpu(2, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(Path_.class)
    void matchesPyTorch(Path_ path) throws IOException {
        SafeTensors.Contents g = Golden.load("mae_tiny.safetensors");
        try (ExecutionContext ctx = path.context()) {
            Ops ops = ctx.ops();
            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, CONFIG, path.dtype);
            ParameterStore store = mae.store();

            // Our sin-cos tables equal the official ones before anything is loaded.
            for (String table : new String[]{"pos_embed", "decoder_pos_embed"}) {
                assertThat(Golden.relError(store.tensor(table).toDoubleArray(), Golden.get(g, "weights." + table).toDoubles()))
                        .as(table).isLessThan(path.dtype == DType.F64 ? 1e-15 : 1e-7);
            }
            StoreCheckpoint.load(store, Path.of("reference", "golden", "mae_tiny.safetensors"), StoreCheckpoint.Match.STORE_ENTRIES,
                    n -> n.startsWith("weights.") ? n.substring(8) : n);

            Tensor imgs = Golden.tensor(ops, Golden.get(g, "input.imgs").toDoubles(), path.dtype, 2, 3, 16, 16);
            float[] noise = Golden.get(g, "input.noise").toFloats();
            MaskPlan plan = RandomMasking.fromNoise(ops, noise, 2, 16, 0.75);
            assertThat(plan.idsRestore().toIntArray()).containsExactly(Golden.ints(g, "output.ids_restore"));
            assertThat(plan.mask().toFloatArray()).containsExactly(Golden.get(g, "output.mask").toFloats());

            try (Scope s = ctx.openScope()) {
                // Without norm-pix the target is the patchified image itself.
                Tensor plain = ops.maskedMse(mae.decode(ops, mae.encode(ops, imgs, plan), plan), mae.patchify(ops, imgs),
                        path.dtype == DType.F64 ? ops.cast(plan.mask(), DType.F64) : plan.mask());
                assertThat(plain.item()).isCloseTo(Golden.get(g, "output.loss_raw").toDoubles()[0], org.assertj.core.data.Offset.offset(path.fwdTol));
            }

            store.zeroGrad();
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                MaskedAutoencoder.Output out = mae.forward(ops, imgs, plan);
                assertThat(Golden.relError(out.latent().toDoubleArray(), Golden.get(g, "output.latent").toDoubles())).as("latent").isLessThan(path.fwdTol);
                assertThat(Golden.relError(out.pred().toDoubleArray(), Golden.get(g, "output.pred").toDoubles())).as("pred").isLessThan(path.fwdTol);
                assertThat(Math.abs(out.loss().item() - Golden.get(g, "output.loss").toDoubles()[0])).as("loss").isLessThan(path.fwdTol);
                tape.backward(out.loss());
            }
            int checked = 0;
            for (Parameter p : store.parameters()) {
                if (!p.trainable()) continue;
                double e = Golden.relError(p.grad().toDoubleArray(), Golden.get(g, "grad." + p.name()).toDoubles());
                assertThat(e).as("gradient of %s", p.name()).isLessThan(path.gradTol);
                checked++;
            }
            long inGolden = g.tensors().stream().filter(t -> t.name().startsWith("grad.")).count();
            assertThat(checked).as("every trainable parameter of the official model has a gradient here").isEqualTo(inGolden);

            if (path.dtype == DType.F32) Golden.useGoldenGradients(store, g, "grad.");
            AdamW.maePretrain(store).step(1e-3);
            for (Parameter p : store.parameters()) {
                if (!p.trainable()) continue;
                double e = Golden.relError(p.tensor().toDoubleArray(), Golden.get(g, "adamw." + p.name()).toDoubles());
                assertThat(e).as("%s after one AdamW step", p.name()).isLessThan(path.fwdTol);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void officialParameterCounts() {
        assertThat(new MaskedAutoencoder(new ParameterStore(), "", MaeConfig.base()).store().trainableCount()).isEqualTo(111_655_680L);
        assertThat(new MaskedAutoencoder(new ParameterStore(), "", MaeConfig.large()).store().trainableCount()).isEqualTo(329_239_296L);
    }
}
