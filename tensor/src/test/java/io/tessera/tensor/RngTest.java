package io.tessera.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rng: reproducible streams, splits that neither advance nor resemble their parent, exact
 * restore from (key, counter), and sanity of the uniform and Gaussian moments.
 */
class RngTest {
    private static final int N = 100_000;

    @Test
    void sameSeedGivesTheSameStream() {
        Rng a = new Rng(42), b = new Rng(42), c = new Rng(43);
        boolean differs = false;
        for (int i = 0; i < 1000; i++) {
            long x = a.nextLong();
            assertThat(b.nextLong()).isEqualTo(x);
            differs |= c.nextLong() != x;
        }
        assertThat(differs).as("another seed gives another stream").isTrue();
    }

    @Test
    void splitsAreIndependentAndDoNotAdvanceTheParent() {
        Rng parent = new Rng(7);
        long counter = parent.counter();
        Rng a = parent.split("mask"), b = parent.split("noise"), a2 = new Rng(7).split("mask"), i0 = parent.split(0), i1 = parent.split(1);
        assertThat(parent.counter()).isEqualTo(counter);
        assertThat(parent.nextLong()).isEqualTo(new Rng(7).nextLong());
        assertThat(a.key()).isNotEqualTo(b.key()).isNotEqualTo(parent.key());
        assertThat(i0.key()).isNotEqualTo(i1.key());
        assertThat(a2.nextLong()).isEqualTo(a.nextLong());
        assertThat(Math.abs(correlation(new Rng(7).split("mask"), new Rng(7).split("noise")))).isLessThan(0.02);
        assertThat(Math.abs(correlation(new Rng(7).split(0), new Rng(7).split(1)))).isLessThan(0.02);
        assertThat(Math.abs(correlation(new Rng(7), new Rng(7).split("mask")))).isLessThan(0.02);
    }

    private static double correlation(Rng x, Rng y) {
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < N; i++) {
            double u = x.nextDouble(), v = y.nextDouble();
            sx += u;
            sy += v;
            sxx += u * u;
            syy += v * v;
            sxy += u * v;
        }
        double cov = sxy / N - sx / N * sy / N;
        return cov / Math.sqrt((sxx / N - sx * sx / N / N) * (syy / N - sy * sy / N / N));
    }

    @Test
    void anAdvancedStreamIsTheStreamAfterThatManyDrawsAndLeavesItAsItIs() {
        Rng a = new Rng(5).split("mask");
        a.nextFloat();
        Rng later = a.advanced(7);
        assertThat(a.counter()).isEqualTo(1);
        Rng walked = Rng.restore(a.key(), a.counter());
        walked.nextInt(3);
        walked.nextGaussian();
        for (int i = 0; i < 4; i++) walked.nextDouble();
        assertThat(later.nextLong()).isEqualTo(walked.nextLong());
        assertThat(a.advanced(0).nextLong()).isEqualTo(a.nextLong());
        assertThatThrownBy(() -> a.advanced(-1)).isInstanceOf(IllegalArgumentException.class).hasMessage("a stream advances by draws ≥ 0, got -1");
    }

    @Test
    void restoreContinuesExactly() {
        Rng a = new Rng(9).split("data");
        for (int i = 0; i < 123; i++) a.nextGaussian();
        Rng b = Rng.restore(a.key(), a.counter());
        for (int i = 0; i < 100; i++) assertThat(b.nextDouble()).isEqualTo(a.nextDouble());
    }

    @Test
    void uniformMoments() {
        Rng r = new Rng(1);
        double s = 0, ss = 0, sf = 0;
        for (int i = 0; i < N; i++) {
            double u = r.nextDouble();
            float f = r.nextFloat();
            assertThat(u).isGreaterThanOrEqualTo(0).isLessThan(1);
            assertThat(f).isGreaterThanOrEqualTo(0f).isLessThan(1f);
            s += u;
            ss += u * u;
            sf += f;
        }
        double mean = s / N, var = ss / N - mean * mean;
        assertThat(mean).isBetween(0.495, 0.505);
        assertThat(var).isBetween(1 / 12.0 - 0.002, 1 / 12.0 + 0.002);
        assertThat(sf / N).isBetween(0.495, 0.505);
        int[] counts = new int[5];
        for (int i = 0; i < N; i++) counts[r.nextInt(5)]++;
        for (int c : counts) assertThat(c).isBetween(N / 5 - 800, N / 5 + 800);
        assertThatThrownBy(() -> r.nextInt(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    }

    @Test
    void gaussianMoments() {
        Rng r = new Rng(2);
        double s = 0, ss = 0, s4 = 0;
        for (int i = 0; i < N; i++) {
            double g = r.nextGaussian();
            assertThat(Double.isFinite(g)).isTrue();
            s += g;
            ss += g * g;
            s4 += g * g * g * g;
        }
        double mean = s / N, var = ss / N - mean * mean;
        assertThat(mean).isBetween(-0.02, 0.02);
        assertThat(var).isBetween(0.97, 1.03);
        assertThat(s4 / N).as("fourth moment").isBetween(2.85, 3.15);
    }
}
