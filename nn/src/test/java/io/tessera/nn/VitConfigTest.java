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
