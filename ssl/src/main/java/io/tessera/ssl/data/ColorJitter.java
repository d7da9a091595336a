// torchvision ColorJitter applied with a probability (LUT view 2, spec §5.4): factors
// b ~ U[1−B, 1+B], c ~ U[1−C, 1+C], s ~ U[1−S, 1+S], hue shift ~ U[−Hu, Hu], the four
// adjustments in a uniformly random order. Saturation and hue leave 1-channel images unchanged.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/** Random brightness/contrast/saturation/hue with probability p; always draws the same count. */
public final class ColorJitter implements Transform {
    private final double brightness, contrast, saturation, hue, p;

    public ColorJitter(double brightness, double contrast, double saturation, double hue, double p) {
        if (brightness < 0 || contrast < 0 || saturation < 0 || hue < 0 || hue > 0.5 || !(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("ColorJitter: need brightness, contrast, saturation >= 0, hue in [0, 0.5], "
                    + "p in [0, 1]; got " + brightness + ", " + contrast + ", " + saturation + ", " + hue + ", p " + p);
        }
        this.brightness = brightness;
        this.contrast = contrast;
        this.saturation = saturation;
        this.hue = hue;
        this.p = p;
    }

    /** LUT's view-2 jitter: (0.4, 0.4, 0.2, 0.1) with p = 0.8. */
    public static ColorJitter lut() {
        return new ColorJitter(0.4, 0.4, 0.2, 0.1, 0.8);
    }

    /**
     * Draws, in order: apply ~ U[0,1) &lt; p; a permutation of the four ops (Fisher–Yates); the
     * four factors. Ops with strength 0 are skipped.
     */
    @Override
    public Image apply(Image image, Rng rng) {
        boolean on = rng.nextDouble() < p;
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double fb = uniform(rng, 1 - brightness, 1 + brightness);
        double fc = uniform(rng, 1 - contrast, 1 + contrast);
        double fs = uniform(rng, 1 - saturation, 1 + saturation);
        double fh = -hue + 2 * hue * rng.nextDouble();
        if (!on) return image;
        Image x = image;
        for (int op : order) {
            x = switch (op) {
                case 0 -> brightness > 0 ? ColorOps.brightness(x, fb) : x;
                case 1 -> contrast > 0 ? ColorOps.contrast(x, fc) : x;
                case 2 -> saturation > 0 ? ColorOps.saturation(x, fs) : x;
                default -> hue > 0 ? ColorOps.hue(x, fh) : x;
            };
        }
        return x;
    }

    /** U[max(0, lo), hi] (torchvision clips factor ranges at 0). */
    private static double uniform(Rng rng, double lo, double hi) {
        return Math.max(0, lo) + (hi - Math.max(0, lo)) * rng.nextDouble();
    }
}
