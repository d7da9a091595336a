package io.tessera.eval.downstream;

import io.tessera.nn.Parameter;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.nn.checkpoint.Json;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Model descriptions, weight transfer, pooling, accuracy counting and the eval.json document. */
class DownstreamPartsTest {
    static final VitConfig MICRO = new VitConfig(8, 4, 1, 16, 2, 2, 4.0, true, 1e-6, VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0);

    @TempDir
    Path dir;

    @Test
    void encoderSpecRoundTripsEveryFieldAndNamesWhatIsMissing() {
        VitConfig c = MICRO.withPooling(VitConfig.Pooling.MEAN).withPosEmbed(VitConfig.PosEmbed.LEARNABLE).withClasses(7).withDropPath(0.1);
        Map<String, Object> m = EncoderSpec.toMap(c);
        assertThat(EncoderSpec.fromMap((Map<?, ?>) Json.parse(Json.write(m)))).isEqualTo(c);
        m.remove("embed_dim");
        assertThatThrownBy(() -> EncoderSpec.fromMap(m)).hasMessageContaining("'embed_dim'");
        Map<String, Object> bad = EncoderSpec.toMap(c);
        bad.put("pooling", "max");
        assertThatThrownBy(() -> EncoderSpec.fromMap(bad)).hasMessageContaining("unknown pooling 'max'");
    }

