package io.tessera.nn.optim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The schedule numbers of the MAE / RC-MAE / LUT recipes. */
class SchedulesTest {
    @Test
    void maePretrainLearningRate() {
        double peak = LrRule.LINEAR.lr(1.5e-4, 4096);
        assertThat(peak).isCloseTo(2.4e-3, within(1e-15));
        LrSchedule s = new LrSchedule(peak, 0, 40, 800);
        assertThat(s.at(0, 0, 312)).isZero();                       // warm-up starts at exactly 0
        assertThat(s.at(20)).isCloseTo(1.2e-3, within(1e-15));      // half-way through warm-up
        assertThat(s.at(40)).isCloseTo(peak, within(1e-15));
        assertThat(s.at(420)).isCloseTo(peak / 2, within(1e-12));   // cosine mid-point
        assertThat(s.at(800)).isCloseTo(0, within(1e-18));
        assertThat(s.at(39, 156, 312)).isCloseTo(peak * 39.5 / 40, within(1e-15));
    }

    @Test
    void finetuneFloorAndLutRules() {
        LrSchedule s = new LrSchedule(4e-3, 1e-6, 5, 100);
        assertThat(s.at(100)).isCloseTo(1e-6, within(1e-18));
        assertThat(LrRule.SQRT_FINETUNE.lr(1e-3, 1024)).isCloseTo(4e-3, within(1e-15)); // equals the linear rule at 1024
        assertThat(LrRule.LINEAR.lr(1e-3, 1024)).isCloseTo(4e-3, within(1e-15));
        assertThat(LrRule.SQRT_PRETRAIN.lr(1.5e-4, 4096)).isCloseTo(1.5e-4 * 64 / 4, within(1e-15));
        assertThat(LrRule.LINEAR.lr(0.1, 16384)).isCloseTo(6.4, within(1e-12)); // LARS linear probe
    }

    @Test
    void teacherMomentum() {
        MomentumSchedule c = MomentumSchedule.cosine(0.996, 1000);
        assertThat(c.at(0)).isCloseTo(0.996, within(1e-15));
        assertThat(c.at(500)).isCloseTo(0.998, within(1e-15));
        assertThat(c.at(1000)).isCloseTo(1.0, within(1e-15));
        assertThat(MomentumSchedule.constant(0.996).at(123456)).isEqualTo(0.996);
    }

    @Test
    void layerDecayOfVitB() {
        LayerDecay d = new LayerDecay(0.65, 12);
        assertThat(d.scale("patch_embed.proj.weight")).isCloseTo(0.003697, within(1e-6));
        assertThat(d.scale("cls_token")).isCloseTo(Math.pow(0.65, 13), within(1e-15));
        assertThat(d.scale("blocks.0.attn.qkv.weight")).isCloseTo(0.005688, within(1e-6));
        assertThat(d.scale("blocks.11.mlp.fc2.bias")).isCloseTo(0.65, within(1e-15));
        assertThat(d.scale("head.weight")).isEqualTo(1.0);
        assertThat(d.scale("fc_norm.bias")).isEqualTo(1.0);
    }

    @Test
    void badConfigurationsAreRejected() {
        assertThatThrownBy(() -> new LrSchedule(1e-3, 1e-2, 1, 10)).hasMessageContaining("min");
        assertThatThrownBy(() -> new LrSchedule(1e-3, 0, 20, 10)).hasMessageContaining("warm-up");
        assertThatThrownBy(() -> LrRule.LINEAR.lr(1e-3, 0)).hasMessageContaining("batch");
        assertThatThrownBy(() -> new LayerDecay(1.5, 12)).hasMessageContaining("layer decay");
        assertThatThrownBy(() -> MomentumSchedule.constant(1.2)).hasMessageContaining("momentum");
    }
}
