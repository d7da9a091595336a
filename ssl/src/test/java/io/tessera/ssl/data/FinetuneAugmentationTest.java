package io.tessera.ssl.data;

import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The random parts of the fine-tuning augmentations with the project's own Rng: the Beta sampler's
 * moments, Mixup's switch probability and λ distribution, random erasing's rate and box areas,
 * RandAugment's per-operation probability, config parsing and the 8-bit round trip. The exact
 * definitions are checked against Pillow and timm in the golden tests.
 */
class FinetuneAugmentationTest {
    @Test
    void betaSamplerHasTheRightMoments() {
        Draws d = Draws.of(new Rng(3));
        for (double[] ab : new double[][] {{0.8, 0.8}, {1.0, 1.0}, {2.0, 5.0}, {0.3, 1.7}}) {
            double a = ab[0], b = ab[1], m = 0, m2 = 0;
            int n = 40_000;
            for (int i = 0; i < n; i++) {
                double v = d.nextBeta(a, b);
                assertThat(v).isBetween(0.0, 1.0);
                m += v;
                m2 += v * v;
            }
            m /= n;
            double var = m2 / n - m * m, wantMean = a / (a + b), wantVar = a * b / ((a + b) * (a + b) * (a + b + 1));
            assertThat(m).as("Beta(%s, %s) mean", a, b).isCloseTo(wantMean, within(4 * Math.sqrt(wantVar / n) + 1e-3));
            assertThat(var).as("Beta(%s, %s) variance", a, b).isCloseTo(wantVar, within(0.05 * wantVar + 1e-3));
        }
        assertThatThrownBy(() -> d.nextBeta(0, 1)).hasMessageContaining("a, b > 0");
    }

    @Test
    void mixupSwitchesHalfTheTimeAndCorrectsLambdaToTheBoxArea() {
        Mixup mix = new Mixup(Mixup.Settings.mae(10));
        Draws d = Draws.of(new Rng(7));
        int n = 20_000, cut = 0;
        double mixLam = 0;
        for (int i = 0; i < n; i++) {
            Mixup.Params p = mix.draw(28, 28, d);
            if (p.cutmix()) {
                cut++;
                double area = (double) (p.yh() - p.yl()) * (p.xh() - p.xl());
                assertThat(p.lambda()).isEqualTo(1 - area / (28 * 28));
                assertThat(p.yl()).isBetween(0, 28);
                assertThat(p.yh()).isBetween(p.yl(), 28);
            } else {
                mixLam += p.lambda();
            }
        }
        assertThat(cut / (double) n).isCloseTo(0.5, within(0.015));
        assertThat(mixLam / (n - cut)).as("mean of Beta(0.8, 0.8)").isCloseTo(0.5, within(0.01));
        // p = 0: never mixed, targets are the smoothed one-hot labels
        Mixup off = new Mixup(new Mixup.Settings(0.8, 1.0, 0.0, 0.5, 0.1, 4));
        Mixup.Mixed m = off.apply(new float[2 * 3], new int[] {1, 3}, 1, 1, 3, d);
        assertThat(m.params().identity()).isTrue();
        assertThat(m.targets()).containsExactly(0.025f, 0.925f, 0.025f, 0.025f, 0.025f, 0.025f, 0.025f, 0.925f);
        assertThatThrownBy(() -> mix.apply(new float[3], new int[] {0, 1, 2}, 1, 1, 1, d)).hasMessageContaining("even batch");
    }

    @Test
    void mixedTargetsSumToOneAndFollowLambda() {
        float[] t = Mixup.targets(new int[] {0, 2, 1, 2}, 3, 0.7, 0.1);
        for (int i = 0; i < 4; i++) {
            double s = 0;
            for (int v = 0; v < 3; v++) s += t[i * 3 + v];
            assertThat(s).isCloseTo(1.0, within(1e-6));
        }
        // sample 0 (label 0) mixes with sample 3 (label 2): 0.7·(0.9333, 0.0333, 0.0333) + 0.3·(0.0333, 0.0333, 0.9333)
        assertThat((double) t[0]).isCloseTo(0.7 * (0.9 + 0.1 / 3) + 0.3 * 0.1 / 3, within(1e-6));
        assertThat((double) t[2]).isCloseTo(0.7 * 0.1 / 3 + 0.3 * (0.9 + 0.1 / 3), within(1e-6));
    }