    @Test
    void weightTransferCopiesThroughAPrefixAndKeepsFreshEntries() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            // a source encoder inside a larger store under "encoder." (as SimMIM registers it)
            io.tessera.nn.ParameterStore store = new io.tessera.nn.ParameterStore();
            VisionTransformer src = new VisionTransformer(store, "encoder", MICRO);
            store.parameter("decoder.weight", io.tessera.tensor.Shape.of(3, 3));
            store.allocate(ctx, DType.F32);
            src.init(new io.tessera.tensor.Rng(4));
            VisionTransformer copy = WeightTransfer.standalone(ctx, src);
            assertThat(copy.store().names()).doesNotContain("decoder.weight").contains("blocks.1.mlp.fc2.bias", "norm.weight");
            for (Parameter p : copy.store().entries()) {
                assertThat(p.tensor().toFloatArray()).as(p.name()).containsExactly(store.tensor("encoder." + p.name()).toFloatArray());
            }
            VitConfig ft = MICRO.withPooling(VitConfig.Pooling.MEAN).withPosEmbed(VitConfig.PosEmbed.LEARNABLE).withClasses(5);
            VisionTransformer down = VisionTransformer.create(ctx, ft, DType.F32);
            List<String> kept = WeightTransfer.copy(src, down, WeightTransfer.FRESH);
            assertThat(kept).containsExactlyInAnyOrder("fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias");
            assertThat(down.store().get("pos_embed").kind()).isEqualTo(Parameter.Kind.PARAMETER);
            assertThat(down.store().tensor("pos_embed").toFloatArray()).containsExactly(store.tensor("encoder.pos_embed").toFloatArray());
            VisionTransformer wider = VisionTransformer.create(ctx, new VitConfig(8, 4, 1, 32, 2, 2, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
                    VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0), DType.F32);
            assertThatThrownBy(() -> WeightTransfer.copy(src, wider, Set.of())).hasMessageContaining("encoder entry encoder.patch_embed.proj.weight is (16, 1, 4, 4)");
        }
    }

    @Test
    void averagePoolingIsAParameterFreeLayerNormOfThePatchMean() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0); Scope s = ctx.openScope()) {
            Ops ops = ctx.ops();
            VisionTransformer vit = VisionTransformer.create(ctx, MICRO, DType.F32);
            Tensor imgs = ops.randn(new io.tessera.tensor.Rng(1), io.tessera.tensor.Shape.of(3, 1, 8, 8), DType.F32);
            float[] avg = Pooling.AVG.features(ops, vit, imgs).toFloatArray();
            float[] tokens = vit.runBlocks(ops, vit.prependCls(ops, vit.embedPatches(ops, imgs))).toFloatArray(); // (3, 5, 16)
            for (int b = 0; b < 3; b++) {
                double[] mean = new double[16];
                for (int t = 1; t < 5; t++) for (int j = 0; j < 16; j++) mean[j] += tokens[(b * 5 + t) * 16 + j] / 4.0;
                double mu = 0, var = 0;
                for (double v : mean) mu += v / 16;
                for (double v : mean) var += (v - mu) * (v - mu) / 16;
                for (int j = 0; j < 16; j++) assertThat((double) avg[b * 16 + j]).isCloseTo((mean[j] - mu) / Math.sqrt(var + 1e-6), within(2e-4));
            }
            assertThat(Pooling.CLS.features(ops, vit, imgs).toFloatArray()).containsExactly(vit.features(ops, imgs).toFloatArray());
            VisionTransformer meanModel = VisionTransformer.create(ctx, MICRO.withPooling(VitConfig.Pooling.MEAN), DType.F32);
            assertThatThrownBy(() -> Pooling.CLS.features(ops, meanModel, imgs)).hasMessageContaining("final norm");
            assertThat(Pooling.parse("global_pool")).isEqualTo(Pooling.AVG);
            assertThatThrownBy(() -> Pooling.parse("max")).hasMessageContaining("choose cls or avg");
        }
    }

    @Test
    void topKCountsRanksWithTiesTowardsTheLowerClass() {
        TopK acc = new TopK();
        float[] logits = {
                0.1f, 0.9f, 0.0f, 0.0f, 0.0f, 0.0f,   // label 1: top-1
                0.5f, 0.5f, 0.0f, 0.0f, 0.0f, 0.0f,   // label 1, tied with class 0: ranked second
                6f, 5f, 4f, 3f, 2f, 1f};              // label 5: rank 6, outside top-5
        acc.add(logits, new int[] {1, 1, 5}, 6);
        assertThat(acc.top1()).isCloseTo(1 / 3.0, within(1e-12));
        assertThat(acc.top5()).isCloseTo(2 / 3.0, within(1e-12));
        assertThatThrownBy(() -> acc.add(new float[] {Float.NaN, 0}, new int[] {0}, 2)).hasMessageContaining("non-finite");
        assertThatThrownBy(() -> acc.add(new float[] {0, 0}, new int[] {2}, 2)).hasMessageContaining("outside [0, 2)");
    }

    @Test
    void evalJsonIsVersionedSortedAndRefusesNonFiniteEpochs() throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("z", 1L);
        settings.put("a", null);
        EvalReport r = new EvalReport("linear-probe", Map.of("checkpoint", "c"), Map.of("spec", "d"), settings, Map.of("seed", 3L),
                List.of(new EpochRecord(1, 0.1, 2.0, 1.9, 0.3, 0.8, 0.5)), Map.of("top1", 0.3), Map.of("device", "cpu"));
        r.write(dir.resolve("eval.json"));
        String text = Files.readString(dir.resolve("eval.json"));
        assertThat(text).startsWith("{\"schema\":\"tessera.eval/1\",\"kind\":\"linear-probe\"").contains("\"settings\":{\"a\":null,\"z\":1}");
        Map<?, ?> back = (Map<?, ?>) Json.parse(text);
        assertThat(((List<?>) back.get("epochs"))).hasSize(1);
        assertThatThrownBy(() -> new EpochRecord(2, 0.1, Double.NaN, 1, 0.5, 0.9, 1)).hasMessageContaining("non-finite");
        List<?> figs = AccuracyCurves.write(r.epochs(), dir, "t");
        assertThat(figs).hasSize(2);
        assertThat(dir.resolve("accuracy.png")).exists();
        assertThat(Files.readString(dir.resolve("loss.svg"))).contains("<svg", "Epoch");
    }
}
