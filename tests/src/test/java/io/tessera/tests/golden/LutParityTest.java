// One-step parity of LUT with the PyTorch restatement in tests/reference/ (golden lut_tiny.safetensors).
package io.tessera.tests.golden;

import io.tessera.nn.Parameter;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.nn.optim.AdamW;
import io.tessera.ssl.lut.Lut;
import io.tessera.ssl.lut.LutConfig;
import io.tessera.ssl.lut.LutMasking;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One LUT step against the PyTorch restatement (tests/reference/make_golden_lut.py): online and
 * target of different weights (target BN statistics not at init), two views, one noise draw;
 * L_mae, L_bc and the total, q and k, every online gradient, the online BN running statistics
 * after the forward, and the whole target state (parameters and buffers) after AdamW and the
 * EMA update (m = 0.99).
 */
class LutParityTest {
    private static final int B = 4;

    @ParameterizedTest
    @CsvSource({"F64, 1e-9, 1e-9", "F32, 1e-4, 1e-3"})
    void oneStepMatchesPyTorch(DType dtype, double fwdTol, double gradTol) throws IOException {
        SafeTensors.Contents g = Golden.load("lut_tiny.safetensors");
        Path file = Path.of("reference", "golden", "lut_tiny.safetensors");
        try (ExecutionContext ctx = dtype == DType.F64 ? ExecutionContext.reference(0) : ExecutionContext.cpu(2, 0)) {
            Ops ops = ctx.ops();
            Lut lut = Lut.create(ctx, LutConfig.micro16(), dtype);
            StoreCheckpoint.load(lut.online().store(), file, StoreCheckpoint.Match.STORE_ENTRIES, n -> n.startsWith("online.") ? n.substring(7) : n);
            StoreCheckpoint.load(lut.target().store(), file, StoreCheckpoint.Match.STORE_ENTRIES, n -> n.startsWith("target.") ? n.substring(7) : n);
            Tensor v1 = Golden.tensor(ops, Golden.get(g, "input.imgs1").toDoubles(), dtype, B, 3, 16, 16);
            Tensor v2 = Golden.tensor(ops, Golden.get(g, "input.imgs2").toDoubles(), dtype, B, 3, 16, 16);
            LutMasking.Plans plans = LutMasking.fromNoise(ops, Golden.get(g, "input.noise").toFloats(), B, 16, 0.75);

            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                Lut.Losses l = lut.forward(ops, v1, v2, plans);
                assertThat(l.mae().item()).isCloseTo(Golden.get(g, "output.loss_mae").toDoubles()[0], Offset.offset(fwdTol));
                assertThat(l.bc().item()).isCloseTo(Golden.get(g, "output.loss_bc").toDoubles()[0], Offset.offset(fwdTol));
                assertThat(l.total().item()).isCloseTo(Golden.get(g, "output.loss").toDoubles()[0], Offset.offset(2 * fwdTol));
                assertThat(Golden.relError(l.k1().toDoubleArray(), Golden.get(g, "output.k1").toDoubles())).as("k1").isLessThan(gradTol);
                assertThat(Golden.relError(l.k2().toDoubleArray(), Golden.get(g, "output.k2").toDoubles())).as("k2").isLessThan(gradTol);
                assertThat(Golden.relError(l.q1().toDoubleArray(), Golden.get(g, "output.q1").toDoubles())).as("q1").isLessThan(gradTol);
                assertThat(Golden.relError(l.q2().toDoubleArray(), Golden.get(g, "output.q2").toDoubles())).as("q2").isLessThan(gradTol);
                tape.backward(l.total());
            }
            for (Parameter p : lut.online().store().parameters()) {
                if (!p.trainable()) continue;
                assertThat(Golden.relError(p.grad().toDoubleArray(), Golden.get(g, "grad." + p.name()).toDoubles()))
                        .as("gradient of %s", p.name()).isLessThan(gradTol);
            }
            for (Parameter p : lut.target().store().parameters()) {
                assertThat(p.grad().toDoubleArray()).as("target %s gets no gradient", p.name()).containsOnly(0.0);
            }
            int bnBuffers = 0;
            for (Parameter b : lut.online().store().buffers()) {
                if (!b.name().contains("running_") && !b.name().contains("num_batches")) continue;
                bnBuffers++;
                assertThat(Golden.relError(b.tensor().toDoubleArray(), Golden.get(g, "online_after_forward." + b.name()).toDoubles()))
                        .as("online BN buffer %s after the forward", b.name()).isLessThan(fwdTol);
            }
            assertThat(bnBuffers).isEqualTo(6);

            if (dtype == DType.F32) Golden.useGoldenGradients(lut.online().store(), g, "grad.");
            AdamW.maePretrain(lut.online().store()).step(1e-3);
            lut.updateTarget(0.99);
            for (Parameter p : lut.target().store().entries()) {
                assertThat(Golden.relError(p.tensor().toDoubleArray(), Golden.get(g, "target_after." + p.name()).toDoubles()))
                        .as("target %s after the EMA update", p.name()).isLessThan(fwdTol);
            }
        }
    }
}