    @Test
    void randomErasingHitsAQuarterOfTheImagesWithBoxesOfTheRightArea() {
        RandomErasing re = RandomErasing.mae();
        float[] ones = new float[2 * 24 * 24];
        Arrays.fill(ones, 1f);
        Image img = new Image(2, 24, 24, ones);
        Rng rng = new Rng(11);
        int n = 8000, erased = 0;
        for (int i = 0; i < n; i++) {
            Image out = re.apply(img, rng.split(i));
            int changed = 0;
            for (float v : out.data()) if (v != 1f) changed++;
            if (out != img) {
                erased++;
                double frac = changed / (2.0 * 24 * 24);
                assertThat(frac).as("erased fraction").isBetween(0.0, 1.0 / 3 + 0.05);
            }
        }
        assertThat(erased / (double) n).isCloseTo(0.25, within(0.015));
    }

    @Test
    void randAugmentAppliesEachChosenOperationHalfTheTime() {
        RandAugment ra = new RandAugment(RandAugment.Policy.mae(), new int[] {128});
        int[] calls = new int[2];
        Draws counting = new Draws() {
            final Draws d = Draws.of(new Rng(5));
            int n;

            @Override
            public double nextDouble() {
                return d.nextDouble();
            }

            @Override
            public int nextInt(int bound) {
                assertThat(bound).isEqualTo(15);
                return 2; // Invert, which takes no magnitude or sign
            }

            @Override
            public double nextGaussian() {
                calls[1]++;
                return d.nextGaussian();
            }

            @Override
            public double nextBeta(double a, double b) {
                throw new AssertionError();
            }
        };
        QuantizedImage img = new QuantizedImage(1, 2, 2, new int[] {0, 10, 200, 255});
        int inverted = 0, n = 4000;
        for (int i = 0; i < n; i++) {
            QuantizedImage out = ra.apply(img, counting);
            int flips = 0;
            // two Inverts: applied 0, 1 or 2 times; an odd number of applications inverts
            if (out.data()[0] == 255) flips = 1;
            inverted += flips;
        }
        assertThat(inverted / (double) n).as("P(exactly one of two p = 0.5 ops applies)").isCloseTo(0.5, within(0.03));
        assertThat(calls[1] / (2.0 * n)).as("a magnitude draw per applied op").isCloseTo(0.5, within(0.03));
    }

    @Test
    void policiesParseLikeTimm() {
        RandAugment.Policy p = RandAugment.Policy.parse("rand-m9-mstd0.5-inc1");
        assertThat(p).isEqualTo(new RandAugment.Policy(9, 2, 0.5, true, 0.5));
        assertThat(RandAugment.Policy.parse("rand-n3-m7").label()).isEqualTo("rand-m7-n3-mstd0-inc0");
        assertThat(RandAugment.Policy.parse("rand").magnitude()).isEqualTo(10);
        assertThatThrownBy(() -> RandAugment.Policy.parse("augmix-m3")).hasMessageContaining("must start with 'rand'");
        assertThatThrownBy(() -> RandAugment.Policy.parse("rand-x3")).hasMessageContaining("unknown section");
        assertThatThrownBy(() -> RandAugment.Policy.parse("rand-w0")).hasMessageContaining("not supported");
        assertThatThrownBy(() -> RandAugment.Policy.parse("rand-m11")).hasMessageContaining("[0, 10]");
        assertThat(RandAugment.fillOf(new float[] {0.485f, 0.456f, 0.406f})).containsExactly(124, 116, 104);
        assertThatThrownBy(() -> new RandAugment(RandAugment.Policy.mae(), new int[] {1, 2})).hasMessageContaining("1- or 3-channel");
    }

    @Test
    void quantisationRoundTripsEightBitImages() {
        float[] v = new float[256];
        for (int i = 0; i < 256; i++) v[i] = i / 255f;
        Image img = new Image(1, 16, 16, v);
        QuantizedImage q = QuantizedImage.of(img);
        for (int i = 0; i < 256; i++) assertThat(q.data()[i]).isEqualTo(i);
        assertThat(q.toImage().data()).containsExactly(v);
        assertThat(QuantizedImage.of(new Image(1, 1, 2, new float[] {-0.2f, 1.7f})).data()).containsExactly(0, 255);
    }
}
