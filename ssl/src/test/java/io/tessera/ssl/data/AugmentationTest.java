// Properties of the augmentations: output sizes, flip∘flip = id, Normalize inverse, determinism
// from the same stream, RandomResizedCrop scale/aspect statistics and fallback, SRC as a window of
// the reflect-padded image, solarize/grayscale values, 3-Augment choice frequencies, jitter.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class AugmentationTest {
    static Image random(int c, int h, int w, long seed) {
        Rng r = new Rng(seed);
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) d[i] = r.nextFloat();
        return new Image(c, h, w, d);
    }

    @Test
    void cropsProduceTheRequestedSize() {
        Image x = random(3, 40, 56, 1);
        Rng r = new Rng(3);
        for (int t = 0; t < 20; t++) {
            assertThat(RandomResizedCrop.maePretrain(24).apply(x, r.split(t)).shapeString()).isEqualTo("(3, 24, 24)");
            assertThat(RandomResizedCrop.linearProbe(24).apply(x, r.split(t)).shapeString()).isEqualTo("(3, 24, 24)");
            assertThat(SimpleResizedCrop.deit3(24).apply(x, r.split(t)).shapeString()).isEqualTo("(3, 24, 24)");
        }
        assertThat(ResizeCenterCrop.maeEval(28).apply(random(1, 50, 40, 2), r).shapeString()).isEqualTo("(1, 28, 28)");
    }

    @Test
    void flipTwiceIsIdentity() {
        Image x = random(3, 5, 7, 2);
        Image f = Resample.flipHorizontal(x);
        assertThat(f.get(1, 2, 0)).isEqualTo(x.get(1, 2, 6));
        assertThat(Resample.flipHorizontal(f).data()).containsExactly(x.data());
        Image always = new HorizontalFlip(1).apply(x, new Rng(0));
        assertThat(always.data()).containsExactly(f.data());
        assertThat(new HorizontalFlip(0).apply(x, new Rng(0)).data()).containsExactly(x.data());
        int flips = 0;
        for (int t = 0; t < 2000; t++) if (HorizontalFlip.half().apply(x, new Rng(t)) != x) flips++;
        assertThat(flips).isBetween(900, 1100);
    }

    @Test
    void normalizeInverts() {
        Image x = random(3, 4, 4, 3);
        Normalize n = Normalize.imagenet();
        Image y = n.apply(x, new Rng(0));
        assertThat(y.get(0, 1, 1)).isCloseTo((x.get(0, 1, 1) - 0.485f) / 0.229f, offset(1e-6f));
        assertThat(y.get(2, 3, 0)).isCloseTo((x.get(2, 3, 0) - 0.406f) / 0.225f, offset(1e-6f));
        float[] back = n.invert(y).data();
        for (int i = 0; i < back.length; i++) assertThat(back[i]).isCloseTo(x.data()[i], offset(1e-6f));
        assertThatThrownBy(() -> Normalize.fashionMnist().apply(x, new Rng(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(3, 4, 4)");
    }

    @Test
    void sameStreamSameOutput() {
        Image x = random(3, 32, 32, 4);
        Transform view2 = Transform.compose(SimpleResizedCrop.deit3(24), HorizontalFlip.half(), ColorJitter.lut(),
                new ThreeAugment(), Normalize.imagenet());
        Transform mae = Transform.compose(RandomResizedCrop.maePretrain(16), HorizontalFlip.half(), Normalize.imagenet());
        for (Transform t : new Transform[] {view2, mae}) {
            Image a = t.apply(x, new Rng(11).split("s"));
            Image b = t.apply(x, new Rng(11).split("s"));
            Image c = t.apply(x, new Rng(12).split("s"));
            assertThat(a.data()).containsExactly(b.data());
            assertThat(a.data()).isNotEqualTo(c.data());
        }
    }

    @Test
    void resizeToTheSameSizeIsIdentityAndConstantsStayConstant() {
        Image x = random(2, 9, 13, 5);
        for (Interpolation f : Interpolation.values()) {
            float[] y = Resample.resize(x, 9, 13, f).data();
            for (int i = 0; i < y.length; i++) assertThat(y[i]).isCloseTo(x.data()[i], offset(1e-6f));
            float[] k = new float[3 * 30 * 20];
            java.util.Arrays.fill(k, 0.25f);
            for (float v : Resample.resizeBox(new Image(3, 30, 20, k), 3, 2, 17, 11, 7, 9, f, true).data()) {
                assertThat(v).isCloseTo(0.25f, offset(1e-6f));
            }
            for (float v : Resample.resize(new Image(3, 30, 20, k), 50, 45, f).data()) assertThat(v).isCloseTo(0.25f, offset(1e-6f));
        }
        // 2× box average when shrinking with the triangle filter: antialiased, not point-sampled
        Image stripes = new Image(1, 1, 4, new float[] {0, 1, 0, 1});
        for (float v : Resample.resize(stripes, 1, 2, Interpolation.BILINEAR).data()) assertThat(v).isCloseTo(0.5f, offset(0.2f));
    }

    @Test
    void rrcScaleAndAspectStatistics() {
        RandomResizedCrop mae = RandomResizedCrop.maePretrain(16);
        double sum = 0, min = 1, max = 0;
        int n = 4000;
        for (int t = 0; t < n; t++) {
            int[] b = mae.box(100, 100, new Rng(t));
            double frac = b[2] * b[3] / 1e4;
            double aspect = (double) b[3] / b[2];
            assertThat(b[0] + b[2]).isLessThanOrEqualTo(100);
            assertThat(b[1] + b[3]).isLessThanOrEqualTo(100);
            assertThat(aspect).isBetween(0.72, 1.39);
            sum += frac;
            min = Math.min(min, frac);
            max = Math.max(max, frac);
        }
        assertThat(min).isBetween(0.19, 0.23);
        assertThat(max).isGreaterThan(0.95);
        // U(0.2, 1) has mean 0.6, but boxes with s·r > 1 or s/r > 1 do not fit and are redrawn:
        // a Python simulation of torchvision's rule on 100 × 100 (2·10^5 draws) gives 0.5423
        assertThat(sum / n).isBetween(0.53, 0.555);
        RandomResizedCrop lp = RandomResizedCrop.linearProbe(16);
        double lmin = 1;
        for (int t = 0; t < n; t++) {
            int[] b = lp.box(100, 100, new Rng(t));
            lmin = Math.min(lmin, b[2] * b[3] / 1e4);
            assertThat(b[2]).isLessThanOrEqualTo(100);
            assertThat(b[3]).isLessThanOrEqualTo(100);
        }
        assertThat(lmin).isBetween(0.07, 0.1);
    }

    @Test
    void rrcFallsBackToTheCentralCrop() {
        // 10 × 100 image: every draw is taller than 10, so the fallback h = 10, w = round(10 · 4/3) = 13 is used
        for (int t = 0; t < 50; t++) {
            assertThat(RandomResizedCrop.maePretrain(8).box(10, 100, new Rng(t))).containsExactly(0, 43, 10, 13);
        }
    }

    @Test
    void srcIsAWindowOfTheReflectPaddedImage() {
        Image x = random(1, 8, 8, 6);
        Image padded = Resample.reflectPad(x, 4);
        assertThat(padded.get(0, 0, 0)).isEqualTo(x.get(0, 4, 4));
        assertThat(padded.get(0, 3, 15)).isEqualTo(x.get(0, 1, 3)); // rows 3 → 1, columns 15 → 11 → 3
        for (int t = 0; t < 20; t++) {
            Image y = SimpleResizedCrop.deit3(8).apply(x, new Rng(t));
            boolean found = false;
            for (int top = 0; top <= 8 && !found; top++) {
                for (int left = 0; left <= 8 && !found; left++) {
                    found = java.util.Arrays.equals(Resample.crop(padded, top, left, 8, 8).data(), y.data());
                }
            }
            assertThat(found).isTrue();
        }
    }

    @Test
    void solarizeAndGrayscaleValues() {
        Image x = new Image(3, 1, 2, new float[] {1f, 0.2f, 0f, 128 / 255f, 0f, 127 / 255f});
        Image s = ColorOps.solarize(x);
        assertThat(s.data()).containsExactly(0f, 0.2f, 0f, 1 - 128 / 255f, 0f, 127 / 255f);
        Image g = ColorOps.grayscale(x);
        assertThat(g.channels()).isEqualTo(3);
        for (int c = 0; c < 3; c++) assertThat(g.get(c, 0, 0)).isCloseTo(0.299f, offset(1e-6f));
        assertThat(g.get(1, 0, 1)).isCloseTo(0.2f * 0.299f + 0.587f * 128 / 255f + 0.114f * 127 / 255f, offset(1e-6f));
        Image gray1 = random(1, 4, 4, 7);
        assertThat(ColorOps.grayscale(gray1)).isSameAs(gray1);
        assertThat(new ThreeAugment().apply(gray1, new Rng(1)).channels()).isEqualTo(1);
        Image blurred = ColorOps.gaussianBlur(gray1, 1.0);
        double mIn = 0, mOut = 0, vIn = 0, vOut = 0;
        for (int i = 0; i < 16; i++) {
            mIn += gray1.data()[i];
            mOut += blurred.data()[i];
        }
        for (int i = 0; i < 16; i++) {
            vIn += Math.pow(gray1.data()[i] - mIn / 16, 2);
            vOut += Math.pow(blurred.data()[i] - mOut / 16, 2);
        }
        assertThat(vOut).isLessThan(vIn);
    }

    @Test
    void threeAugmentPicksEachChoiceAboutAThird() {
        int[] counts = new int[3];
        for (int t = 0; t < 3000; t++) counts[ThreeAugment.choice(new Rng(t)).ordinal()]++;
        for (int c : counts) assertThat(c).isBetween(900, 1100);
        Image x = random(3, 6, 6, 8);
        for (int t = 0; t < 30; t++) {
            Image y = new ThreeAugment().apply(x, new Rng(t));
            Rng r = new Rng(t);
            ThreeAugment.Choice choice = ThreeAugment.choice(r);
            double sigma = 0.1 + 1.9 * r.nextDouble();
            assertThat(sigma).isBetween(0.1, 2.0);
            Image expected = switch (choice) {
                case GRAYSCALE -> ColorOps.grayscale(x);
                case SOLARIZE -> ColorOps.solarize(x);
                case BLUR -> ColorOps.gaussianBlur(x, sigma);
            };
            assertThat(y.data()).containsExactly(expected.data());
        }
    }

    @Test
    void colorJitterProperties() {
        Image x = random(3, 5, 5, 9);
        assertThat(new ColorJitter(0.4, 0.4, 0.2, 0.1, 0).apply(x, new Rng(1))).isSameAs(x);
        float[] id = ColorOps.hue(x, 0).data();
        for (int i = 0; i < id.length; i++) assertThat(id[i]).isCloseTo(x.data()[i], offset(1e-6f));
        Image red = new Image(3, 1, 1, new float[] {1, 0, 0});
        assertThat(ColorOps.hue(red, 1.0 / 3).data()).containsExactly(0f, 1f, 0f);
        assertThat(ColorOps.saturation(x, 0).data()).containsExactly(ColorOps.grayscale(x).data());
        Image gray1 = random(1, 5, 5, 10);
        Image j = ColorJitter.lut().apply(gray1, new Rng(2));
        assertThat(j.channels()).isEqualTo(1);
        int changed = 0;
        for (int t = 0; t < 1000; t++) {
            Image y = ColorJitter.lut().apply(x, new Rng(t));
            if (y != x) changed++;
            for (float v : y.data()) assertThat(v).isBetween(0f, 1f);
        }
        assertThat(changed).isBetween(750, 850);
    }

    @Test
    void toRgbRepeatsGrayChannels() {
        Image g = random(1, 3, 3, 11);
        Image rgb = new ToRgb().apply(g, new Rng(0));
        assertThat(rgb.shapeString()).isEqualTo("(3, 3, 3)");
        for (int c = 0; c < 3; c++) assertThat(rgb.get(c, 2, 1)).isEqualTo(g.get(0, 2, 1));
        assertThat(new ToRgb().apply(rgb, new Rng(0))).isSameAs(rgb);
    }
}
