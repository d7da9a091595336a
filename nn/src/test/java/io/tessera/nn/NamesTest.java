package io.tessera.nn;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Parameter names follow timm / MAE, are unique and come in a stable registration order. */
class NamesTest {

    @Test
    void oneBlockModelHasTheTimmNamesInOrder() {
        ParameterStore s = new ParameterStore();
        new VisionTransformer(s, "", VitConfig.tiny32().withDepth(1).withClasses(10));
        assertThat(s.names()).containsExactly(
                "patch_embed.proj.weight", "patch_embed.proj.bias", "cls_token", "pos_embed",
                "blocks.0.norm1.weight", "blocks.0.norm1.bias",
                "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
                "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias",
                "blocks.0.norm2.weight", "blocks.0.norm2.bias",
                "blocks.0.mlp.fc1.weight", "blocks.0.mlp.fc1.bias",
                "blocks.0.mlp.fc2.weight", "blocks.0.mlp.fc2.bias",
                "norm.weight", "norm.bias", "head.weight", "head.bias");
        assertThat(s.get("pos_embed").kind()).isEqualTo(Parameter.Kind.BUFFER);
        assertThat(s.get("blocks.0.attn.qkv.weight").shape().dims()).containsExactly(576, 192);
        assertThat(s.get("patch_embed.proj.weight").shape().dims()).containsExactly(192, 3, 4, 4);
        assertThat(s.get("head.weight").shape().dims()).containsExactly(10, 192);
    }

    @Test
    void namesAreUniqueAndStableAcrossBuilds() {
        VitConfig cfg = VitConfig.small().withClasses(100).withPosEmbed(VitConfig.PosEmbed.LEARNABLE);
        ParameterStore a = new ParameterStore(), b = new ParameterStore();
        new VisionTransformer(a, "", cfg);
        new VisionTransformer(b, "", cfg);
        List<String> names = a.names();
        assertThat(new HashSet<>(names)).hasSize(names.size());
        assertThat(b.names()).isEqualTo(names);
        assertThat(names).hasSize(4 + 12 * 12 + 2 + 2);
        for (int i = 0; i < names.size(); i++) {
            assertThat(b.entries().get(i).offset()).isEqualTo(a.entries().get(i).offset());
        }
    }

    @Test
    void prefixNestsNamesForEncoderInsideALargerModel() {
        ParameterStore s = new ParameterStore();
        new VisionTransformer(s, "encoder", VitConfig.tiny28().withDepth(2));
        assertThat(s.names()).contains("encoder.blocks.1.mlp.fc2.bias", "encoder.cls_token", "encoder.pos_embed");
        assertThat(s.names()).allMatch(n -> n.startsWith("encoder."));
    }

    @Test
    void decayHintExcludesBiasesAndOneDimensionalTensors() {
        ParameterStore s = new ParameterStore();
        new VisionTransformer(s, "", VitConfig.tiny32().withDepth(1));
        assertThat(s.get("blocks.0.attn.qkv.weight").decay()).isTrue();
        assertThat(s.get("blocks.0.attn.qkv.bias").decay()).isFalse();
        assertThat(s.get("blocks.0.norm1.weight").decay()).isFalse();
        assertThat(s.get("cls_token").decay()).isTrue(); // MAE pre-training decays cls (spec §8.8)
        assertThat(s.get("patch_embed.proj.weight").decay()).isTrue();
    }
}
