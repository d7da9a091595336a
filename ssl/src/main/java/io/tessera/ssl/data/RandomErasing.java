// Random erasing (Zhong et al. 2017) as timm 0.3's RandomErasing applies it after normalisation:
// with probability p, up to 10 attempts to place a box of area U(0.02, 1/3)·A and log-uniform aspect
// in [0.3, 1/0.3], filled per pixel with N(0, 1) ("pixel"), per channel ("rand") or with 0 ("const").
// MAE fine-tunes with p 0.25, mode pixel, one box. Applies to a single image; not to batches.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/**
 * Per image: skip when u &gt; p; count boxes (min … max); per box up to 10 attempts of target area
 * U(a₀, a₁)·H·W/count, aspect r = exp(U(log r₀, log r₁)), h = round(√(area·r)), w = round(√(area/r))
 * (half-even), accepted when w &lt; W and h &lt; H, at top = U{0 … H − h}, left = U{0 … W − w}.
 */
public final class RandomErasing implements Transform {
    /** What fills an erased box. */
    public enum Mode {
        /** Zeros (the mean, after normalisation). */
        CONST,
        /** One N(0, 1) value per channel. */
        RAND,
        /** One N(0, 1) value per pixel and channel. */
        PIXEL
    }

    private final double probability, minArea, maxArea, logAspectLo, logAspectHi;
    private final Mode mode;
    private final int minCount, maxCount;

    public RandomErasing(double probability, double minArea, double maxArea, double minAspect, double maxAspect, Mode mode, int minCount, int maxCount) {
        if (!(probability >= 0 && probability <= 1)) throw new IllegalArgumentException("RandomErasing: probability must be in [0, 1], got " + probability);
        if (!(minArea > 0 && minArea <= maxArea && maxArea <= 1)) throw new IllegalArgumentException("RandomErasing: need 0 < min area ≤ max area ≤ 1, got " + minArea + ", " + maxArea);
        if (!(minAspect > 0 && minAspect <= maxAspect)) throw new IllegalArgumentException("RandomErasing: need 0 < min aspect ≤ max aspect, got " + minAspect + ", " + maxAspect);
        if (minCount < 1 || maxCount < minCount) throw new IllegalArgumentException("RandomErasing: need 1 ≤ min count ≤ max count, got " + minCount + ", " + maxCount);
        this.probability = probability;
        this.minArea = minArea;
        this.maxArea = maxArea;
        this.logAspectLo = Math.log(minAspect);
        this.logAspectHi = Math.log(maxAspect);
        this.mode = mode;
        this.minCount = minCount;
        this.maxCount = maxCount;
    }

    /** timm's defaults (area 0.02–1/3, aspect 0.3–1/0.3) with probability p, the mode and up to {@code count} boxes. */
    public static RandomErasing timm(double p, Mode mode, int count) {
        return new RandomErasing(p, 0.02, 1.0 / 3, 0.3, 1 / 0.3, mode, 1, count);
    }

    /** MAE's fine-tuning setting: p 0.25, mode pixel, one box. */
    public static RandomErasing mae() {
        return timm(0.25, Mode.PIXEL, 1);
    }

    public double probability() {
        return probability;
    }

    public Mode mode() {
        return mode;
    }

    @Override
    public Image apply(Image image, Rng rng) {
        return apply(image, Draws.of(rng));
    }

    /** The erased copy of {@code image} (or the image itself when nothing is erased). */
    public Image apply(Image image, Draws draws) {
        if (draws.nextDouble() > probability) return image;
        int c = image.channels(), h = image.height(), w = image.width();
        int count = minCount == maxCount ? minCount : minCount + draws.nextInt(maxCount - minCount + 1);
        float[] out = image.data().clone();
        double area = (double) h * w;
        for (int k = 0; k < count; k++) {
            for (int attempt = 0; attempt < 10; attempt++) {
                double target = draws.uniform(minArea, maxArea) * area / count;
                double aspect = Math.exp(draws.uniform(logAspectLo, logAspectHi));
                int eh = (int) Math.rint(Math.sqrt(target * aspect)), ew = (int) Math.rint(Math.sqrt(target / aspect));
                if (ew < w && eh < h) {
                    int top = draws.nextInt(h - eh + 1), left = draws.nextInt(w - ew + 1);
                    fill(out, c, h, w, top, left, eh, ew, draws);
                    break;
                }
            }
        }
        return new Image(c, h, w, out);
    }

    private void fill(float[] out, int c, int h, int w, int top, int left, int eh, int ew, Draws draws) {
        for (int ch = 0; ch < c; ch++) {
            float v = mode == Mode.RAND ? (float) draws.nextGaussian() : 0f;
            for (int y = top; y < top + eh; y++) {
                for (int x = left; x < left + ew; x++) out[(ch * h + y) * w + x] = mode == Mode.PIXEL ? (float) draws.nextGaussian() : v;
            }
        }
    }
}
