package io.tessera.nn;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Preset geometry (spec §1.1) and validation messages of {@link VitConfig}. */
class VitConfigTest {

    @Test
    void presetsMatchTheSpecTable() {
        int[][] rows = { // patch, width, depth, heads, head dim, mlp hidden
                {16, 192, 12, 3, 64, 768}, {16, 384, 12, 6, 64, 1536}, {16, 768, 12, 12, 64, 3072},
                {16, 1024, 24, 16, 64, 4096}, {14, 1280, 32, 16, 80, 5120}};
        VitConfig[] presets = {VitConfig.tiny(), VitConfig.small(), VitConfig.base(), VitConfig.large(), VitConfig.huge()};
        for (int i = 0; i < rows.length; i++) {
            VitConfig c = presets[i];
            assertThat(new int[]{c.patchSize(), c.width(), c.depth(), c.heads(), c.headDim(), c.mlpHidden()}).isEqualTo(rows[i]);
            assertThat(c.imageSize()).isEqualTo(224);
            assertThat(c.layerNormEps()).isEqualTo(1e-6);
            assertThat(c.qkvBias()).isTrue();
        }
        assertThat(VitConfig.base().numPatches()).isEqualTo(196);
        assertThat(VitConfig.base().numTokens()).isEqualTo(197);
        assertThat(VitConfig.tiny32().numPatches()).isEqualTo(64);
        assertThat(VitConfig.tiny28().numPatches()).isEqualTo(16);
        assertThat(VitConfig.tiny28().inChannels()).isEqualTo(1);
    }

    @Test
    void invalidConfigsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> VitConfig.base().withImage(225, 16, 3)).hasMessageContaining("225").hasMessageContaining("16");
        assertThatThrownBy(() -> new VitConfig(32, 4, 3, 190, 2, 3, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
                VitConfig.PosEmbed.FIXED_SINCOS, 0, 0)).hasMessageContaining("heads");
        assertThatThrownBy(() -> new VitConfig(32, 4, 3, 18, 2, 3, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
                VitConfig.PosEmbed.FIXED_SINCOS, 0, 0)).hasMessageContaining("divisible by 4");
        assertThatThrownBy(() -> VitConfig.tiny().withDropPath(1.0)).hasMessageContaining("drop path");
        assertThatThrownBy(() -> VitConfig.tiny().withClasses(-1)).hasMessageContaining("numClasses");
    }

    @Test
    void parameterCountIsExactForEveryPresetAndVariant() {
        assertThat(VitConfig.base().parameterCount()).isEqualTo(85_647_360L + 151_296L); // spec §7: trainable + fixed table
        VitConfig[] configs = {VitConfig.tiny(), VitConfig.small(), VitConfig.base(), VitConfig.large(), VitConfig.huge(), VitConfig.tiny32(),
                VitConfig.tiny28(), VitConfig.base().withClasses(1000).withPosEmbed(VitConfig.PosEmbed.LEARNABLE),
                VitConfig.small().withPooling(VitConfig.Pooling.MEAN).withClasses(10), new VitConfig(30, 5, 2, 24, 3, 2, 2.5, false, 1e-6,
                VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 7, 0.1)};
        for (VitConfig c : configs) {
            ParameterStore s = new ParameterStore();
            new VisionTransformer(s, "", c);
            assertThat(c.parameterCount()).as("%s", c).isEqualTo(s.parameterCount() + s.bufferCount());
        }
    }

    @Test
    void sizesAreBoundedBeforeAnythingIsAllocated() {
        assertThatThrownBy(() -> VitConfig.tiny().withDepth(100_000)).hasMessageContaining("depth 100000").hasMessageContaining("at most").hasMessageContaining("1024 blocks");
        assertThatThrownBy(() -> new VitConfig(224, 16, 3, 32_768, 1, 16, 4.0, true, 1e-6, VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 0, 0))
                .hasMessageContaining("width 32768 is larger than the 16384 supported");
        assertThatThrownBy(() -> VitConfig.tiny().withImage(8192, 1, 3)).hasMessageContaining("patches, more than the 65536 supported");
        assertThatThrownBy(() -> VitConfig.tiny().withImage(0, 16, 3)).hasMessageContaining("image size 0");
        assertThatThrownBy(() -> VitConfig.tiny().withImage(224, 0, 3)).hasMessageContaining("patch size 0"); // no division by zero
        assertThatThrownBy(() -> new VitConfig(224, 16, 3, 4096, 1000, 16, 4.0, true, 1e-6, VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 0, 0))
                .hasMessageContaining("parameters, more than the 2,147,483,639 one parameter store holds");
    }

    @Test
    void batchNormBuffersMatchTorchCount() {
        ParameterStore s = new ParameterStore();
        new BatchNorm1d(s, "head.bn", 4096);
        assertThat(s.bufferCount()).isEqualTo(8193); // spec §7: each BN adds 8,193 buffers
        assertThat(s.parameterCount()).isEqualTo(8192);
        ParameterStore noAffine = new ParameterStore();
        new BatchNorm1d(noAffine, "bn", 768, false, 1e-6, 0.1);
        assertThat(noAffine.parameterCount()).isZero();
    }
}
