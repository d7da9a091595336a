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
            assertThat(r.optimizerSteps()).isEqualTo(60);
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
            assertThat(r.optimizerSteps()).isEqualTo(240);
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
                    .hasMessageContaining("checkpoint-4");
            MaskedAutoencoder fresh = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            Map<String, Object> side = TrainingCheckpoint.load(dir.resolve("checkpoint-4"), Map.of("student", fresh.store()), "student",
                    new io.tessera.nn.optim.AdamW(fresh.store(), io.tessera.nn.optim.ParamGroups.pretrain(), 0.9, 0.95, 1e-8, 0.05).state());
            assertThat(side).containsEntry("optimizer_steps", 4L).containsEntry("method", "poisoned");
        }
    }
}
