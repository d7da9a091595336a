// Deterministic photometric primitives on [0, 1] CHW images: luma, grayscale, solarize, Gaussian
// blur, brightness/contrast/saturation/hue adjustments (torchvision's tensor semantics). The
// random parameter choices live in ColorJitter and ThreeAugment.
package io.tessera.ssl.data;

/** Pure photometric operations; inputs are not modified. */
public final class ColorOps {
    private ColorOps() {
    }

    /** PIL luma L = 0.299·R + 0.587·G + 0.114·B per pixel, as (1, H, W); a 1-channel input is copied. */
    public static Image luma(Image img) {
        int h = img.height(), w = img.width(), n = h * w;
        float[] in = img.data(), out = new float[n];
        if (img.channels() == 1) {
            System.arraycopy(in, 0, out, 0, n);
        } else {
            requireRgb("luma", img);
            for (int i = 0; i < n; i++) out[i] = (float) (0.299 * in[i] + 0.587 * in[n + i] + 0.114 * in[2 * n + i]);
        }
        return new Image(1, h, w, out);
    }

    /** Grayscale keeping the channel count: every channel = luma (torchvision Grayscale(num_output_channels=C)). */
    public static Image grayscale(Image img) {
        if (img.channels() == 1) return img;
        Image l = luma(img);
        int n = img.height() * img.width();
        float[] out = new float[img.size()];
        for (int c = 0; c < img.channels(); c++) System.arraycopy(l.data(), 0, out, c * n, n);
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /**
     * Solarize with PIL's threshold 128 on the 8-bit scale: x ≥ 128/255 → 1 − x, else x.
     */
    public static Image solarize(Image img) {
        return solarize(img, 128f / 255f);
    }

    /** Solarize: x ≥ threshold → 1 − x, else x. */
    public static Image solarize(Image img, float threshold) {
        float[] in = img.data(), out = new float[in.length];
        for (int i = 0; i < in.length; i++) out[i] = in[i] >= threshold ? 1f - in[i] : in[i];
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /**
     * Separable Gaussian blur with σ = {@code sigma}, kernel g(k) ∝ exp(−k²/(2σ²)) for
     * |k| ≤ ceil(3σ), normalised to sum 1, edges clamped (replicated). This is a true Gaussian;
     * PIL's GaussianBlur approximates one by repeated box blurs.
     */
    public static Image gaussianBlur(Image img, double sigma) {
        if (!(sigma > 0)) throw new IllegalArgumentException("gaussianBlur: sigma must be positive, got " + sigma);
        int r = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(double) i * i / (2 * sigma * sigma));
        for (int i = 0; i < k.length; i++) k[i] /= sum;
        int c = img.channels(), h = img.height(), w = img.width();
        float[] in = img.data(), tmp = new float[in.length], out = new float[in.length];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                int row = (ch * h + y) * w;
                for (int x = 0; x < w; x++) {
                    double acc = 0;
                    for (int j = -r; j <= r; j++) acc += k[j + r] * in[row + Math.clamp(x + j, 0, w - 1)];
                    tmp[row + x] = (float) acc;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double acc = 0;
                    for (int j = -r; j <= r; j++) acc += k[j + r] * tmp[(ch * h + Math.clamp(y + j, 0, h - 1)) * w + x];
                    out[(ch * h + y) * w + x] = (float) acc;
                }
            }
        }
        return new Image(c, h, w, out);
    }

    /** Brightness: clamp(f·x, 0, 1). */
    public static Image brightness(Image img, double f) {
        float[] in = img.data(), out = new float[in.length];
        for (int i = 0; i < in.length; i++) out[i] = clamp01(f * in[i]);
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /** Contrast: clamp(f·x + (1 − f)·m, 0, 1) with m the mean luma of the whole image. */
    public static Image contrast(Image img, double f) {
        float[] l = luma(img).data();
        double m = 0;
        for (float v : l) m += v;
        m /= l.length;
        float[] in = img.data(), out = new float[in.length];
        for (int i = 0; i < in.length; i++) out[i] = clamp01(f * in[i] + (1 - f) * m);
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /** Saturation: clamp(f·x + (1 − f)·luma, 0, 1) per pixel; identity on 1-channel images. */
    public static Image saturation(Image img, double f) {
        if (img.channels() == 1) return img;
        float[] l = luma(img).data();
        int n = l.length;
        float[] in = img.data(), out = new float[in.length];
        for (int i = 0; i < in.length; i++) out[i] = clamp01(f * in[i] + (1 - f) * l[i % n]);
        return new Image(img.channels(), img.height(), img.width(), out);
    }

    /**
     * Hue: RGB → HSV, h ← (h + shift) mod 1, → RGB; identity on 1-channel images. shift in
     * [−0.5, 0.5].
     */
    public static Image hue(Image img, double shift) {
        if (img.channels() == 1) return img;
        requireRgb("hue", img);
        int n = img.height() * img.width();
        float[] in = img.data(), out = new float[in.length];
        for (int i = 0; i < n; i++) {
            double r = in[i], g = in[n + i], b = in[2 * n + i];
            double max = Math.max(r, Math.max(g, b)), min = Math.min(r, Math.min(g, b)), d = max - min;
            double hh = 0;
            if (d > 0) {
                if (max == r) hh = ((g - b) / d) / 6;
                else if (max == g) hh = ((b - r) / d + 2) / 6;
                else hh = ((r - g) / d + 4) / 6;
            }
            double s = max > 0 ? d / max : 0, v = max;
            hh = hh + shift;
            hh -= Math.floor(hh);
            double h6 = hh * 6;
            int sector = (int) Math.floor(h6) % 6;
            double fr = h6 - Math.floor(h6);
            double p = v * (1 - s), q = v * (1 - s * fr), t = v * (1 - s * (1 - fr));
            double[] rgb = switch (sector) {
                case 0 -> new double[] {v, t, p};
                case 1 -> new double[] {q, v, p};
                case 2 -> new double[] {p, v, t};
                case 3 -> new double[] {p, q, v};
                case 4 -> new double[] {t, p, v};
                default -> new double[] {v, p, q};
            };
            out[i] = clamp01(rgb[0]);
            out[n + i] = clamp01(rgb[1]);
            out[2 * n + i] = clamp01(rgb[2]);
        }
        return new Image(3, img.height(), img.width(), out);
    }

    private static float clamp01(double v) {
        return (float) Math.min(1.0, Math.max(0.0, v));
    }

    private static void requireRgb(String op, Image img) {
        if (img.channels() != 3) {
            throw new IllegalArgumentException(op + ": expected a 1- or 3-channel image, got " + img.shapeString());
        }
    }
}
