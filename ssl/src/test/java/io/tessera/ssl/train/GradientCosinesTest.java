package io.tessera.ssl.train;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.optim.LrRule;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.rcmae.RcMae;
import io.tessera.ssl.rcmae.RcMaeMethod;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Gradient-cosine logging (methods spec §4.8): values against a direct computation, and no effect on training. */
class GradientCosinesTest {
    private static final long SEED = 42;

    @TempDir
    Path dir;

    private static TrainerConfig config(Path out, long steps) {
        return new TrainerConfig(3, 0, 0.05, LrRule.LINEAR, 0, 0.05, 0.95, 1, 0, 0, steps, out, SEED); // peak 1.6e-3 from step 1
    }

    private static RcMaeMethod rcmae(ExecutionContext ctx, RcMae.TeacherMask mask) {
        return new RcMaeMethod(RcMae.create(ctx, MaeConfig.micro16(), DType.F32, 1.0, mask), MomentumSchedule.constant(0.9));
    }

    private static Trainer.Result train(ExecutionContext ctx, RcMaeMethod m, TrainerConfig cfg) throws IOException {
        return new Trainer(ctx, m, new PatternSource(ctx, 4, 8, 16, 7), cfg, Map.of(), new PrintStream(new ByteArrayOutputStream()), false).run();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> metrics(Path out) throws IOException {
        List<Map<String, Object>> recs = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) recs.add((Map<String, Object>) Json.parse(line));
        return recs;
    }

