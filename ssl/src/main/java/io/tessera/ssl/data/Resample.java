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
        if (h <= 0 || w <= 0 || top < 0 || left < 0 || (long) top + h > src.height() || (long) left + w > src.width()) {
            throw new IllegalArgumentException("resizeBox: box rows [" + top + ", " + ((long) top + h) + ") × columns ["
                    + left + ", " + ((long) left + w) + ") is not inside the image " + src.shapeString());
        }
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("resizeBox: output size " + outH + " × " + outW + " must be positive");
        }
        return window(src, top, left, h, w, outH, outW, 0, 0, outH, outW, f, clamp);
    }

    /**
     * Rows [wTop, wTop + wH) × columns [wLeft, wLeft + wW) of {@code resizeBox(src, top, left, h,
     * w, outH, outW)}, computed without the rest of it: bitwise the values a crop of the full
     * resize would give, with memory for the window only (the full output may exceed an array).
     */
    static Image window(Image src, int top, int left, int h, int w, long outH, long outW,
                        long wTop, long wLeft, int wH, int wW, Interpolation f, boolean clamp) {
        if (wTop < 0 || wLeft < 0 || wH <= 0 || wW <= 0 || wTop + wH > outH || wLeft + wW > outW) {
            throw new IllegalArgumentException("resize window rows [" + wTop + ", " + (wTop + wH) + ") × columns [" + wLeft + ", "
                    + (wLeft + wW) + ") is not inside the " + outH + " × " + outW + " output");
        }
        int c = src.channels(), sw = src.width();
        float[] out = new float[Image.values(c, wH, wW)]; // bounded before anything else is allocated
        Weights wx = weights(w, outW, wLeft, wW, f), wy = weights(h, outH, wTop, wH, f);
        int r0 = h, r1 = 0; // box rows [r0, r1) that the window's output rows read
        for (int y = 0; y < wH; y++) {
            if (wy.count[y] == 0) continue;
            r0 = Math.min(r0, wy.start[y]);
            r1 = Math.max(r1, wy.start[y] + wy.count[y]);
        }
        int rows = Math.max(0, r1 - r0);
        // horizontal pass: (C, rows, wW)
        float[] tmp = new float[rows == 0 ? 0 : Image.values(c, rows, wW)];
        float[] s = src.data();
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < rows; y++) {
                int row = (ch * src.height() + top + r0 + y) * sw + left;
                int trow = (ch * rows + y) * wW;
                for (int x = 0; x < wW; x++) {
                    double acc = 0;
                    int o = x * wx.len;
                    for (int k = 0; k < wx.count[x]; k++) acc += wx.w[o + k] * s[row + wx.start[x] + k];
                    tmp[trow + x] = (float) acc;
                }
            }
        }
        // vertical pass: (C, wH, wW)
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < wH; y++) {
                int o = y * wy.len;
                int orow = (ch * wH + y) * wW;
                for (int x = 0; x < wW; x++) {
                    double acc = 0;
                    for (int k = 0; k < wy.count[y]; k++) acc += wy.w[o + k] * tmp[(ch * rows + wy.start[y] - r0 + k) * wW + x];
                    float v = (float) acc;
                    out[orow + x] = clamp ? Math.min(1f, Math.max(0f, v)) : v;
                }
            }
        }
        return new Image(c, wH, wW, out);
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
        long[] o = shorterSide(src.height(), src.width(), size);
        if (o[0] == src.height() && o[1] == src.width()) return src;
        if (o[0] > Integer.MAX_VALUE || o[1] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("resizeShorter: " + src.shapeString() + " to shorter side " + size + " is " + o[0] + " × " + o[1]
                    + ", larger than an image can be (crop a window of it instead)");
        }
        return resize(src, (int) o[0], (int) o[1], f);
    }

    /** The size (H', W') of {@link #resizeShorter}: shorter side {@code size}, longer floor(size · long / short). */
    static long[] shorterSide(int h, int w, int size) {
        if (size <= 0) throw new IllegalArgumentException("resize: shorter side " + size + " must be positive");
        return h <= w ? new long[] {size, (long) size * w / h} : new long[] {(long) size * h / w, size};
    }

    /**
     * {@code centerCrop(resizeShorter(src, size, f), crop, crop)} (torchvision's Resize(size) then
     * CenterCrop(crop)), bitwise, resampling only the kept window: an image of extreme aspect
     * ratio costs no more than a square one.
     */
    public static Image resizeShorterCenterCrop(Image src, int size, int crop, Interpolation f) {
        long[] o = shorterSide(src.height(), src.width(), size);
        if (crop <= 0 || crop > o[0] || crop > o[1]) {
            throw new IllegalArgumentException("resizeShorterCenterCrop: crop " + crop + " does not fit the " + o[0] + " × " + o[1]
                    + " resize of " + src.shapeString());
        }
        long top = (long) Math.rint((o[0] - crop) / 2.0), left = (long) Math.rint((o[1] - crop) / 2.0);
        if (o[0] == src.height() && o[1] == src.width()) return crop(src, (int) top, (int) left, crop, crop);
        return window(src, 0, 0, src.height(), src.width(), o[0], o[1], top, left, crop, crop, f, true);
    }

    /**
     * The crop × crop window at ({@code top}, {@code left}) of {@code reflectPad(resizeShorter(src,
     * size, f), padding)}, bitwise, resampling only what the window reads.
     */
    static Image resizeShorterPadCrop(Image src, int size, int padding, long top, long left, int crop, Interpolation f) {
        long[] o = shorterSide(src.height(), src.width(), size);
        long oh = o[0], ow = o[1];
        if (padding < 0 || padding >= oh || padding >= ow) {
            throw new IllegalArgumentException("reflectPad: padding " + padding + " needs 0 <= p < min(H, W) for the " + oh + " × " + ow + " resize");
        }
        if (crop <= 0 || top < 0 || left < 0 || top + crop > oh + 2L * padding || left + crop > ow + 2L * padding) {
            throw new IllegalArgumentException("crop " + crop + " at (" + top + ", " + left + ") is not inside the padded " + (oh + 2L * padding)
                    + " × " + (ow + 2L * padding) + " resize of " + src.shapeString());
        }
        long[] sy = new long[crop], sx = new long[crop];
        long r0 = Long.MAX_VALUE, r1 = -1, c0 = Long.MAX_VALUE, c1 = -1;
        for (int i = 0; i < crop; i++) {
            sy[i] = reflect(top + i - padding, oh);
            sx[i] = reflect(left + i - padding, ow);
            r0 = Math.min(r0, sy[i]);
            r1 = Math.max(r1, sy[i]);
            c0 = Math.min(c0, sx[i]);
            c1 = Math.max(c1, sx[i]);
        }
        int wh = (int) (r1 - r0 + 1), ww = (int) (c1 - c0 + 1);
        Image win = oh == src.height() && ow == src.width() ? crop(src, (int) r0, (int) c0, wh, ww)
                : window(src, 0, 0, src.height(), src.width(), oh, ow, r0, c0, wh, ww, f, true);
        int c = src.channels();
        float[] in = win.data(), out = new float[Image.values(c, crop, crop)];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < crop; y++) {
                int row = (ch * wh + (int) (sy[y] - r0)) * ww;
                for (int x = 0; x < crop; x++) out[(ch * crop + y) * crop + x] = in[row + (int) (sx[x] - c0)];
            }
        }
        return new Image(c, crop, crop, out);
    }

    /** The sub-image rows [top, top+h) × columns [left, left+w), copied. */
    public static Image crop(Image src, int top, int left, int h, int w) {
        if (h <= 0 || w <= 0 || top < 0 || left < 0 || (long) top + h > src.height() || (long) left + w > src.width()) {
            throw new IllegalArgumentException("crop: box rows [" + top + ", " + (top + h) + ") × columns ["
                    + left + ", " + (left + w) + ") is not inside the image " + src.shapeString());
        }
        int c = src.channels();
        float[] out = new float[Image.values(c, h, w)];
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
        int oh = Math.addExact(h, 2 * p), ow = Math.addExact(w, 2 * p);
        float[] in = src.data(), out = new float[Image.values(c, oh, ow)];
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

    private static long reflect(long i, long n) {
        if (i < 0) return -i;
        if (i >= n) return 2 * n - 2 - i;
        return i;
    }

    private record Weights(int[] start, int[] count, double[] w, int len) {
    }

    /**
     * PIL-style coefficients mapping inSize → outSize, for the output indices [from, from + n).
     * Each index gets the coefficients it gets in the full mapping; rows hold min(len, inSize)
     * slots, as no index reads more than inSize pixels.
     */
    private static Weights weights(int inSize, long outSize, long from, int n, Interpolation f) {
        double scale = (double) inSize / outSize;
        double fscale = Math.max(scale, 1.0);
        double support = f.support() * fscale;
        int len = (int) Math.min(inSize, (long) Math.ceil(support) * 2 + 1);
        if ((long) n * len > Image.MAX_VALUES) {
            throw new IllegalArgumentException("resize " + inSize + " → " + outSize + ": " + n + " × " + len + " filter weights do not fit an array");
        }
        int[] start = new int[n], count = new int[n];
        double[] w = new double[n * len];
        for (int i = 0; i < n; i++) {
            double centre = (from + i + 0.5) * scale;
            int lo = (int) Math.max(Math.floor(centre - support + 0.5), 0);
            int hi = (int) Math.min(Math.floor(centre + support + 0.5), inSize);
            int m = Math.min(hi - lo, len);
            double sum = 0;
            for (int k = 0; k < m; k++) {
                double v = f.weight((lo + k - centre + 0.5) / fscale);
                w[i * len + k] = v;
                sum += v;
            }
            if (sum != 0) for (int k = 0; k < m; k++) w[i * len + k] /= sum;
            start[i] = lo;
            count[i] = m;
        }
        return new Weights(start, count, w, len);
    }
}
