package io.tessera.nn;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parameter counts of the presets against spec §7 (timm / MAE), counted from the registration
 * table without allocating any memory.
 */
class ParameterCountTest {

    private static ParameterStore register(VitConfig cfg) {
        ParameterStore store = new ParameterStore();
        new VisionTransformer(store, "", cfg);
        return store;
    }

    @Test
    void vitBase16WithImageNetHeadMatchesTimm() {
        ParameterStore s = register(VitConfig.base().withClasses(1000).withPosEmbed(VitConfig.PosEmbed.LEARNABLE));
        assertThat(s.parameterCount()).isEqualTo(86_567_656L);
        assertThat(s.trainableCount()).isEqualTo(86_567_656L);
        assertThat(s.bufferCount()).isZero();
        assertThat(s.isAllocated()).isFalse();
    }

    @Test
    void trainableEncoderCountsAndFixedPosTables() {
        long[][] expected = {
                {5_486_592L, 37_824L, 5_717_416L},
                {21_590_016L, 75_648L, 22_050_664L},
                {85_647_360L, 151_296L, 86_567_656L},
                {303_099_904L, 201_728L, 304_326_632L}};
        VitConfig[] presets = {VitConfig.tiny(), VitConfig.small(), VitConfig.base(), VitConfig.large()};
        for (int i = 0; i < presets.length; i++) {
            ParameterStore enc = register(presets[i]);
            assertThat(enc.trainableCount()).as("trainable encoder of %s", presets[i]).isEqualTo(expected[i][0]);
            assertThat(enc.bufferCount()).as("fixed pos table of %s", presets[i]).isEqualTo(expected[i][1]);
            ParameterStore timm = register(presets[i].withClasses(1000).withPosEmbed(VitConfig.PosEmbed.LEARNABLE));
            assertThat(timm.parameterCount()).as("timm-style count of %s", presets[i]).isEqualTo(expected[i][2]);
        }
    }

    @Test
    void meanPoolingSwapsNormForFcNormWithSameCount() {
        ParameterStore cls = register(VitConfig.base().withClasses(1000));
        ParameterStore mean = register(VitConfig.base().withClasses(1000).withPooling(VitConfig.Pooling.MEAN));
        assertThat(mean.parameterCount()).isEqualTo(cls.parameterCount());
        assertThat(mean.contains("fc_norm.weight")).isTrue();
        assertThat(mean.contains("norm.weight")).isFalse();
        assertThat(cls.contains("norm.weight")).isTrue();
    }

    @Test
    void hugeRegistersWithoutAllocating() {
        VitConfig h = VitConfig.huge();
        ParameterStore s = register(h);
        // 32 blocks of 12·D² + 13·D, patch embed D·3·14² + D, cls D, final norm 2D
        long d = 1280;
        long expected = 32 * (12 * d * d + 13 * d) + d * 3 * 14 * 14 + d + d + 2 * d;
        assertThat(s.trainableCount()).isEqualTo(expected);
        assertThat(s.bufferCount()).isEqualTo(257 * d);
    }
}
