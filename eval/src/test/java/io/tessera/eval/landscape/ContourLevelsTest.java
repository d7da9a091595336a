package io.tessera.eval.landscape;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ContourLevelsTest {
    @Test
    void defaultsAreNumpyArangeOfPlot2d() {
        double[] v = ContourLevels.DEFAULT.values(); // numpy.arange(0.1, 10, 0.5): 0.1, 0.6, …, 9.6
        assertThat(v).hasSize(20);
        assertThat(v[0]).isEqualTo(0.1);
        assertThat(v[19]).isCloseTo(9.6, within(1e-12));
        assertThat(new ContourLevels(0, 1, 0.25).values()).containsExactly(0, 0.25, 0.5, 0.75); // the stop is excluded
        assertThat(ContourLevels.parse("0.1:10:0.5")).isEqualTo(ContourLevels.DEFAULT);
    }

    @Test
    void onlyLevelsInsideTheDataAreDrawn() {
        ContourLevels.Chosen c = ContourLevels.DEFAULT.choose(0, 3);
        assertThat(c.automatic()).isFalse();
        assertThat(c.levels()).hasSize(6);
        assertThat(c.levels()[0]).isEqualTo(0.1);
        assertThat(c.levels()[5]).isCloseTo(2.6, within(1e-12));
        assertThat(c.description()).isEqualTo("levels 0.1:10:0.5");
    }

    @Test
    void dataOutsideTheFixedLevelsGetsNiceLevelsAndSaysSo() {
        ContourLevels.Chosen c = ContourLevels.DEFAULT.choose(0.001, 0.05);
        assertThat(c.automatic()).isTrue();
        assertThat(c.levels()).hasSize(9); // every 0.005: 0.005 … 0.045
        assertThat(c.levels()[0]).isCloseTo(0.005, within(1e-15));
        assertThat(c.levels()[8]).isCloseTo(0.045, within(1e-15));
        assertThat(c.description()).contains("every 0.005", "outside 0.1:10");
        ContourLevels.Chosen high = ContourLevels.DEFAULT.choose(20, 400);
        assertThat(high.automatic()).isTrue();
        assertThat(high.levels()).containsExactly(50, 100, 150, 200, 250, 300, 350);
        assertThat(ContourLevels.DEFAULT.choose(1, 1).levels()).isEmpty();
    }

    @Test
    void extraLevelsAreAddedWhenInside() {
        double[] v = ContourLevels.DEFAULT.choose(0.05, 250, LandscapeFigures.LOG_LEVELS).levels();
        assertThat(v).contains(10.0, 100.0).doesNotContain(1000.0);
        assertThat(v).isSorted();
    }

    @Test
    void badLevelsAreRefused() {
        assertThatThrownBy(() -> new ContourLevels(1, 1, 0.5)).hasMessageContaining("vmin < vmax");
        assertThatThrownBy(() -> new ContourLevels(0, 1, 0)).hasMessageContaining("step must be > 0");
        assertThatThrownBy(() -> new ContourLevels(0, 1, 1e-9)).hasMessageContaining("more than 10000");
        assertThatThrownBy(() -> ContourLevels.parse("0.1:10")).hasMessageContaining("vmin:vmax:vlevel");
    }
}
