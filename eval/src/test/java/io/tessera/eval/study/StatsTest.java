package io.tessera.eval.study;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class StatsTest {
    @Test
    void tQuantilesMatchTheTables() {
        // two-sided 95 % critical values of Student's t (any statistics table)
        assertThat(Stats.tQuantile(0.975, 1)).isCloseTo(12.7062047, within(1e-6));
        assertThat(Stats.tQuantile(0.975, 2)).isCloseTo(4.30265273, within(1e-7));
        assertThat(Stats.tQuantile(0.975, 4)).isCloseTo(2.77644511, within(1e-7));
        assertThat(Stats.tQuantile(0.975, 10)).isCloseTo(2.22813885, within(1e-7));
        assertThat(Stats.tQuantile(0.975, 30)).isCloseTo(2.04227246, within(1e-7));
        assertThat(Stats.tQuantile(0.975, 1_000_000)).isCloseTo(1.959966, within(1e-5));
        assertThat(Stats.tQuantile(0.995, 5)).isCloseTo(4.03214298, within(1e-7));
    }

    @Test
    void cauchyCdfIsClosedForm() {
        // t with one degree of freedom is the Cauchy distribution: F(t) = 1/2 + atan(t)/π
        for (double t : new double[]{-3, -0.5, 0, 0.7, 2, 40}) {
            assertThat(Stats.tCdf(t, 1)).isCloseTo(0.5 + Math.atan(t) / Math.PI, within(1e-13));
        }
        // two degrees of freedom: F(t) = 1/2 + t / (2·sqrt(2 + t²))
        for (double t : new double[]{-2, 0.3, 5}) {
            assertThat(Stats.tCdf(t, 2)).isCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), within(1e-13));
        }
    }

    @Test
    void lnGammaOfIntegersAndHalves() {
        assertThat(Stats.lnGamma(1)).isCloseTo(0, within(1e-13));
        assertThat(Stats.lnGamma(5)).isCloseTo(Math.log(24), within(1e-12));
        assertThat(Stats.lnGamma(0.5)).isCloseTo(0.5 * Math.log(Math.PI), within(1e-13));
    }

    @Test
    void summaryOfThreeSeeds() {
        Stats.Summary s = Stats.of(1, 2, 3);
        assertThat(s.mean()).isEqualTo(2);
        assertThat(s.sd()).isCloseTo(1, within(1e-15));
        assertThat(s.halfWidth()).isCloseTo(4.30265273 / Math.sqrt(3), within(1e-7));
        assertThat(s.format(2)).isEqualTo("2.00 ± 2.48");
        assertThat(Stats.of(0.5).hasInterval()).isFalse();
        assertThat(Stats.of(0.5).format(1)).isEqualTo("0.5");
        assertThatThrownBy(() -> Stats.of(1, Double.NaN)).hasMessageContaining("non-finite");
        assertThatThrownBy(() -> Stats.differences(new double[2], new double[3])).hasMessageContaining("same seeds");
    }

    @Test
    void verdictFollowsTheInterval() {
        assertThat(Verdict.ofDifference(Stats.of(0.05, 0.06, 0.07))).isEqualTo(Verdict.REPRODUCED);
        assertThat(Verdict.ofDifference(Stats.of(-0.05, -0.06, -0.07))).isEqualTo(Verdict.NOT_REPRODUCED);
        assertThat(Verdict.ofDifference(Stats.of(-0.05, 0.06, 0.01))).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(Verdict.ofDifference(Stats.of(0.3))).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(Verdict.combine(List.of(Verdict.REPRODUCED, Verdict.REPRODUCED))).isEqualTo(Verdict.REPRODUCED);
        assertThat(Verdict.combine(List.of(Verdict.REPRODUCED, Verdict.INCONCLUSIVE))).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(Verdict.combine(List.of(Verdict.INCONCLUSIVE, Verdict.NOT_REPRODUCED))).isEqualTo(Verdict.NOT_REPRODUCED);
    }
}
