// The windowed resamplers give bitwise what the full resize followed by a crop gives, and sizes
// whose full resize would not fit an array (the 20000 × 1 image) are cropped without overflow.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResampleWindowTest {
    @Test
    void resizeShorterCenterCropIsTheCropOfTheFullResize() {
        Rng r = new Rng(11);
        for (int t = 0; t < 40; t++) {
            int h = 1 + r.nextInt(60), w = 1 + r.nextInt(60), size = 1 + r.nextInt(30);
            Interpolation f = Interpolation.values()[r.nextInt(Interpolation.values().length)];
            Image x = AugmentationTest.random(1 + 2 * r.nextInt(2), h, w, t);
            Image full = Resample.resizeShorter(x, size, f);
            int crop = 1 + r.nextInt(Math.min(full.height(), full.width()));
            Image expected = Resample.centerCrop(full, crop, crop);
            assertThat(Resample.resizeShorterCenterCrop(x, size, crop, f).data()).as("%s × %s → %s, crop %s, %s", h, w, size, crop, f)
                    .containsExactly(expected.data());
            assertThat(new ResizeCenterCrop(size, Math.min(crop, size), f).apply(x, r).data())
                    .containsExactly(Resample.centerCrop(full, Math.min(crop, size), Math.min(crop, size)).data());
        }
    }

    @Test
    void simpleResizedCropIsAWindowOfTheReflectPaddedResize() {
        Rng r = new Rng(12);
        for (int t = 0; t < 40; t++) {
            int size = 5 + r.nextInt(20), h = 2 + r.nextInt(70), w = 2 + r.nextInt(70);
            Image x = AugmentationTest.random(3, h, w, 100 + t);
            SimpleResizedCrop src = new SimpleResizedCrop(size, t % 5, Interpolation.BICUBIC);
            Image padded = Resample.reflectPad(Resample.resizeShorter(x, size, Interpolation.BICUBIC), t % 5);
            Rng draws = new Rng(t);
            int top = draws.nextInt(padded.height() - size + 1), left = draws.nextInt(padded.width() - size + 1);
            assertThat(src.apply(x, new Rng(t)).data()).as("%s × %s → %s, pad %s", h, w, size, t % 5)
                    .containsExactly(Resample.crop(padded, top, left, size, size).data());
        }
    }

    @Test
    void anExtremeAspectRatioIsCroppedWithoutOverflow() {
        Image wide = AugmentationTest.random(3, 1, 20000, 5), tall = AugmentationTest.random(1, 20000, 1, 6);
        // the full resize would be 224 × 4,480,000 (3 × 10^9 values): only the window is computed
        for (Image x : new Image[] {wide, tall}) {
            Image y = Resample.resizeShorterCenterCrop(x, 224, 224, Interpolation.BICUBIC);
            assertThat(y.shapeString()).isEqualTo("(" + x.channels() + ", 224, 224)");
            for (float v : y.data()) assertThat(v).isBetween(0f, 1f);
            assertThat(SimpleResizedCrop.deit3(224).apply(x, new Rng(1)).shapeString()).isEqualTo("(" + x.channels() + ", 224, 224)");
            assertThat(RandomResizedCrop.maePretrain(224).apply(x, new Rng(2)).shapeString()).isEqualTo("(" + x.channels() + ", 224, 224)");
        }
        assertThatThrownBy(() -> Resample.resizeShorter(wide, 224, Interpolation.BICUBIC)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values");
        assertThatThrownBy(() -> Resample.resizeBox(wide, Integer.MAX_VALUE, 0, 10, 10, 4, 4, Interpolation.BILINEAR, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not inside");
    }

    @Test
    void cropTransformsDeclareThatTheyAcceptAnySize() {
        assertThat(RandomResizedCrop.maePretrain(8).acceptsAnySize()).isTrue();
        assertThat(SimpleResizedCrop.deit3(8).acceptsAnySize()).isTrue();
        assertThat(ResizeCenterCrop.maeEval(8).acceptsAnySize()).isTrue();
        assertThat(Transform.compose(RandomResizedCrop.maePretrain(8), HorizontalFlip.half()).acceptsAnySize()).isTrue();
        assertThat(Transform.compose(HorizontalFlip.half(), RandomResizedCrop.maePretrain(8)).acceptsAnySize()).isFalse();
        assertThat(Normalize.imagenet().acceptsAnySize()).isFalse();
    }
}
