// DeiT III's 3-Augment as used by LUT (spec §5.4): exactly one of grayscale (channel count kept),
// solarize (threshold 128/255) or Gaussian blur (σ ~ U[0.1, 2.0]), each with probability 1/3.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/** One of {grayscale, solarize, blur} chosen uniformly, always applied. */
public final class ThreeAugment implements Transform {
    /** The three choices, by the index drawn. */
    public enum Choice { GRAYSCALE, SOLARIZE, BLUR }

    private final double blurLo, blurHi;

    public ThreeAugment() {
        this(0.1, 2.0);
    }

    /** Blur radius (Gaussian σ) range [blurLo, blurHi]. */
    public ThreeAugment(double blurLo, double blurHi) {
        if (!(blurLo > 0) || blurLo > blurHi) {
            throw new IllegalArgumentException("ThreeAugment: blur range needs 0 < lo <= hi, got [" + blurLo + ", " + blurHi + "]");
        }
        this.blurLo = blurLo;
        this.blurHi = blurHi;
    }

    /** The choice this stream makes (first draw), for tests and logs. */
    public static Choice choice(Rng rng) {
        return Choice.values()[rng.nextInt(3)];
    }

    /** Draws the choice, then (always) the blur σ = lo + (hi − lo)·u. */
    @Override
    public Image apply(Image image, Rng rng) {
        Choice c = choice(rng);
        double sigma = blurLo + (blurHi - blurLo) * rng.nextDouble();
        return switch (c) {
            case GRAYSCALE -> ColorOps.grayscale(image);
            case SOLARIZE -> ColorOps.solarize(image);
            case BLUR -> ColorOps.gaussianBlur(image, sigma);
        };
    }
}
