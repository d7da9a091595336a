package io.tessera.ssl.train;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.nn.optim.LrRule;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared training loop: learning, exact resume, non-finite losses, metrics. */
class TrainerTest {
    @TempDir
    Path dir;

    private static TrainerConfig config(Path out, int epochs) {
        return new TrainerConfig(epochs, 1, 1.5e-3, LrRule.LINEAR, 0, 0.05, 0.95, 1, 0, 0, 0, out, 42);
    }

    private static Trainer trainer(ExecutionContext ctx, PretrainMethod m, TrainerConfig cfg) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new Trainer(ctx, m, new PatternSource(ctx, 4, 8, 16, 7), cfg, Map.of("test", true), quiet, false);
    }

    @Test
    void maeLossFallsAndMetricsAreWritten() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            Trainer t = trainer(ctx, m, config(dir, 15).withBaseLr(0.05, LrRule.LINEAR)); // peak 1.6e-3 at batch 8
            Trainer.Result r = t.run();
            assertThat(r.steps()).isEqualTo(60);
            double first = r.losses().subList(0, 8).stream().mapToDouble(d -> d).average().orElseThrow();
            double last = r.losses().subList(52, 60).stream().mapToDouble(d -> d).average().orElseThrow();
            assertThat(last).as("mean loss of the last 8 steps vs the first 8").isLessThan(0.8 * first);
            List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
            assertThat(lines).hasSize(60);
            assertThat(lines.get(0)).contains("\"step\":1", "\"lr\":0.0", "\"loss_r\"", "\"grad_norm\"");
            assertThat(TrainingCheckpoint.exists(dir.resolve("checkpoint-60"))).isTrue();
            assertThat(r.stepTimeSummary()).contains("p50", "60 steps");
        }
    }

    @Test
    @org.junit.jupiter.api.Tag("slow")
    void rcmaeLossFallsOverAFewHundredSteps() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            io.tessera.ssl.rcmae.RcMaeMethod m = new io.tessera.ssl.rcmae.RcMaeMethod(
                    io.tessera.ssl.rcmae.RcMae.create(ctx, MaeConfig.micro16(), DType.F32, 1.0),
                    io.tessera.nn.optim.MomentumSchedule.constant(0.996));
            Trainer.Result r = trainer(ctx, m, config(dir, 60).withBaseLr(0.05, LrRule.LINEAR)).run();
            assertThat(r.steps()).isEqualTo(240);
            double first = r.losses().subList(0, 20).stream().mapToDouble(d -> d).average().orElseThrow();
            double last = r.losses().subList(220, 240).stream().mapToDouble(d -> d).average().orElseThrow();
            assertThat(last).as("mean RC-MAE loss of the last 20 steps vs the first 20").isLessThan(0.8 * first);
        }
    }

    @Test
    void resumeReproducesTheUninterruptedRunBitForBit() throws IOException {
        List<Double> full, resumed;
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            full = trainer(ctx, m, config(dir.resolve("a"), 3).withCheckpointEvery(5)).run().losses();
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            Trainer t = trainer(ctx, m, config(dir.resolve("a"), 3));
            t.resume(dir.resolve("a").resolve("checkpoint-5")); // mid-epoch: epoch 1, batch 1
            resumed = t.run().losses();
        }
        assertThat(full).hasSize(12);
        assertThat(resumed).containsExactlyElementsOf(full.subList(5, 12));
    }

    @Test
    void resumeAfterAKillLogsEveryStepOnceAndRemovesTheInterruptedSave() throws IOException {
        Path out = dir.resolve("killed");
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            trainer(ctx, m, config(out, 3).withCheckpointEvery(5).withMaxSteps(8)).run();
        }
        // killed while writing step 9's record and while saving checkpoint-10
        Path metrics = out.resolve("metrics.jsonl");
        Files.writeString(metrics, "{\"step\":9,\"epo", java.nio.file.StandardOpenOption.APPEND);
        Path partial = out.resolve(".checkpoint-10.safetensors.0123456789abcdef.tmp");
        Files.write(partial, new byte[100]);
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            Trainer t = trainer(ctx, m, config(out, 3).withCheckpointEvery(5));
            t.resume(out.resolve("checkpoint-5"));
            t.run();
        }
        List<String> lines = Files.readAllLines(metrics);
        assertThat(lines).hasSize(12);
        for (int i = 0; i < lines.size(); i++) {
            Object rec = io.tessera.nn.checkpoint.Json.parse(lines.get(i));
            assertThat(rec).as("line %d", i + 1).isInstanceOf(Map.class);
            assertThat(((Map<?, ?>) rec).get("step")).as("line %d", i + 1).isEqualTo((long) i + 1);
        }
        assertThat(Files.readString(metrics)).endsWith("}\n");
        assertThat(partial).doesNotExist();
    }

    @Test
    void keepLastKeepsOnlyTheNewestCheckpoints() throws IOException {
        Path out = dir.resolve("keep");
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            trainer(ctx, m, config(out, 2).withCheckpointEvery(2).withKeepLast(2)).run();
        }
        try (var s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint-")).sorted().toList())
                    .containsExactly("checkpoint-6.json", "checkpoint-6.safetensors", "checkpoint-8.json", "checkpoint-8.safetensors");
        }
    }

    @Test
    void aNanLossStopsTheRunAndLeavesTheLastCheckpointIntact() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            MaeMethod mae = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            PretrainMethod poisoned = new PretrainMethod() {
                int calls;

                public String name() { return "poisoned"; }
                public ParameterStore trainable() { return mae.trainable(); }
                public Map<String, ParameterStore> stores() { return mae.stores(); }
                public String evaluationRole() { return mae.evaluationRole(); }
                public void train(boolean on) { mae.train(on); }

                public StepLosses forward(Ops ops, Batch batch, Rng rng) {
                    StepLosses l = mae.forward(ops, batch, rng);
                    return ++calls == 6 ? new StepLosses(ops.scale(l.total(), Double.NaN), l.parts()) : l;
                }
            };
            Trainer t = trainer(ctx, poisoned, config(dir, 3).withCheckpointEvery(4));
            assertThatThrownBy(t::run).isInstanceOf(NonFiniteLossException.class)
                    .hasMessageContaining("loss is NaN at step 6").hasMessageContaining("learning rate")
                    .hasMessageEndingWith("the last checkpoint is " + dir.resolve("checkpoint-4")); // the base path a resume takes
            MaskedAutoencoder fresh = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            Map<String, Object> side = TrainingCheckpoint.load(dir.resolve("checkpoint-4"), Map.of("student", fresh.store()), "student",
                    new io.tessera.nn.optim.AdamW(fresh.store(), io.tessera.nn.optim.ParamGroups.pretrain(), 0.9, 0.95, 1e-8, 0.05).state());
            assertThat(side).containsEntry("optimizer_steps", 4L).containsEntry("method", "poisoned");
        }
    }

    private static TrainerConfig config(Path out, int epochs, int accum) {
        return config(out, epochs).withAccumulation(accum);
    }

    @Test
    void resumeRefusesOtherSettingsBeforeLoadingAnything() throws IOException {
        Path out = dir.resolve("strict");
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            trainer(ctx, new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32)), config(out, 3).withCheckpointEvery(5).withMaxSteps(5)).run();
        }
        Path base = out.resolve("checkpoint-5");
        Map<String, TrainerConfig> variants = new java.util.LinkedHashMap<>();
        variants.put("seed 42 → 43", config(out, 3).withSeed(43));
        variants.put("accumulation 1 → 2", config(out, 3, 2));
        variants.put("epochs 3 → 4", config(out, 4));
        variants.put("base learning rate 0.0015 → 0.002", config(out, 3).withBaseLr(2e-3, LrRule.LINEAR));
        variants.put("learning rate 0.0 → 0.001", config(out, 3).withLr(1e-3));
        variants.put("min learning rate 0.0 → 1.0E-6", config(out, 3).withMinLr(1e-6));
        for (Map.Entry<String, TrainerConfig> v : variants.entrySet()) {
            try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
                MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
                float[] before = m.trainable().values().toFloatArray();
                Trainer t = trainer(ctx, m, v.getValue());
                assertThatThrownBy(() -> t.resume(base)).as(v.getKey()).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("cannot resume " + base).hasMessageContaining(v.getKey());
                assertThat(m.trainable().values().toFloatArray()).as("nothing loaded for " + v.getKey()).isEqualTo(before);
            }
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) { // other data: batch size, batches per epoch
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            Trainer smaller = new Trainer(ctx, m, new PatternSource(ctx, 4, 4, 16, 7), config(out, 3), Map.of(), quiet, false);
            assertThatThrownBy(() -> smaller.resume(base)).hasMessageContaining("batch size 8 → 4");
            Trainer longer = new Trainer(ctx, m, new PatternSource(ctx, 6, 8, 16, 7), config(out, 3), Map.of(), quiet, false);
            assertThatThrownBy(() -> longer.resume(base)).hasMessageContaining("batches per epoch 4 → 6");
        }
    }

    @Test
    void aNewScheduleAcceptsOtherEpochsAndContinuesOnIt() throws IOException {
        Path out = dir.resolve("longer");
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            trainer(ctx, new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32)), config(out, 2)).run();
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            Trainer t = trainer(ctx, new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32)), config(out, 4));
            t.resume(out.resolve("checkpoint-8"), true);
            assertThat(t.run().steps()).isEqualTo(16);
        }
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(16);
        double peak = 1.5e-3 * 8 / 256;
        Map<?, ?> step9 = (Map<?, ?>) io.tessera.nn.checkpoint.Json.parse(lines.get(8));
        assertThat((Double) step9.get("lr")).isEqualTo(new io.tessera.nn.optim.LrSchedule(peak, 0, 1, 4).at(2, 0, 4)); // the 4-epoch cosine at e = 2
    }

    /** MAE with a record of the iteration indices the trainer hands to the post-step hook. */
    private static final class Recording implements PretrainMethod {
        final MaeMethod mae;
        final List<Long> iterations = new java.util.ArrayList<>();

        Recording(ExecutionContext ctx) {
            mae = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
        }

        public String name() { return "mae"; }
        public ParameterStore trainable() { return mae.trainable(); }
        public Map<String, ParameterStore> stores() { return mae.stores(); }
        public String evaluationRole() { return mae.evaluationRole(); }
        public void train(boolean on) { mae.train(on); }
        public StepLosses forward(Ops ops, Batch batch, Rng rng) { return mae.forward(ops, batch, rng); }
        public void afterOptimizerStep(long iteration) { iterations.add(iteration); }
    }

    @Test
    void theTeacherHookGetsTheZeroBasedDataIterationOfTheStepsLastMicroBatch() throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            Recording r = new Recording(ctx);
            new Trainer(ctx, r, new PatternSource(ctx, 4, 8, 16, 7), config(dir.resolve("a1"), 2), Map.of(), quiet, false).run();
            assertThat(r.iterations).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L); // the first update reads m(0) = m₀
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            // 5 micro-batches per epoch, accumulation 2: LUT's engine updates at it = 5·epoch + step for (step + 1) % 2 == 0
            Recording r = new Recording(ctx);
            new Trainer(ctx, r, new PatternSource(ctx, 5, 8, 16, 7), config(dir.resolve("a2"), 2, 2).withCheckpointEvery(3), Map.of(), quiet, false).run();
            assertThat(r.iterations).containsExactly(1L, 3L, 6L, 8L);
            Recording resumed = new Recording(ctx);
            Trainer t = new Trainer(ctx, resumed, new PatternSource(ctx, 5, 8, 16, 7), config(dir.resolve("a2"), 2, 2), Map.of(), quiet, false);
            t.resume(dir.resolve("a2").resolve("checkpoint-3"));
            t.run();
            assertThat(resumed.iterations).containsExactly(8L);
        }
    }

    @Test
    void saveEveryEpochsCheckpointsAtTheEndOfEveryNthEpoch() throws IOException {
        Path out = dir.resolve("epochs");
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            trainer(ctx, new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32)), config(out, 5).withSaveEveryEpochs(2)).run();
        }
        try (var s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList())
                    .containsExactly("checkpoint-16.json", "checkpoint-20.json", "checkpoint-8.json"); // epochs 2 and 4, and the end
        }
        Map<String, Object> side = TrainingCheckpoint.readSidecar(out.resolve("checkpoint-8"));
        assertThat(side).containsEntry("batch_size", 8L).containsEntry("batches_per_epoch", 4L).containsKey("trainer_config");
        @SuppressWarnings("unchecked") Map<String, Object> tc = (Map<String, Object>) side.get("trainer_config");
        assertThat(tc).containsEntry("schema", "tessera.trainer/1").containsEntry("save_every_epochs", 2L)
                .containsEntry("seed", 42L).containsEntry("epochs", 5L);
    }
}
