// One-step parity of SimMIM with the PyTorch restatement in tests/reference/ (golden simmim_tiny.safetensors).
package io.tessera.tests.golden;

import io.tessera.nn.Parameter;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.ssl.simmim.SimMim;
import io.tessera.ssl.simmim.SimMimConfig;
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
 * One SimMIM step against the PyTorch restatement (tests/reference/make_golden_simmim.py): mask
 * token blending, the 1×1 conv + PixelShuffle decoder (our Linear in patchify order), the L1
 * loss on masked pixels, and every gradient.
 */
class SimMimParityTest {
    private static final int B = 3;

    @ParameterizedTest
    @CsvSource({"F64, 1e-9, 1e-9", "F32, 1e-5, 1e-3"})
    void oneStepMatchesPyTorch(DType dtype, double fwdTol, double gradTol) throws IOException {
        SafeTensors.Contents g = Golden.load("simmim_tiny.safetensors");
        Path file = Path.of("reference", "golden", "simmim_tiny.safetensors");
        try (ExecutionContext ctx = dtype == DType.F64 ? ExecutionContext.reference(0) : ExecutionContext.cpu(2, 0)) {
            Ops ops = ctx.ops();
            SimMim sm = SimMim.create(ctx, SimMimConfig.micro16(), dtype);
            StoreCheckpoint.load(sm.store(), file, StoreCheckpoint.Match.STORE_ENTRIES, n -> n.startsWith("model.") ? n.substring(6) : n);
            double[] d = Golden.get(g, "input.imgs").toDoubles();
            Tensor imgs = Golden.tensor(ops, d, dtype, B, 3, 16, 16);
            Tensor mask = ops.tensor(Golden.get(g, "input.mask").toFloats(), B, 16);
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                SimMim.Output out = sm.forward(ops, imgs, mask);
                assertThat(out.loss().item()).isCloseTo(Golden.get(g, "output.loss").toDoubles()[0], Offset.offset(fwdTol));
                Tensor rec = ops.unpatchify(out.pred(), 4, 3, 4, 4);
                assertThat(Golden.relError(rec.toDoubleArray(), Golden.get(g, "output.x_rec").toDoubles())).as("reconstruction").isLessThan(gradTol);
                tape.backward(out.loss());
            }
            for (Parameter p : sm.store().parameters()) {
                assertThat(Golden.relError(p.grad().toDoubleArray(), Golden.get(g, "grad." + p.name()).toDoubles()))
                        .as("gradient of %s", p.name()).isLessThan(gradTol);
            }
        }
    }
}
