// DeiT III's "simple resized crop" (SRC) without its flip (spec §5.4): shorter side resized to
// size (bicubic), reflect-padded by 4 on every side, then a uniformly placed size × size crop.
// Compose with HorizontalFlip for the full SRC of LUT.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/** Resize(size, shorter side) → reflect-pad(padding) → random size × size crop (only the crop is resampled). */
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
        long[] o = Resample.shorterSide(image.height(), image.width(), size);
        long rows = o[0] + 2L * padding - size + 1, cols = o[1] + 2L * padding - size + 1;
        if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("SimpleResizedCrop: the padded resize of " + image.shapeString() + " is "
                    + (o[0] + 2L * padding) + " × " + (o[1] + 2L * padding) + ", too large to place a crop in");
        }
        int top = rng.nextInt((int) rows), left = rng.nextInt((int) cols);
        return Resample.resizeShorterPadCrop(image, size, padding, top, left, size, interpolation);
    }

    /** Any input size gives (C, size, size). */
    @Override
    public boolean acceptsAnySize() {
        return true;
    }
}
