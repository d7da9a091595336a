package io.tessera.ssl.train;

import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.nn.optim.LossScaler;
import io.tessera.nn.optim.LrRule;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
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

/**
 * fp16 autocast with dynamic loss scaling in the trainer: a scale so large that float16
 * gradients overflow skips the step (weights and optimizer untouched, the scale halved, the step
 * logged as skipped) until the scale fits, then training proceeds and the loss falls; a resume
 * restores the scaler's state and reproduces the uninterrupted run bit for bit.
 */
class LossScaledTrainingTest {
    @TempDir
    Path dir;

    private static TrainerConfig config(Path out, int epochs) {
        return new TrainerConfig(epochs, 1, 1.5e-3, LrRule.LINEAR, 0, 0.05, 0.95, 1, 0, 0, 0, out, 42);
    }

    private static Trainer fp16(ExecutionContext ctx, MaeMethod m, TrainerConfig cfg, float initialScale) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Trainer t = new Trainer(ctx, m, new PatternSource(ctx, 4, 8, 16, 7), cfg, Map.of("test", true), quiet, false).autocast(DType.F16);
        t.lossScaler().restore(initialScale, 0);
        return t;
    }

    @Test
    void overflowingStepsAreSkippedUntilTheScaleFitsThenTheLossFalls() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            Trainer t = fp16(ctx, m, config(dir, 15).withBaseLr(0.05, LrRule.LINEAR), 0x1p40f);
            Trainer.Result r = t.run();
            assertThat(r.steps()).isEqualTo(60);

            List<Map<String, Object>> rows = new ArrayList<>();
            for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) rows.add(object(io.tessera.nn.checkpoint.Json.parse(line)));
            assertThat(rows).hasSize(60);
            int skipped = 0;
            while ((Boolean) rows.get(skipped).get("skipped")) {
                assertThat(((Number) rows.get(skipped).get("loss_scale")).doubleValue()).as("halved after each skip").isEqualTo(Math.scalb(1.0, 40 - skipped));
                assertThat(rows.get(skipped)).doesNotContainKey("grad_norm");
                skipped++;
            }
            assertThat(skipped).as("steps whose float16 gradients overflowed").isBetween(5, 35);
            assertThat(rows.subList(skipped, 60)).allSatisfy(row -> assertThat(row).containsEntry("skipped", false).containsKey("grad_norm"));
            assertThat(((Number) rows.get(59).get("loss_scale")).doubleValue()).isEqualTo(Math.scalb(1.0, 40 - skipped));

            Map<String, Object> side = TrainingCheckpoint.readSidecar(dir.resolve("checkpoint-60"));
            assertThat(side).containsEntry("steps", 60L).containsEntry("optimizer_steps", 60L - skipped).containsEntry("precision", "fp16");
            assertThat(side.get("loss_scaler")).isEqualTo(Map.of("scale", Math.scalb(1.0, 40 - skipped), "growth_tracker", 60L - skipped));

            double first = r.losses().subList(skipped, skipped + 8).stream().mapToDouble(d -> d).average().orElseThrow();
            double last = r.losses().subList(52, 60).stream().mapToDouble(d -> d).average().orElseThrow();
            assertThat(last).as("mean loss of the last 8 steps vs the first 8 taken").isLessThan(0.8 * first);
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            // one skipped step leaves every weight as it was, and the optimizer without an update
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            float[] before = m.trainable().values().toFloatArray();
            Trainer t = fp16(ctx, m, config(dir.resolve("one"), 15).withMaxSteps(1), 0x1p40f);
            assertThat(t.run().steps()).isEqualTo(1);
            assertThat(m.trainable().values().toFloatArray()).isEqualTo(before);
            assertThat(TrainingCheckpoint.readSidecar(dir.resolve("one").resolve("checkpoint-1"))).containsEntry("optimizer_steps", 0L);
            assertThat(t.lossScaler().scale()).isEqualTo(0x1p39f);
        }
    }

    @Test
    void resumeRestoresTheScalerAndReproducesTheUninterruptedRunBitForBit() throws IOException {
        List<Double> full, resumed;
        float[] fullWeights, resumedWeights;
        LossScaler end;
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            Trainer t = fp16(ctx, m, config(dir.resolve("a"), 3).withCheckpointEvery(5), 0x1p32f);
            full = t.run().losses();
            fullWeights = m.trainable().values().toFloatArray();
            end = t.lossScaler();
        }
        Map<String, Object> at5 = TrainingCheckpoint.readSidecar(dir.resolve("a").resolve("checkpoint-5"));
        double scaleAt5 = ((Number) ((Map<?, ?>) at5.get("loss_scaler")).get("scale")).doubleValue();
        assertThat(scaleAt5).as("the scale has come down from 2^32 but not to the default 2^16").isLessThan(0x1p32).isGreaterThan(LossScaler.INIT_SCALE);
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
            Trainer t = new Trainer(ctx, m, new PatternSource(ctx, 4, 8, 16, 7), config(dir.resolve("a"), 3), Map.of("test", true), quiet, false)
                    .autocast(DType.F16);
            t.resume(dir.resolve("a").resolve("checkpoint-5"));
            assertThat((double) t.lossScaler().scale()).isEqualTo(scaleAt5);
            resumed = t.run().losses();
            resumedWeights = m.trainable().values().toFloatArray();
            assertThat(t.lossScaler().scale()).isEqualTo(end.scale());
            assertThat(t.lossScaler().growthTracker()).isEqualTo(end.growthTracker());
        }
        assertThat(full).hasSize(12);
        assertThat(resumed).containsExactlyElementsOf(full.subList(5, 12));
        assertThat(resumedWeights).isEqualTo(fullWeights);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object json) {
        return (Map<String, Object>) json;
    }
}
