// Geometric primitives on CHW images: crop + resize of a box (PIL-style separable convolution
// with antialiasing, pixels centred at +0.5, edge weights renormalised inside the box), flip,
// reflect padding. Random choices live in the augmentation classes, not here.
package io.tessera.ssl.data;

/** Deterministic resampling, cropping and padding of {@link Image}s. */
public final class Resample {
    private Resample() {
    }

    /**
     * Resizes the box rows [top, top+h) × columns [left, left+w) of {@code src} to outH × outW.
     * Output pixel i samples the source around centre c = (i + 0.5)·(w/outW) with the filter
     * stretched by max(1, w/outW) (antialiasing); weights are normalised to sum 1 over the pixels
     * of the box. Results are clamped to [0, 1] when {@code clamp} (cubic overshoot), as PIL's
     * 8-bit output is.
     */
    public static Image resizeBox(Image src, int top, int left, int h, int w, int outH, int outW,
                                  Interpolation f, boolean clamp) {
        if (h <= 0 || w <= 0 || top < 0 || left < 0 || top + h > src.height() || left + w > src.width()) {
            throw new IllegalArgumentException("resizeBox: box rows [" + top + ", " + (top + h) + ") × columns ["
                    + left + ", " + (left + w) + ") is not inside the image " + src.shapeString());
        }
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("resizeBox: output size " + outH + " × " + outW + " must be positive");
        }
        int c = src.channels(), sw = src.width();
        Weights wx = weights(w, outW, f), wy = weights(h, outH, f);
        // horizontal pass: (C, h, outW)
        float[] tmp = new float[c * h * outW];
        float[] s = src.data();
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                int row = (ch * src.height() + top + y) * sw + left;
                int trow = (ch * h + y) * outW;
                for (int x = 0; x < outW; x++) {
                    double acc = 0;
                    int o = x * wx.len;
                    for (int k = 0; k < wx.count[x]; k++) acc += wx.w[o + k] * s[row + wx.start[x] + k];
                    tmp[trow + x] = (float) acc;
                }
            }
        }
        // vertical pass: (C, outH, outW)
        float[] out = new float[c * outH * outW];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < outH; y++) {
                int o = y * wy.len;
                int orow = (ch * outH + y) * outW;
                for (int x = 0; x < outW; x++) {
                    double acc = 0;
                    for (int k = 0; k < wy.count[y]; k++) acc += wy.w[o + k] * tmp[(ch * h + wy.start[y] + k) * outW + x];
                    float v = (float) acc;
                    out[orow + x] = clamp ? Math.min(1f, Math.max(0f, v)) : v;
                }
            }
        }
        return new Image(c, outH, outW, out);
    }

    /** Resizes the whole image to outH × outW. */
    public static Image resize(Image src, int outH, int outW, Interpolation f) {
        return resizeBox(src, 0, 0, src.height(), src.width(), outH, outW, f, true);
    }

    /**
     * Resizes so the shorter side becomes {@code size}, keeping the aspect: the longer side becomes
     * floor(size · long / short) (torchvision's Resize(int)).
     */
    public static Image resizeShorter(Image src, int size, Interpolation f) {
        int h = src.height(), w = src.width();
        int oh, ow;
        if (h <= w) {
            oh = size;
            ow = (int) ((long) size * w / h);
        } else {
            ow = size;
            oh = (int) ((long) size * h / w);
        }
        if (oh == h && ow == w) return src;
        return resize(src, oh, ow, f);
    }

    /** The sub-image rows [top, top+h) × columns [left, left+w), copied. */
    public static Image crop(Image src, int top, int left, int h, int w) {
        if (h <= 0 || w <= 0 || top < 0 || left < 0 || top + h > src.height() || left + w > src.width()) {
            throw new IllegalArgumentException("crop: box rows [" + top + ", " + (top + h) + ") × columns ["
                    + left + ", " + (left + w) + ") is not inside the image " + src.shapeString());
        }
        int c = src.channels();
        float[] out = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(src.data(), (ch * src.height() + top + y) * src.width() + left, out, (ch * h + y) * w, w);
            }
        }
        return new Image(c, h, w, out);
    }

    /** Centre crop to h × w: top = round((H − h) / 2), left = round((W − w) / 2), ties to even (torchvision). */
    public static Image centerCrop(Image src, int h, int w) {
        return crop(src, (int) Math.rint((src.height() - h) / 2.0), (int) Math.rint((src.width() - w) / 2.0), h, w);
    }

    /** Mirror left–right: out[c, y, x] = in[c, y, W − 1 − x]. */
    public static Image flipHorizontal(Image src) {
        int c = src.channels(), h = src.height(), w = src.width();
        float[] in = src.data(), out = new float[in.length];
        for (int r = 0; r < c * h; r++) {
            int b = r * w;
            for (int x = 0; x < w; x++) out[b + x] = in[b + w - 1 - x];
        }
        return new Image(c, h, w, out);
    }

    /**
     * Reflect padding by {@code p} on every side without repeating the edge (numpy "reflect"):
     * index −1 maps to 1, W maps to W − 2. Needs p < H and p < W.
     */
    public static Image reflectPad(Image src, int p) {
        int c = src.channels(), h = src.height(), w = src.width();
        if (p < 0 || p >= h || p >= w) {
            throw new IllegalArgumentException("reflectPad: padding " + p + " needs 0 <= p < min(H, W) for " + src.shapeString());
        }
        int oh = h + 2 * p, ow = w + 2 * p;
        float[] in = src.data(), out = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < oh; y++) {
                int sy = reflect(y - p, h);
                for (int x = 0; x < ow; x++) {
                    out[(ch * oh + y) * ow + x] = in[(ch * h + sy) * w + reflect(x - p, w)];
                }
            }
        }
        return new Image(c, oh, ow, out);
    }

    private static int reflect(int i, int n) {
        if (i < 0) return -i;
        if (i >= n) return 2 * n - 2 - i;
        return i;
    }

    private record Weights(int[] start, int[] count, double[] w, int len) {
    }

    /** PIL-style coefficients mapping inSize → outSize. */
    private static Weights weights(int inSize, int outSize, Interpolation f) {
        double scale = (double) inSize / outSize;
        double fscale = Math.max(scale, 1.0);
        double support = f.support() * fscale;
        int len = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[outSize], count = new int[outSize];
        double[] w = new double[outSize * len];
        for (int i = 0; i < outSize; i++) {
            double centre = (i + 0.5) * scale;
            int lo = Math.max((int) Math.floor(centre - support + 0.5), 0);
            int hi = Math.min((int) Math.floor(centre + support + 0.5), inSize);
            int n = Math.min(hi - lo, len);
            double sum = 0;
            for (int k = 0; k < n; k++) {
                double v = f.weight((lo + k - centre + 0.5) / fscale);
                w[i * len + k] = v;
                sum += v;
            }
            if (sum != 0) for (int k = 0; k < n; k++) w[i * len + k] /= sum;
            start[i] = lo;
            count[i] = n;
        }
        return new Weights(start, count, w, len);
    }
}
