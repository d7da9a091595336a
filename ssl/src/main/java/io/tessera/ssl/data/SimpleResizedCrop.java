// DeiT III's "simple resized crop" (SRC) without its flip (spec §5.4): shorter side resized to
// size (bicubic), reflect-padded by 4 on every side, then a uniformly placed size × size crop.
// Compose with HorizontalFlip for the full SRC of LUT.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/** Resize(size, shorter side) → reflect-pad(padding) → random size × size crop. */
public final class SimpleResizedCrop implements Transform {
    private final int size, padding;
    private final Interpolation interpolation;

    public SimpleResizedCrop(int size, int padding, Interpolation interpolation) {
        if (size <= 0 || padding < 0) {
            throw new IllegalArgumentException("SimpleResizedCrop: need size > 0 and padding >= 0, got " + size + ", " + padding);
        }
        this.size = size;
        this.padding = padding;
        this.interpolation = interpolation;
    }

    /** DeiT III / LUT: padding 4, bicubic. */
    public static SimpleResizedCrop deit3(int size) {
        return new SimpleResizedCrop(size, 4, Interpolation.BICUBIC);
    }

    /** Offsets top ~ U{0..H'−size}, left ~ U{0..W'−size} on the padded image (H', W'). */
    @Override
    public Image apply(Image image, Rng rng) {
        Image x = Resample.resizeShorter(image, size, interpolation);
        if (padding > 0) x = Resample.reflectPad(x, padding);
        int top = rng.nextInt(x.height() - size + 1), left = rng.nextInt(x.width() - size + 1);
        return Resample.crop(x, top, left, size, size);
    }
}
