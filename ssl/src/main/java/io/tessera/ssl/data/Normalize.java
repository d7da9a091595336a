// Per-channel standardisation x ← (x − mean_c) / std_c (torchvision Normalize) and its inverse,
// with the ImageNet, Fashion-MNIST and MNIST statistics as presets.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/** (x − mean[c]) / std[c]; draws nothing. */
public final class Normalize implements Transform {
    private final float[] mean, std;

    public Normalize(float[] mean, float[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("Normalize: mean and std need the same positive length, got "
                    + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) throw new IllegalArgumentException("Normalize: std must be positive, got " + s);
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** ImageNet: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). */
    public static Normalize imagenet() {
        return new Normalize(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    /** Fashion-MNIST training-set statistics: mean 0.2860, std 0.3530. */
    public static Normalize fashionMnist() {
        return new Normalize(new float[] {0.2860f}, new float[] {0.3530f});
    }

    /** MNIST training-set statistics: mean 0.1307, std 0.3081. */
    public static Normalize mnist() {
        return new Normalize(new float[] {0.1307f}, new float[] {0.3081f});
    }

    /** The per-channel means (a copy). */
    public float[] mean() {
        return mean.clone();
    }

    /** The per-channel standard deviations (a copy). */
    public float[] std() {
        return std.clone();
    }

    /** Channels this normalisation expects. */
    public int channels() {
        return mean.length;
    }

    @Override
    public Image apply(Image image, Rng rng) {
        return map(image, false);
    }

    /** The inverse: x = y·std[c] + mean[c]. */
    public Image invert(Image image) {
        return map(image, true);
    }

    private Image map(Image img, boolean inverse) {
        if (img.channels() != mean.length) {
            throw new IllegalArgumentException("Normalize: statistics for " + mean.length + " channel(s) applied to an image "
                    + img.shapeString() + "; add ToRgb or choose matching statistics");
        }
        int n = img.height() * img.width();
        float[] in = img.data(), out = new float[in.length];
        for (int c = 0; c < mean.length; c++) {
            float m = mean[c], s = std[c];
            for (int i = c * n; i < (c + 1) * n; i++) out[i] = inverse ? in[i] * s + m : (in[i] - m) / s;
        }
        return new Image(img.channels(), img.height(), img.width(), out);
    }
}
