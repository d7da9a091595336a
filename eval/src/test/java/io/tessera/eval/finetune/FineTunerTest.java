package io.tessera.eval.finetune;

import io.tessera.eval.downstream.PatternImages;
import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.nn.Parameter;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.ssl.data.Normalize;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The fine-tuning model built from an encoder, the layer-decay table's numbers, a short run that learns, and its checkpoint. */
class FineTunerTest {
    static final VitConfig MICRO = new VitConfig(8, 4, 1, 16, 2, 2, 4.0, true, 1e-6, VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0);

    @TempDir
    Path dir;

    @Test
    void modelsVitFromAnEncoder() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            VisionTransformer enc = VisionTransformer.create(ctx, MICRO, DType.F32);
            VisionTransformer avg = FineTuner.model(ctx, enc, 5, Pooling.AVG, 0.1, 3);
            assertThat(avg.config().pooling()).isEqualTo(VitConfig.Pooling.MEAN);
            assertThat(avg.store().names()).contains("fc_norm.weight", "head.weight").doesNotContain("norm.weight");
            Parameter pos = avg.store().get("pos_embed");
            assertThat(pos.kind()).isEqualTo(Parameter.Kind.PARAMETER);
            assertThat(pos.tensor().toFloatArray()).containsExactly(enc.store().tensor("pos_embed").toFloatArray());
            assertThat(avg.store().tensor("blocks.1.attn.qkv.weight").toFloatArray()).containsExactly(enc.store().tensor("blocks.1.attn.qkv.weight").toFloatArray());
            double[] w = avg.store().tensor("head.weight").toDoubleArray();
            double m2 = 0;
            for (double v : w) m2 += v * v / w.length;
            assertThat(Math.sqrt(m2)).as("head std 2e-5").isCloseTo(2e-5, within(8e-6));
            assertThat(avg.config().dropPathAt(1)).isEqualTo(0.1);
            VisionTransformer cls = FineTuner.model(ctx, enc, 5, Pooling.CLS, 0.0, 3);
            assertThat(cls.store().tensor("norm.weight").toFloatArray()).containsExactly(enc.store().tensor("norm.weight").toFloatArray());
        }
    }

    @Test
    void layerDecayScalesAreMaesNumbersForViTBase() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            VitConfig b = new VitConfig(32, 16, 3, 16, 12, 2, 4.0, true, 1e-6, VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0);
            VisionTransformer m = FineTuner.model(ctx, VisionTransformer.create(ctx, b, DType.F32), 1000, Pooling.AVG, 0.1, 0);
            List<LayerDecayGroups.Group> g = LayerDecayGroups.of(m.store(), 12, 0.65, 0.05, LayerDecayGroups.NO_WEIGHT_DECAY);
            Map<String, Double> scale = new java.util.HashMap<>();
            for (LayerDecayGroups.Group x : g) for (String p : x.params()) scale.put(p, x.lrScale());
            assertThat(scale.get("patch_embed.proj.weight")).isCloseTo(0.003697, within(5e-7));
            assertThat(scale.get("cls_token")).isCloseTo(0.003697, within(5e-7));
            assertThat(scale.get("blocks.0.attn.qkv.weight")).isCloseTo(0.005688, within(5e-7));
            assertThat(scale.get("blocks.11.mlp.fc2.bias")).isCloseTo(0.65, within(1e-12));
            assertThat(scale.get("head.weight")).isEqualTo(1.0);
            assertThat(g.stream().filter(x -> x.name().equals("layer_0_no_decay")).findFirst().orElseThrow().params())
                    .containsExactlyInAnyOrder("patch_embed.proj.bias", "cls_token", "pos_embed");
            assertThat(LayerDecayGroups.describe(g)).hasSize(g.size());
        }
    }

    @Test
    void aShortRecipeRunLearnsThePatternsAndRoundTripsItsCheckpoint() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            VisionTransformer enc = VisionTransformer.create(ctx, MICRO, DType.F32);
            Normalize norm = new Normalize(new float[] {0.45f}, new float[] {0.25f});
            PatternImages train = new PatternImages(256, 8, 1, PatternImages.Kind.TEXTURES), test = new PatternImages(64, 8, 2, PatternImages.Kind.TEXTURES);
            FineTuner.Settings s = new FineTuner.Settings(6, 32, 2e-2, io.tessera.nn.optim.LrRule.LINEAR, 0.75, 0.05, 1, 1e-6, 0.1,
                    Pooling.AVG, 0.8, 1.0, 0.1, "rand-m9-mstd0.5-inc1", 0.25, 7);
            FineTuner tuner = new FineTuner(ctx, s);
            VisionTransformer model = FineTuner.model(ctx, enc, 4, Pooling.AVG, s.dropPath(), s.seed());
            FineTuner.Result r = tuner.run(model, train, norm, test, norm, 0, ProgressListener.NONE);
            assertThat(r.epochs()).hasSize(6);
            assertThat(r.steps()).isEqualTo(6 * 8);
            assertThat(r.last().top1()).as("chance is 0.25").isGreaterThan(0.6);
            FinetunedModel fm = new FinetunedModel(r.model(), norm);
            FinetuneCheckpoint.save(dir.resolve("ft"), fm, Map.of("data", "patterns"));
            FinetunedModel back = FinetuneCheckpoint.load(ctx, dir.resolve("ft"));
            var m = io.tessera.eval.downstream.ClassifierMetrics.evaluate(ctx, back, test, norm, 16, ProgressListener.NONE, "t");
            assertThat(m.top1()).isEqualTo(r.last().top1());
            assertThat(m.loss()).isCloseTo(r.last().testLoss(), within(1e-5));
            assertThatThrownBy(() -> FinetuneCheckpoint.load(ctx, dir.resolve("nothing"))).hasMessageContaining("sidecar missing");
        }
    }

    @Test
    void settingsRefuseWhatTheRecipeCannotRun() {
        FineTuner.Settings ok = FineTuner.Settings.mae(10, 64);
        assertThat(ok.peakLr()).isCloseTo(1e-3 * 64 / 256, within(1e-15));
        assertThatThrownBy(() -> new FineTuner.Settings(10, 63, 1e-3, io.tessera.nn.optim.LrRule.LINEAR, 0.75, 0.05, 5, 1e-6, 0.1, Pooling.AVG, 0.8, 1.0,
                0.1, null, 0.25, 0)).hasMessageContaining("even batch");
        assertThatThrownBy(() -> new FineTuner.Settings(10, 64, 1e-3, io.tessera.nn.optim.LrRule.LINEAR, 0.75, 0.05, 5, 1e-6, 0.1, Pooling.AVG, 0.8, 1.0,
                0.1, "rand-m99", 0.25, 0)).hasMessageContaining("[0, 10]");
        assertThat(ok.plain().mixes()).isFalse();
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            VisionTransformer m = FineTuner.model(ctx, VisionTransformer.create(ctx, MICRO, DType.F32), 4, Pooling.AVG, 0, 0);
            assertThatThrownBy(() -> new FineTuner(ctx, FineTuner.Settings.mae(1, 64)).run(m, new PatternImages(32, 8, 1),
                    new Normalize(new float[] {0.5f}, new float[] {0.5f}), new PatternImages(8, 8, 2), Normalize.mnist(), 0, ProgressListener.NONE))
                    .hasMessageContaining("batch of 64 exceeds the 32 training images");
        }
    }
}
