package io.tessera.eval.plot;

import org.jfree.chart.renderer.PaintScale;
import org.junit.jupiter.api.Test;

import java.awt.Color;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ColorMapTest {
    @Test
    void endsAndMiddleAreMatplotlibs() {
        assertThat(ColorMap.VIRIDIS.at(0)).isEqualTo(new Color(0x440154));
        assertThat(ColorMap.VIRIDIS.at(0.5)).isEqualTo(new Color(0x21918c));
        assertThat(ColorMap.VIRIDIS.at(1)).isEqualTo(new Color(0xfde725));
        assertThat(ColorMap.COOLWARM.at(0)).isEqualTo(new Color(0x3b4cc0));
        assertThat(ColorMap.COOLWARM.at(1)).isEqualTo(new Color(0xb40426));
        assertThat(ColorMap.VIRIDIS.at(-3)).isEqualTo(ColorMap.VIRIDIS.at(0)); // clamped
        assertThat(ColorMap.VIRIDIS.at(7)).isEqualTo(ColorMap.VIRIDIS.at(1));
    }

    @Test
    void viridisGetsLighterAllTheWay() {
        double last = -1;
        for (int i = 0; i <= 100; i++) {
            Color c = ColorMap.VIRIDIS.at(i / 100.0);
            double luma = 0.2126 * c.getRed() + 0.7152 * c.getGreen() + 0.0722 * c.getBlue();
            assertThat(luma).isGreaterThan(last);
            last = luma;
        }
    }

    @Test
    void continuousScaleClampsAndLeavesNanTransparent() {
        PaintScale s = ColorMap.VIRIDIS.scale(0, 0.5);
        assertThat(s.getPaint(0.9)).isEqualTo(ColorMap.VIRIDIS.at(1));
        assertThat(s.getPaint(0.25)).isEqualTo(ColorMap.VIRIDIS.at(0.5));
        assertThat(((Color) s.getPaint(Double.NaN)).getAlpha()).isZero();
        assertThat(ColorMap.VIRIDIS.scale(0, 0.5)).isEqualTo(s);
        assertThatThrownBy(() -> ColorMap.VIRIDIS.scale(1, 1)).hasMessageContaining("lo < hi");
    }

    @Test
    void bandedScaleHasOneColourPerBandAndClampsOutside() {
        PaintScale s = ColorMap.VIRIDIS.banded(new double[]{0, 0.1, 0.6, 1.1});
        assertThat(s.getPaint(0.05)).isEqualTo(ColorMap.VIRIDIS.at(0));
        assertThat(s.getPaint(0.1)).isEqualTo(ColorMap.VIRIDIS.at(0.5));
        assertThat(s.getPaint(0.59)).isEqualTo(ColorMap.VIRIDIS.at(0.5));
        assertThat(s.getPaint(0.7)).isEqualTo(ColorMap.VIRIDIS.at(1));
        assertThat(s.getPaint(50)).isEqualTo(ColorMap.VIRIDIS.at(1));
        assertThat(s.getPaint(-50)).isEqualTo(ColorMap.VIRIDIS.at(0));
        assertThatThrownBy(() -> ColorMap.VIRIDIS.banded(new double[]{0, 0})).hasMessageContaining("increase strictly");
    }

    @Test
    void ticksAreNiceAndPrintShort() {
        assertThat(Ticks.nice(0, 3, 6)).containsExactly(0, 0.5, 1, 1.5, 2, 2.5, 3);
        assertThat(Ticks.nice(-1, 1, 4)).containsExactly(-1, -0.5, 0, 0.5, 1);
        assertThat(Ticks.nice(0.013, 0.5, 5)).containsExactly(0.1, 0.2, 0.3, 0.4, 0.5);
        assertThat(Ticks.multiple(3, 0.1)).isEqualTo(0.3);
        assertThat(Ticks.multiple(7, 0.05)).isEqualTo(0.35);
        assertThat(Ticks.niceStep(0.3)).isEqualTo(0.5);
        assertThat(Ticks.niceStep(7)).isEqualTo(10);
        assertThat(Ticks.format(0.1 + 0.2)).isEqualTo("0.3");
        assertThat(Ticks.format(2.6000000000000001)).isEqualTo("2.6");
        assertThat(Ticks.format(3)).isEqualTo("3");
        assertThat(Ticks.format(-0.5)).isEqualTo("-0.5");
        assertThat(Ticks.format(1e-5)).isEqualTo("1e-05");
        assertThat(Ticks.format(250000)).isEqualTo("2.5e+05");
    }
}
