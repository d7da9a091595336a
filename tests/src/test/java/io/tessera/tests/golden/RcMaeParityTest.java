package io.tessera.tests.golden;

import io.tessera.nn.Parameter;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.nn.optim.AdamW;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.ssl.rcmae.RcMae;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One RC-MAE step against the PyTorch restatement of the official code
 * (tests/reference/make_golden_rcmae.py): reconstruction and consistency losses with a teacher
 * of different weights on the same mask, every student gradient, and the teacher after AdamW
 * and the EMA update (m = 0.996).
 */
class RcMaeParityTest {
    @ParameterizedTest
    @CsvSource({"F64, 1e-9, 1e-9", "F32, 1e-4, 1e-3"})
    void oneStepMatchesPyTorch(DType dtype, double fwdTol, double gradTol) throws IOException {
        SafeTensors.Contents g = Golden.load("rcmae_tiny.safetensors");
        Path file = Path.of("reference", "golden", "rcmae_tiny.safetensors");
        try (ExecutionContext ctx = dtype == DType.F64 ? ExecutionContext.reference(0) : ExecutionContext.cpu(2, 0)) {
            Ops ops = ctx.ops();
            RcMae rc = RcMae.create(ctx, MaeConfig.micro16(), dtype, 1.0);
            StoreCheckpoint.load(rc.student().store(), file, StoreCheckpoint.Match.STORE_ENTRIES, n -> n.startsWith("student.") ? n.substring(8) : n);
            StoreCheckpoint.load(rc.teacher().store(), file, StoreCheckpoint.Match.STORE_ENTRIES, n -> n.startsWith("teacher.") ? n.substring(8) : n);
            double[] imgsD = Golden.get(g, "input.imgs").toDoubles();
            Tensor imgs = Golden.tensor(ops, imgsD, dtype, 2, 3, 16, 16);
            MaskPlan plan = RandomMasking.fromNoise(ops, Golden.get(g, "input.noise").toFloats(), 2, 16, 0.75);

            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                RcMae.Losses l = rc.forward(ops, imgs, plan);
                assertThat(l.reconstruction().item()).isCloseTo(Golden.get(g, "output.loss_r").toDoubles()[0], org.assertj.core.data.Offset.offset(fwdTol));
                assertThat(l.consistency().item()).isCloseTo(Golden.get(g, "output.loss_c").toDoubles()[0], org.assertj.core.data.Offset.offset(fwdTol));
                assertThat(l.total().item()).isCloseTo(Golden.get(g, "output.loss").toDoubles()[0], org.assertj.core.data.Offset.offset(2 * fwdTol));
                assertThat(tape.size()).as("the teacher records nothing").isLessThan(400);
                tape.backward(l.total());
            }
            for (Parameter p : rc.student().store().parameters()) {
                assertThat(Golden.relError(p.grad().toDoubleArray(), Golden.get(g, "grad." + p.name()).toDoubles())).as("gradient of %s", p.name()).isLessThan(gradTol);
            }
            for (Parameter p : rc.teacher().store().parameters()) {
                assertThat(p.grad().toDoubleArray()).as("teacher %s gets no gradient", p.name()).containsOnly(0.0);
            }
            if (dtype == DType.F32) Golden.useGoldenGradients(rc.student().store(), g, "grad.");
            AdamW.maePretrain(rc.student().store()).step(1e-3);
            rc.updateTeacher(0.996);
            for (Parameter p : rc.teacher().store().parameters()) {
                assertThat(Golden.relError(p.tensor().toDoubleArray(), Golden.get(g, "teacher_after." + p.name()).toDoubles()))
                        .as("teacher %s after the EMA update", p.name()).isLessThan(fwdTol);
            }
        }
    }
}
