// Random horizontal flip (torchvision RandomHorizontalFlip): mirror left–right with probability p.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/** Flips when u < p, u ~ U[0, 1) (one draw per call). */
public final class HorizontalFlip implements Transform {
    private final double p;

    public HorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("HorizontalFlip: p must lie in [0, 1], got " + p);
        this.p = p;
    }

    /** p = 0.5. */
    public static HorizontalFlip half() {
        return new HorizontalFlip(0.5);
    }

    @Override
    public Image apply(Image image, Rng rng) {
        return rng.nextDouble() < p ? Resample.flipHorizontal(image) : image;
    }
}
