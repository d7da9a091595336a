package io.tessera.ssl.train;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.LrRule;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.ssl.rcmae.RcMae;
import io.tessera.ssl.rcmae.RcMaeMethod;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proposition 4.1's step 2 in the ViT (methods spec §4.7 check (b)): with a constant momentum α,
 * θ_S − θ_T after t optimizer steps equals Σ_{j<t} α^{t−j}(θ_{j+1} − θ_j), whatever the optimizer
 * (here AdamW), over every student parameter.
 */
class TeacherGapIdentityTest {
    private static final double ALPHA = 0.9;
    private static final int STEPS = 10;

    @TempDir
    Path dir;

    /** RC-MAE that keeps θ_S and θ_T after every optimizer step (θ_S before the EMA, θ_T after it). */
    private static final class Recording implements PretrainMethod {
        final RcMaeMethod rc;
        final List<float[]> students = new ArrayList<>(), teachers = new ArrayList<>();

        Recording(RcMaeMethod rc) {
            this.rc = rc;
            students.add(rc.trainable().values().toFloatArray());
            teachers.add(rc.teacherStore().values().toFloatArray());
        }

        public String name() { return rc.name(); }
        public ParameterStore trainable() { return rc.trainable(); }
        public Map<String, ParameterStore> stores() { return rc.stores(); }
        public String evaluationRole() { return rc.evaluationRole(); }
        public void train(boolean on) { rc.train(on); }
        public StepLosses forward(Ops ops, Batch batch, Rng rng) { return rc.forward(ops, batch, rng); }

        public void afterOptimizerStep(long iteration) {
            students.add(rc.trainable().values().toFloatArray());
            rc.afterOptimizerStep(iteration);
            teachers.add(rc.teacherStore().values().toFloatArray());
        }
    }

    @Test
    void theStudentTeacherGapIsTheDiscountedSumOfPastUpdates() throws IOException {
        Recording m;
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            m = new Recording(new RcMaeMethod(RcMae.create(ctx, MaeConfig.micro16(), DType.F32, 1.0), MomentumSchedule.constant(ALPHA)));
            TrainerConfig cfg = new TrainerConfig(3, 0, 0.05, LrRule.LINEAR, 0, 0.05, 0.95, 1, 0, 0, STEPS, dir, 42);
            new Trainer(ctx, m, new PatternSource(ctx, 4, 8, 16, 7), cfg, Map.of(), new PrintStream(new ByteArrayOutputStream()), false).run();
            assertThat(m.rc.trainable().names()).isEqualTo(m.rc.teacherStore().names()); // the flat layouts line up
        }
        assertThat(m.students).hasSize(STEPS + 1);
        int n = m.students.getFirst().length;
        for (int t = 1; t <= STEPS; t++) {
            float[] s = m.students.get(t), th = m.teachers.get(t);
            double err2 = 0, ref2 = 0, worst = 0;
            for (int k = 0; k < n; k++) {
                double rhs = 0;
                for (int j = 0; j < t; j++) rhs += Math.pow(ALPHA, t - j) * ((double) m.students.get(j + 1)[k] - m.students.get(j)[k]);
                double lhs = (double) s[k] - th[k];
                // float32 rounding of t EMA steps on values of size |θ|: a few ulps per step
                double bound = 4 * (t + 1) * Math.ulp(Math.max(Math.abs(s[k]), Math.abs(th[k])));
                worst = Math.max(worst, Math.abs(lhs - rhs) / bound);
                err2 += (lhs - rhs) * (lhs - rhs);
                ref2 += rhs * rhs;
            }
            assertThat(worst).as("largest element error in units of its float32 bound at t=%d", t).isLessThanOrEqualTo(1);
            assertThat(Math.sqrt(err2 / ref2)).as("relative error at t=%d", t).isLessThan(1e-3);
            assertThat(ref2).as("a non-trivial gap at t=%d", t).isPositive();
        }
        assertThat(m.students.get(STEPS)).isNotEqualTo(m.teachers.get(STEPS));
    }
}
