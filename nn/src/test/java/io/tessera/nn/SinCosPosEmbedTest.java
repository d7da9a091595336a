package io.tessera.nn;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Check values of spec §1.4 (MAE util/pos_embed.py): column index in the first half, cls row zeros. */
class SinCosPosEmbedTest {
    private static double at(double[] t, int e, int row, int col) {
        return t[row * e + col];
    }

    @Test
    void width768Grid14MatchesSpecValues() {
        int e = 768;
        double[] t = SinCosPosEmbed.table(e, 14, 14, true);
        assertThat(t).hasSize(197 * e);
        for (int c = 0; c < e; c++) {
            assertThat(at(t, e, 0, c)).as("cls row col %d", c).isZero();
            assertThat(at(t, e, 1, c)).as("row 1 col %d", c).isEqualTo((c / 192) % 2 == 0 ? 0.0 : 1.0);
        }
        assertThat(at(t, e, 2, 0)).isCloseTo(0.841471, within(1e-6));
        assertThat(at(t, e, 2, 1)).isCloseTo(0.815251, within(1e-6));
        assertThat(at(t, e, 2, 191)).isCloseTo(1.05e-4, within(1e-6));
        assertThat(at(t, e, 2, 192)).isCloseTo(0.540302, within(1e-6));
        assertThat(at(t, e, 2, 193)).isCloseTo(0.579108, within(1e-6));
        for (int c = 384; c < 576; c++) assertThat(at(t, e, 2, c)).isZero();
        for (int c = 576; c < 768; c++) assertThat(at(t, e, 2, c)).isEqualTo(1.0);
        assertThat(at(t, e, 15, 384)).isCloseTo(0.841471, within(1e-6));
        assertThat(at(t, e, 15, 576)).isCloseTo(0.540302, within(1e-6));
        assertThat(at(t, e, 15, 0)).isZero(); // column 0
        assertThat(at(t, e, 15, 192)).isEqualTo(1.0);
    }

    @Test
    void width512DecoderValue() {
        double[] t = SinCosPosEmbed.table(512, 14, 14, true);
        assertThat(at(t, 512, 2, 1)).isCloseTo(0.801962, within(1e-6));
    }

    @Test
    void withoutClsRowPatchTokenKIsRowK() {
        double[] withCls = SinCosPosEmbed.table(64, 4, 4, true);
        double[] noCls = SinCosPosEmbed.table(64, 4, 4, false);
        assertThat(noCls).hasSize(16 * 64);
        for (int i = 0; i < noCls.length; i++) assertThat(noCls[i]).isEqualTo(withCls[64 + i]);
    }

    @Test
    void rejectsWidthNotDivisibleByFour() {
        assertThatThrownBy(() -> SinCosPosEmbed.table(30, 2, 2, true)).hasMessageContaining("divisible by 4");
    }
}