    @Test
    void loggingTheCosinesLeavesTheTrajectoryBitForBit() throws IOException {
        for (RcMae.TeacherMask mask : RcMae.TeacherMask.values()) {
            float[] on, off, onTeacher, offTeacher;
            List<Double> lossesOn, lossesOff;
            try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
                RcMaeMethod m = rcmae(ctx, mask);
                lossesOn = train(ctx, m, config(dir.resolve("on-" + mask), 6).withGradCosines(true)).losses();
                on = m.trainable().values().toFloatArray();
                onTeacher = m.teacherStore().values().toFloatArray();
            }
            try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
                RcMaeMethod m = rcmae(ctx, mask);
                lossesOff = train(ctx, m, config(dir.resolve("off-" + mask), 6)).losses();
                off = m.trainable().values().toFloatArray();
                offTeacher = m.teacherStore().values().toFloatArray();
            }
            assertThat(lossesOn).as(mask.toString()).containsExactlyElementsOf(lossesOff);
            assertThat(on).as(mask + " student").isEqualTo(off);
            assertThat(onTeacher).as(mask + " teacher").isEqualTo(offTeacher);
            assertThat(metrics(dir.resolve("on-" + mask)).getFirst().keySet()).as(mask.toString()).containsAll(GradientCosines.FIELDS);
            assertThat(metrics(dir.resolve("off-" + mask)).getFirst().keySet()).as(mask.toString()).doesNotContainAnyElementsOf(GradientCosines.FIELDS);
        }
    }

    @Test
    void theFirstStepHasNoGapSoItsCosinesAreNull() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            train(ctx, rcmae(ctx, RcMae.TeacherMask.SAME), config(dir.resolve("s"), 2).withGradCosines(true));
            train(ctx, rcmae(ctx, RcMae.TeacherMask.INDEPENDENT), config(dir.resolve("d"), 2).withGradCosines(true));
        }
        Map<String, Object> s1 = metrics(dir.resolve("s")).get(0), d1 = metrics(dir.resolve("d")).get(0), s2 = metrics(dir.resolve("s")).get(1);
        // same mask: the teacher equals the student, so L_c and its gradient are zero as well
        assertThat(s1.get("gap_norm")).isEqualTo(0.0);
        assertThat(s1.get("grad_c_norm")).isEqualTo(0.0);
        assertThat(s1.containsKey("cos_c_gap") && s1.get("cos_c_gap") == null).isTrue();
        assertThat(s1.containsKey("cos_c_r") && s1.get("cos_c_r") == null).isTrue();
        assertThat((Double) s1.get("grad_r_norm")).isPositive();
        // independent mask: a consistency gradient already at step 1, still no gap
        assertThat((Double) d1.get("grad_c_norm")).isPositive();
        assertThat(d1.get("cos_c_gap")).isNull();
        assertThat(d1.get("cos_c_r")).isInstanceOf(Double.class);
        assertThat((Double) s2.get("gap_norm")).isPositive();
        assertThat(s2.get("cos_c_gap")).isInstanceOf(Double.class);
    }

    @Test
    void theLoggedCosinesMatchADirectComputation() throws IOException {
        int done = 5; // state after 5 steps; step 6 takes epoch 1, batch 1, micro-step 5
        for (RcMae.TeacherMask mask : RcMae.TeacherMask.values()) {
            Path out = dir.resolve("log-" + mask);
            try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
                train(ctx, rcmae(ctx, mask), config(out, done + 1).withGradCosines(true));
            }
            Map<String, Object> logged = metrics(out).get(done);
            assertThat(logged.get("step")).isEqualTo((long) done + 1);
            try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
                RcMaeMethod m = rcmae(ctx, mask);
                train(ctx, m, config(dir.resolve("state-" + mask), done));
                m.train(true);
                Batch batch = new PatternSource(ctx, 4, 8, 16, 7).epoch(1, 1).next();
                Rng rng = new Rng(SEED).split("train").split(done);
                RcMae rc = m.model();
                double[] gr = gradient(ctx, rc, batch, rng, mask, true), gc = gradient(ctx, rc, batch, rng, mask, false);
                double[] gap = gap(rc.student().store(), rc.teacher().store());
                assertThat((Double) logged.get("grad_r_norm")).as(mask.toString()).isCloseTo(norm(gr), within(1e-6 * norm(gr)));
                assertThat((Double) logged.get("grad_c_norm")).isCloseTo(norm(gc), within(1e-6 * norm(gc)));
                assertThat((Double) logged.get("gap_norm")).isCloseTo(norm(gap), within(1e-6 * norm(gap)));
                assertThat((Double) logged.get("cos_c_r")).isCloseTo(cos(gc, gr), within(1e-6));
                assertThat((Double) logged.get("cos_c_gap")).isCloseTo(cos(gc, gap), within(1e-6));
                assertThat(Math.abs(cos(gc, gap))).as("a signal, not zero").isGreaterThan(1e-3);
            }
        }
    }

    /** ∇L_r or ∇L_c on its own forward pass, flattened over the trainable student parameters. */
    private static double[] gradient(ExecutionContext ctx, RcMae rc, Batch batch, Rng rng, RcMae.TeacherMask mask, boolean reconstruction) {
        Ops ops = ctx.ops();
        ParameterStore s = rc.student().store();
        s.zeroGrad();
        try (Scope scope = ctx.openScope(); Tape tape = ctx.record()) {
            MaskPlan plan = rc.student().mask(ops, rng.split("mask"), batch.size());
            MaskPlan teacherPlan = mask == RcMae.TeacherMask.SAME ? plan : rc.teacher().mask(ops, rng.split("teacher-mask"), batch.size());
            RcMae.Losses l = rc.forward(ops, batch.images(), plan, teacherPlan);
            tape.backward(reconstruction ? l.reconstruction() : l.consistency());
        }
        List<Double> out = new ArrayList<>();
        for (Parameter p : s.parameters()) if (p.trainable()) for (float v : p.grad().toFloatArray()) out.add((double) v);
        s.zeroGrad();
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] gap(ParameterStore student, ParameterStore teacher) {
        List<Double> out = new ArrayList<>();
        for (Parameter p : student.parameters()) {
            if (!p.trainable()) continue;
            float[] a = p.tensor().toFloatArray(), b = teacher.tensor(p.name()).toFloatArray();
            for (int i = 0; i < a.length; i++) out.add((double) a[i] - b[i]);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double cos(double[] a, double[] b) {
        return dot(a, b) / (norm(a) * norm(b));
    }

    @Test
    void withAccumulationTheFirstMicroBatchIsMeasuredAndTrainingIsUnchanged() throws IOException {
        float[] on, off;
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            RcMaeMethod m = rcmae(ctx, RcMae.TeacherMask.SAME);
            train(ctx, m, config(dir.resolve("acc-on"), 3).withAccumulation(2).withGradCosines(true));
            on = m.trainable().values().toFloatArray();
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            RcMaeMethod m = rcmae(ctx, RcMae.TeacherMask.SAME);
            train(ctx, m, config(dir.resolve("acc-off"), 3).withAccumulation(2));
            off = m.trainable().values().toFloatArray();
        }
        assertThat(on).isEqualTo(off);
        List<Map<String, Object>> recs = metrics(dir.resolve("acc-on"));
        assertThat(recs).hasSize(3);
        assertThat((Double) recs.get(2).get("gap_norm")).isPositive();
    }

    @Test
    void aMethodWithoutAConsistencyTermIsRefused() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            MaeMethod mae = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            assertThatThrownBy(() -> new Trainer(ctx, mae, new PatternSource(ctx, 4, 8, 16, 7), config(dir, 1).withGradCosines(true), Map.of(),
                    new PrintStream(new ByteArrayOutputStream()), false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradient cosines need").hasMessageContaining("mae has none");
        }
    }

    @Test
    void theSettingIsRecordedButAResumeMayChangeIt() {
        TrainerConfig c = config(dir, 0).withGradCosines(true);
        assertThat(c.toMap()).containsEntry("grad_cosines", true);
        TrainerConfig back = TrainerConfig.fromJson(io.tessera.nn.checkpoint.JsonFields.of(c.toMap(), null), dir);
        assertThat(back.gradCosines()).isTrue();
        Map<String, Object> older = new java.util.LinkedHashMap<>(c.toMap());
        older.remove("grad_cosines");
        assertThat(TrainerConfig.fromJson(io.tessera.nn.checkpoint.JsonFields.of(older, null), dir).gradCosines()).isFalse();
        assertThat(c.recipeDifferences(config(dir, 0), false)).isEmpty();
    }
}
