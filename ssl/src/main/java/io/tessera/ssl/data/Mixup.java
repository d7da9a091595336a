// Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) in timm 0.3's "batch" mode, as MAE
// fine-tunes: one draw per batch mixes image i with image B−1−i (the batch flipped) and the labels
// into smoothed soft targets. Works on host arrays of a whole batch; not a per-image Transform.
package io.tessera.ssl.data;

/**
 * With probability p a batch is mixed; then CutMix with probability s (when both are enabled),
 * λ ~ Beta(α, α) of the chosen kind. Mixup: x ← λ·x + (1 − λ)·flip(x). CutMix: a box of side
 * ⌊H·√(1−λ)⌋ × ⌊W·√(1−λ)⌋ centred at a uniform pixel (cy ∈ [0, H), cx ∈ [0, W)), clipped to the image,
 * is copied from flip(x), and λ becomes 1 − box area / (H·W). Targets: λ·ỹ + (1 − λ)·flip(ỹ), where ỹ
 * is the one-hot label smoothed to (1 − ε + ε/V, ε/V).
 */
public final class Mixup {
    /**
     * @param mixupAlpha  α of mixup (0: off)
     * @param cutmixAlpha α of CutMix (0: off)
     * @param probability of mixing a batch at all
     * @param switchProb  of CutMix instead of mixup when both are on
     * @param smoothing   label smoothing ε folded into the targets
     * @param classes     V
     */
    public record Settings(double mixupAlpha, double cutmixAlpha, double probability, double switchProb, double smoothing, int classes) {
        public Settings {
            if (!(mixupAlpha >= 0) || !(cutmixAlpha >= 0)) throw new IllegalArgumentException("mixup and cutmix alphas must be ≥ 0, got " + mixupAlpha + ", " + cutmixAlpha);
            if (mixupAlpha == 0 && cutmixAlpha == 0) throw new IllegalArgumentException("mixup needs mixup alpha > 0 or cutmix alpha > 0");
            if (!(probability >= 0 && probability <= 1) || !(switchProb >= 0 && switchProb <= 1)) {
                throw new IllegalArgumentException("mixup probabilities must be in [0, 1], got " + probability + ", " + switchProb);
            }
            if (!(smoothing >= 0 && smoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
            if (classes < 2) throw new IllegalArgumentException("mixup needs at least 2 classes, got " + classes);
        }

        /** MAE's fine-tuning setting: mixup 0.8, CutMix 1.0, p 1, switch 0.5, ε 0.1. */
        public static Settings mae(int classes) {
            return new Settings(0.8, 1.0, 1.0, 0.5, 0.1, classes);
        }
    }

    /**
     * One batch's draw: λ (after the CutMix area correction), whether CutMix was used and its box
     * rows [yl, yh) and columns [xl, xh) (all 0 for mixup or no mixing).
     */
    public record Params(double lambda, boolean cutmix, int yl, int yh, int xl, int xh) {
        /** True when the batch is left as it is (λ = 1). */
        public boolean identity() {
            return lambda == 1.0;
        }
    }

    /** A mixed batch: images (B, C, H, W) row-major, soft targets (B, V), labels and the draw. */
    public record Mixed(float[] images, float[] targets, int[] labels, Params params) {
    }

    private final Settings settings;

    public Mixup(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** The batch-mode draw for images of H × W, in timm's order: u &lt; p, u &lt; s, Beta, then cy, cx. */
    public Params draw(int height, int width, Draws draws) {
        double lam = 1.0;
        boolean cut = false;
        if (draws.nextDouble() < settings.probability()) {
            double a = settings.mixupAlpha(), c = settings.cutmixAlpha();
            if (a > 0 && c > 0) {
                cut = draws.nextDouble() < settings.switchProb();
                lam = cut ? draws.nextBeta(c, c) : draws.nextBeta(a, a);
            } else if (a > 0) {
                lam = draws.nextBeta(a, a);
            } else {
                cut = true;
                lam = draws.nextBeta(c, c);
            }
        }
        if (lam == 1.0 || !cut) return new Params(lam, cut && lam != 1.0, 0, 0, 0, 0);
        double ratio = Math.sqrt(1 - lam);
        int cutH = (int) (height * ratio), cutW = (int) (width * ratio);
        int cy = draws.nextInt(height), cx = draws.nextInt(width);
        int yl = Math.clamp(cy - cutH / 2, 0, height), yh = Math.clamp(cy + cutH / 2, 0, height);
        int xl = Math.clamp(cx - cutW / 2, 0, width), xh = Math.clamp(cx + cutW / 2, 0, width);
        double corrected = 1.0 - (double) ((yh - yl) * (xh - xl)) / (double) (height * width);
        return new Params(corrected, true, yl, yh, xl, xh);
    }

    /** Draws and applies: images (B, C, H, W), B even, labels in [0, V). */
    public Mixed apply(float[] images, int[] labels, int channels, int height, int width, Draws draws) {
        return apply(images, labels, channels, height, width, draw(height, width, draws));
    }

    /** Applies a given draw (x is not modified). */
    public Mixed apply(float[] images, int[] labels, int channels, int height, int width, Params p) {
        int b = labels.length, per = channels * height * width;
        if (b % 2 != 0) throw new IllegalArgumentException("mixup needs an even batch (it pairs image i with B−1−i), got " + b);
        if (images.length != (long) b * per) throw new IllegalArgumentException("mixup: " + images.length + " values for " + b + " images of " + per);
        for (int l : labels) if (l < 0 || l >= settings.classes()) throw new IllegalArgumentException("mixup: label " + l + " outside [0, " + settings.classes() + ")");
        float[] out = images.clone();
        if (!p.identity()) {
            float lam = (float) p.lambda(), rest = (float) (1.0 - p.lambda());
            for (int i = 0; i < b; i++) {
                int j = b - 1 - i, oi = i * per, oj = j * per;
                if (p.cutmix()) {
                    for (int c = 0; c < channels; c++) {
                        for (int y = p.yl(); y < p.yh(); y++) {
                            int row = (c * height + y) * width;
                            System.arraycopy(images, oj + row + p.xl(), out, oi + row + p.xl(), p.xh() - p.xl());
                        }
                    }
                } else {
                    for (int k = 0; k < per; k++) out[oi + k] = images[oi + k] * lam + images[oj + k] * rest;
                }
            }
        }
        return new Mixed(out, targets(labels, settings.classes(), p.lambda(), settings.smoothing()), labels.clone(), p);
    }

    /** timm's mixup_target in float: λ·ỹ_i + (1 − λ)·ỹ_{B−1−i}, ỹ = one-hot smoothed to (1 − ε + ε/V, ε/V). */
    public static float[] targets(int[] labels, int classes, double lambda, double smoothing) {
        int b = labels.length;
        float off = (float) (smoothing / classes), on = (float) (1.0 - smoothing + smoothing / classes);
        float lam = (float) lambda, rest = (float) (1.0 - lambda);
        float[] t = new float[b * classes];
        for (int i = 0; i < b; i++) {
            int yi = labels[i], yj = labels[b - 1 - i];
            for (int v = 0; v < classes; v++) {
                float a = v == yi ? on : off, c = v == yj ? on : off;
                t[i * classes + v] = a * lam + c * rest;
            }
        }
        return t;
    }
}
