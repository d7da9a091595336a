package io.tessera.ssl.rcmae;

import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RC-MAE-S (teacher on the student's mask) and RC-MAE-D (teacher on its own mask). */
class RcMaeTeacherMaskTest {
    private static Tensor images(Ops ops, long seed) {
        Rng r = new Rng(seed);
        float[] px = new float[4 * 3 * 16 * 16];
        for (int i = 0; i < px.length; i++) px[i] = (float) r.nextGaussian();
        return ops.tensor(px, 4, 3, 16, 16);
    }

    @Test
    void theIndependentTeacherDrawsItsOwnMaskFromItsOwnStream() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1); Scope s = ctx.openScope()) {
            Ops ops = ctx.ops();
            RcMaeMethod same = new RcMaeMethod(RcMae.create(ctx, MaeConfig.micro16(), DType.F32, 1.0), MomentumSchedule.constant(0.996));
            RcMaeMethod indep = new RcMaeMethod(RcMae.create(ctx, MaeConfig.micro16(), DType.F32, 1.0, RcMae.TeacherMask.INDEPENDENT), MomentumSchedule.constant(0.996));
            assertThat(same.model().teacherMask()).isEqualTo(RcMae.TeacherMask.SAME);
            Batch batch = new Batch(images(ops, 5), ops.indices(new int[4], 4));
            Rng rng = new Rng(9);
            StepLosses ls = same.forward(ops, batch, rng), ld = indep.forward(ops, batch, rng);
            // at initialisation the teacher is the student: with its mask L_c is exactly 0, with another mask it is not
            assertThat(ls.parts().get("loss_c").item()).isZero();
            assertThat(ld.parts().get("loss_c").item()).isPositive();
            assertThat(ld.parts().get("loss_r").item()).as("the student's mask and L_r do not depend on the teacher's").isEqualTo(ls.parts().get("loss_r").item());
            // the same numbers by hand: the student's plan from "mask", the teacher's from "teacher-mask"
            RcMae rc = indep.model();
            MaskPlan student = rc.student().mask(ops, rng.split("mask"), 4), teacher = rc.teacher().mask(ops, rng.split("teacher-mask"), 4);
            assertThat(teacher.mask().toFloatArray()).isNotEqualTo(student.mask().toFloatArray());
            RcMae.Losses byHand = rc.forward(ops, batch.images(), student, teacher);
            assertThat(byHand.consistency().item()).isEqualTo(ld.parts().get("loss_c").item());
            assertThat(byHand.total().item()).isEqualTo(ld.total().item());
            RcMae.Losses sameByHand = same.model().forward(ops, batch.images(), student);
            assertThat(sameByHand.total().item()).isEqualTo(ls.total().item());
        }
    }

    @Test
    void aTeacherMaskIsRequired() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            assertThatThrownBy(() -> RcMae.create(ctx, MaeConfig.micro16(), DType.F32, 1.0, null)).hasMessageContaining("teacher mask");
        }
    }
}
