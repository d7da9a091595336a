// Random resized crop for MAE pre-training (torchvision's rule: up to 10 draws of area and
// log-uniform aspect, then a central fallback; spec §2.5) and the TF-style single-draw variant
// of MAE's linear probing (mae util/crop.py; spec §3.1). Crop then PIL-style resize to size².
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/**
 * Picks a box of area A·s, s ~ U(scale), aspect r = exp(U(log ratio)), w = round(√(A·s·r)),
 * h = round(√(A·s/r)) (round half to even, as Python's round), a uniform offset, and resizes it
 * to size × size with {@link Interpolation} (default bicubic, PIL-style antialiased, clamped).
 */
public final class RandomResizedCrop implements Transform {
    /** How the box is drawn. */
    public enum Mode {
        /** torchvision: up to 10 attempts until the box fits, else the central fallback crop. */
        TORCHVISION,
        /** MAE's TF-style crop: one draw, w and h clamped to the image, uniform offset. */
        SINGLE_DRAW
    }

    private final int size;
    private final double scaleLo, scaleHi, logRatioLo, logRatioHi, ratioLo, ratioHi;
    private final Interpolation interpolation;
    private final Mode mode;

    /** A crop with explicit scale and ratio ranges. */
    public RandomResizedCrop(int size, double scaleLo, double scaleHi, double ratioLo, double ratioHi,
                             Interpolation interpolation, Mode mode) {
        if (size <= 0 || !(scaleLo > 0) || scaleLo > scaleHi || scaleHi > 1 || !(ratioLo > 0) || ratioLo > ratioHi) {
            throw new IllegalArgumentException("RandomResizedCrop: need size > 0, 0 < scale " + scaleLo + " <= "
                    + scaleHi + " <= 1 and 0 < ratio " + ratioLo + " <= " + ratioHi + "; size = " + size);
        }
        this.size = size;
        this.scaleLo = scaleLo;
        this.scaleHi = scaleHi;
        this.ratioLo = ratioLo;
        this.ratioHi = ratioHi;
        this.logRatioLo = Math.log(ratioLo);
        this.logRatioHi = Math.log(ratioHi);
        this.interpolation = interpolation;
        this.mode = mode;
    }

    /** MAE pre-training (spec §2.5): scale (0.2, 1), ratio (3/4, 4/3), bicubic, 10-attempt rule. */
    public static RandomResizedCrop maePretrain(int size) {
        return new RandomResizedCrop(size, 0.2, 1.0, 3.0 / 4, 4.0 / 3, Interpolation.BICUBIC, Mode.TORCHVISION);
    }

    /** MAE linear probing (spec §3.1): scale (0.08, 1), ratio (3/4, 4/3), bicubic, single draw. */
    public static RandomResizedCrop linearProbe(int size) {
        return new RandomResizedCrop(size, 0.08, 1.0, 3.0 / 4, 4.0 / 3, Interpolation.BICUBIC, Mode.SINGLE_DRAW);
    }

    /** The chosen box for an H × W image: {top, left, h, w}. Consumes rng exactly as {@link #apply}. */
    public int[] box(int height, int width, Rng rng) {
        double area = (double) height * width;
        if (mode == Mode.SINGLE_DRAW) {
            double target = area * uniform(rng, scaleLo, scaleHi);
            double aspect = Math.exp(uniform(rng, logRatioLo, logRatioHi));
            int w = Math.min((int) Math.rint(Math.sqrt(target * aspect)), width);
            int h = Math.min((int) Math.rint(Math.sqrt(target / aspect)), height);
            w = Math.max(w, 1);
            h = Math.max(h, 1);
            int top = rng.nextInt(height - h + 1), left = rng.nextInt(width - w + 1);
            return new int[] {top, left, h, w};
        }
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * uniform(rng, scaleLo, scaleHi);
            double aspect = Math.exp(uniform(rng, logRatioLo, logRatioHi));
            int w = (int) Math.rint(Math.sqrt(target * aspect));
            int h = (int) Math.rint(Math.sqrt(target / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = rng.nextInt(height - h + 1), left = rng.nextInt(width - w + 1);
                return new int[] {top, left, h, w};
            }
        }
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < ratioLo) {
            w = width;
            h = (int) Math.rint(w / ratioLo);
        } else if (inRatio > ratioHi) {
            h = height;
            w = (int) Math.rint(h * ratioHi);
        } else {
            w = width;
            h = height;
        }
        h = Math.max(1, Math.min(h, height));
        w = Math.max(1, Math.min(w, width));
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    /** Crop of {@link #box} resized to (C, size, size). */
    @Override
    public Image apply(Image image, Rng rng) {
        int[] b = box(image.height(), image.width(), rng);
        return Resample.resizeBox(image, b[0], b[1], b[2], b[3], size, size, interpolation, true);
    }

    /** The box is chosen on the whole input, of any size, as MAE does on the decoded image. */
    @Override
    public boolean acceptsAnySize() {
        return true;
    }

    private static double uniform(Rng rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }
}
