package io.tessera.ssl.mask;

import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Invariants of MAE masking: exactly K kept per sample, restore inverts shuffle, mask agrees. */
class RandomMaskingTest {
    @Test
    void keepsExactlyKPerSampleAndRestoreInvertsShuffle() {
        try (ExecutionContext ctx = ExecutionContext.reference(7)) {
            for (int seed = 0; seed < 20; seed++) {
                MaskPlan p = RandomMasking.sample(ctx.ops(), new Rng(seed), 4, 196, 0.75);
                assertThat(p.kept()).isEqualTo(49);
                int[] sh = p.idsShuffle().toIntArray(), re = p.idsRestore().toIntArray(), keep = p.idsKeep().toIntArray();
                float[] mask = p.mask().toFloatArray();
                for (int b = 0; b < 4; b++) {
                    int masked = 0;
                    for (int i = 0; i < 196; i++) {
                        assertThat(re[b * 196 + sh[b * 196 + i]]).isEqualTo(i);
                        masked += (int) mask[b * 196 + i];
                    }
                    assertThat(masked).isEqualTo(147);
                    for (int k = 0; k < 49; k++) assertThat(mask[b * 196 + keep[b * 49 + k]]).isZero();
                }
            }
        }
    }

    @Test
    void sameStreamGivesSameMask() {
        try (ExecutionContext ctx = ExecutionContext.reference(7)) {
            MaskPlan a = RandomMasking.sample(ctx.ops(), new Rng(3).split("mask"), 2, 64, 0.6);
            MaskPlan b = RandomMasking.sample(ctx.ops(), new Rng(3).split("mask"), 2, 64, 0.6);
            assertThat(a.idsShuffle().toIntArray()).containsExactly(b.idsShuffle().toIntArray());
            assertThat(a.kept()).isEqualTo(25); // floor(64 · 0.4)
        }
    }

    @Test
    void badInputsAreClearErrors() {
        try (ExecutionContext ctx = ExecutionContext.reference(7)) {
            assertThatThrownBy(() -> RandomMasking.keptCount(16, 1.0)).hasMessageContaining("mask ratio");
            assertThatThrownBy(() -> RandomMasking.keptCount(4, 0.9)).hasMessageContaining("keeps no token");
            assertThatThrownBy(() -> RandomMasking.fromNoise(ctx.ops(), new float[5], 2, 3, 0.5)).hasMessageContaining("needs 6");
            assertThatThrownBy(() -> RandomMasking.fromNoise(ctx.ops(), new float[]{0, Float.NaN}, 1, 2, 0.5)).hasMessageContaining("NaN");
        }
    }
}
