// The 8-bit image operations of timm's RandAugment as Pillow 9.4 defines them (ImageOps, ImageEnhance,
// ImageFilter.SMOOTH, Image.transform/rotate with bicubic resampling and a fill colour), on 1-channel
// ("L") and 3-channel ("RGB") images, reproduced to the last integer (checked against Pillow itself
// in the golden tests). No random choices here: RandAugment draws the arguments.
package io.tessera.ssl.data;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Pillow's point, enhance, filter and affine operations on {@link QuantizedImage}s. */
public final class PilImageOps {
    private PilImageOps() {
    }

    // ---- point operations (ImageOps) ------------------------------------------------------------------

    /** ImageOps.autocontrast (cutoff 0): per channel, [lo, hi] of the histogram stretched to [0, 255] by int(v·s − lo·s), s = 255/(hi − lo). */
    public static QuantizedImage autocontrast(QuantizedImage img) {
        int[][] luts = new int[img.channels()][];
        for (int c = 0; c < img.channels(); c++) {
            int[] h = histogram(img, c);
            int lo = 0, hi = 255;
            while (lo < 256 && h[lo] == 0) lo++;
            while (hi >= 0 && h[hi] == 0) hi--;
            int[] lut = identity();
            if (hi > lo) {
                double scale = 255.0 / (hi - lo), offset = -lo * scale;
                for (int i = 0; i < 256; i++) lut[i] = Math.clamp((int) (i * scale + offset), 0, 255);
            }
            luts[c] = lut;
        }
        return point(img, luts);
    }

    /**
     * ImageOps.equalize: per channel, with the non-zero histogram counts h⁺ and step = (Σh⁺ − last h⁺) div 255,
     * lut[i] = (step div 2 + Σ_{j&lt;i} h[j]) div step; the identity when step is 0 or one value is used.
     */
    public static QuantizedImage equalize(QuantizedImage img) {
        int[][] luts = new int[img.channels()][];
        for (int c = 0; c < img.channels(); c++) {
            int[] h = histogram(img, c);
            long total = 0, last = 0;
            int used = 0;
            for (int v : h) {
                if (v != 0) {
                    total += v;
                    last = v;
                    used++;
                }
            }
            int[] lut = identity();
            long step = used <= 1 ? 0 : (total - last) / 255;
            if (step != 0) {
                long n = step / 2;
                for (int i = 0; i < 256; i++) {
                    lut[i] = (int) (n / step);
                    n += h[i];
                }
            }
            luts[c] = lut;
        }
        return point(img, luts);
    }

    /** ImageOps.invert: 255 − v. */
    public static QuantizedImage invert(QuantizedImage img) {
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) lut[i] = 255 - i;
        return point(img, lut);
    }

    /** ImageOps.posterize: keep the {@code bits} most significant bits, v &amp; ~(2^(8 − bits) − 1); 8 bits or more is the identity. */
    public static QuantizedImage posterize(QuantizedImage img, int bits) {
        if (bits < 0) throw new IllegalArgumentException("posterize: bits must be ≥ 0, got " + bits);
        if (bits >= 8) return img;
        int mask = ~((1 << (8 - bits)) - 1);
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) lut[i] = i & mask;
        return point(img, lut);
    }

    /** ImageOps.solarize: v &lt; threshold ? v : 255 − v. */
    public static QuantizedImage solarize(QuantizedImage img, int threshold) {
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) lut[i] = i < threshold ? i : 255 - i;
        return point(img, lut);
    }

    /** timm's solarize_add: v &lt; threshold ? min(255, v + add) : v. */
    public static QuantizedImage solarizeAdd(QuantizedImage img, int add, int threshold) {
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) lut[i] = i < threshold ? Math.min(255, i + add) : i;
        return point(img, lut);
    }

    // ---- enhancements (ImageEnhance): blend(degenerate, image, factor) -------------------------------

    /** ImageEnhance.Color: blend with the grey image (luma replicated); the identity on 1-channel images. */
    public static QuantizedImage color(QuantizedImage img, double factor) {
        if (img.channels() == 1) return blend(img, img, factor);
        int[] l = luma(img);
        int n = img.plane();
        int[] d = new int[img.data().length];
        for (int c = 0; c < 3; c++) System.arraycopy(l, 0, d, c * n, n);
        return blend(img.with(d), img, factor);
    }

    /** ImageEnhance.Contrast: blend with a constant image of int(mean luma + 0.5). */
    public static QuantizedImage contrast(QuantizedImage img, double factor) {
        int[] l = img.channels() == 1 ? img.data() : luma(img);
        long sum = 0;
        for (int v : l) sum += v;
        int mean = (int) ((double) sum / l.length + 0.5);
        int[] d = new int[img.data().length];
        java.util.Arrays.fill(d, mean);
        return blend(img.with(d), img, factor);
    }

    /** ImageEnhance.Brightness: blend with black. */
    public static QuantizedImage brightness(QuantizedImage img, double factor) {
        return blend(img.with(new int[img.data().length]), img, factor);
    }

    /** ImageEnhance.Sharpness: blend with {@link #smooth}. */
    public static QuantizedImage sharpness(QuantizedImage img, double factor) {
        return blend(smooth(img), img, factor);
    }

    /**
     * Image.blend(a, b, α) with α rounded to float as Pillow does: out = (uint8)(a + α·(b − a)) in float
     * arithmetic; outside α ∈ [0, 1] the result is clipped to [0, 255].
     */
    public static QuantizedImage blend(QuantizedImage a, QuantizedImage b, double alpha) {
        float al = (float) alpha;
        if (al == 0f) return a;
        if (al == 1f) return b;
        int[] x = a.data(), y = b.data(), out = new int[x.length];
        boolean inside = al >= 0 && al <= 1f;
        for (int i = 0; i < x.length; i++) {
            float t = x[i] + al * (float) (y[i] - x[i]);
            out[i] = inside ? (int) t : t <= 0f ? 0 : t >= 255f ? 255 : (int) t;
        }
        return a.with(out);
    }

    /**
     * ImageFilter.SMOOTH: the 3×3 kernel (1 1 1 / 1 5 1 / 1 1 1)/13 in float with +0.5 rounding and
     * truncation; the one-pixel border is copied, and images smaller than 3×3 are returned as they are.
     */
    public static QuantizedImage smooth(QuantizedImage img) {
        int h = img.height(), w = img.width();
        if (h < 3 || w < 3) return img;
        float k1 = 1f / 13f, k5 = 5f / 13f;
        int[] in = img.data(), out = in.clone();
        for (int c = 0; c < img.channels(); c++) {
            int base = c * h * w;
            for (int y = 1; y < h - 1; y++) {
                int r1 = base + (y + 1) * w, r0 = base + y * w, rm = base + (y - 1) * w;
                for (int x = 1; x < w - 1; x++) {
                    float ss = 0.5f;
                    ss += (in[r1 + x - 1] * k1 + in[r1 + x] * k1) + in[r1 + x + 1] * k1;
                    ss += (in[r0 + x - 1] * k1 + in[r0 + x] * k5) + in[r0 + x + 1] * k1;
                    ss += (in[rm + x - 1] * k1 + in[rm + x] * k1) + in[rm + x + 1] * k1;
                    out[r0 + x] = ss <= 0f ? 0 : ss >= 255f ? 255 : (int) ss;
                }
            }
        }
        return img.with(out);
    }

    // ---- geometry (Image.transform AFFINE, Image.rotate) with bicubic resampling ----------------------

    /**
     * Image.transform(size, AFFINE, (a, b, c, d, e, f), BICUBIC, fillcolor): output pixel (x, y) samples the
     * input at (a·(x+½) + b·(y+½) + c, d·(x+½) + e·(y+½) + f) with Pillow's cubic (a = −1) and edge rows
     * repeated; pixels that fall outside the input keep {@code fill} (one value per channel).
     */
    public static QuantizedImage affine(QuantizedImage img, double[] m, int[] fill) {
        if (m.length != 6) throw new IllegalArgumentException("affine: need 6 coefficients, got " + m.length);
        if (fill.length != img.channels()) {
            throw new IllegalArgumentException("affine: " + fill.length + " fill value(s) for an image of " + img.channels() + " channel(s)");
        }
        int h = img.height(), w = img.width(), n = h * w;
        int[] in = img.data(), out = new int[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double xi = x + 0.5, yi = y + 0.5;
                double sx = m[0] * xi + m[1] * yi + m[2], sy = m[3] * xi + m[4] * yi + m[5];
                for (int c = 0; c < img.channels(); c++) {
                    out[c * n + y * w + x] = sx < 0.0 || sx >= w || sy < 0.0 || sy >= h ? fill[c] : bicubic(in, c * n, w, h, sx, sy);
                }
            }
        }
        return img.with(out);
    }

    /**
     * Image.rotate(degrees, BICUBIC, fillcolor) about the centre (w/2, h/2), counter-clockwise: multiples
     * of 360° copy, 180° (and 90°/270° on square images) transpose exactly, everything else goes through
     * {@link #affine} with Pillow's matrix (cos, sin rounded to 15 decimals).
     */
    public static QuantizedImage rotate(QuantizedImage img, double degrees, int[] fill) {
        double angle = degrees % 360.0;
        if (angle != 0 && angle < 0) angle += 360.0; // Python's float modulo takes the divisor's sign
        int w = img.width(), h = img.height();
        if (angle == 0) return img;
        if (angle == 180) return quarterTurns(img, 2);
        if ((angle == 90 || angle == 270) && w == h) return quarterTurns(img, angle == 90 ? 1 : 3);
        double a = -(angle * (Math.PI / 180.0));
        double cos = round15(Math.cos(a)), sin = round15(Math.sin(a)), nsin = round15(-Math.sin(a));
        double cx = w / 2.0, cy = h / 2.0;
        double[] m = {cos, sin, 0.0, nsin, cos, 0.0};
        double tx = m[0] * -cx + m[1] * -cy + m[2], ty = m[3] * -cx + m[4] * -cy + m[5];
        m[2] = tx + cx;
        m[5] = ty + cy;
        return affine(img, m, fill);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** Pillow's RGB → L: (299·R + 587·G + 114·B)/1000 as (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16. */
    static int[] luma(QuantizedImage img) {
        if (img.channels() != 3) throw new IllegalArgumentException("luma needs a 3-channel image, got " + img.channels() + " channel(s)");
        int n = img.plane();
        int[] d = img.data(), l = new int[n];
        for (int i = 0; i < n; i++) l[i] = (d[i] * 19595 + d[n + i] * 38470 + d[2 * n + i] * 7471 + 0x8000) >> 16;
        return l;
    }

    private static int[] histogram(QuantizedImage img, int c) {
        int[] h = new int[256];
        int n = img.plane();
        for (int i = c * n; i < (c + 1) * n; i++) h[img.data()[i]]++;
        return h;
    }

    private static int[] identity() {
        int[] lut = new int[256];
        for (int i = 0; i < 256; i++) lut[i] = i;
        return lut;
    }

    private static QuantizedImage point(QuantizedImage img, int[] lut) {
        int[][] all = new int[img.channels()][];
        java.util.Arrays.fill(all, lut);
        return point(img, all);
    }

    private static QuantizedImage point(QuantizedImage img, int[][] luts) {
        int n = img.plane();
        int[] in = img.data(), out = new int[in.length];
        for (int c = 0; c < img.channels(); c++) {
            for (int i = c * n; i < (c + 1) * n; i++) out[i] = Math.clamp(luts[c][in[i]], 0, 255); // Pillow clips table entries to 8 bits
        }
        return img.with(out);
    }

    /** Pillow's bicubic_filter8 at (sx, sy) inside the image: the 4×4 neighbourhood, columns clamped, missing rows repeated. */
    private static int bicubic(int[] in, int off, int w, int h, double sx, double sy) {
        double xin = sx - 0.5, yin = sy - 0.5;
        int x = floor(xin), y = floor(yin);
        double dx = xin - x, dy = yin - y;
        x--;
        y--;
        int x0 = Math.clamp(x, 0, w - 1), x1 = Math.clamp(x + 1, 0, w - 1), x2 = Math.clamp(x + 2, 0, w - 1), x3 = Math.clamp(x + 3, 0, w - 1);
        int row = off + Math.clamp(y, 0, h - 1) * w;
        double v1 = cubic(in[row + x0], in[row + x1], in[row + x2], in[row + x3], dx);
        double v2 = v1, v3, v4;
        if (y + 1 >= 0 && y + 1 < h) v2 = cubicRow(in, off + (y + 1) * w, x0, x1, x2, x3, dx);
        v3 = y + 2 >= 0 && y + 2 < h ? cubicRow(in, off + (y + 2) * w, x0, x1, x2, x3, dx) : v2;
        v4 = y + 3 >= 0 && y + 3 < h ? cubicRow(in, off + (y + 3) * w, x0, x1, x2, x3, dx) : v3;
        double v = cubic(v1, v2, v3, v4, dy);
        return v <= 0.0 ? 0 : v >= 255.0 ? 255 : (int) v;
    }

    private static double cubicRow(int[] in, int row, int x0, int x1, int x2, int x3, double d) {
        return cubic(in[row + x0], in[row + x1], in[row + x2], in[row + x3], d);
    }

    /** Pillow's BICUBIC macro: p1 + d·(p2 + d·(p3 + d·p4)). */
    private static double cubic(double v1, double v2, double v3, double v4, double d) {
        double p1 = v2;
        double p2 = -v1 + v3;
        double p3 = 2 * (v1 - v2) + v3 - v4;
        double p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

    private static int floor(double v) {
        return v < 0.0 ? (int) Math.floor(v) : (int) v;
    }

    /** Python's round(v, 15): the exact binary value rounded half-even at the 15th decimal. */
    private static double round15(double v) {
        return new BigDecimal(v).setScale(15, RoundingMode.HALF_EVEN).doubleValue();
    }

    /** Rotation by k quarter turns counter-clockwise (Pillow's transposes). */
    private static QuantizedImage quarterTurns(QuantizedImage img, int k) {
        int h = img.height(), w = img.width(), n = h * w;
        int oh = k % 2 == 0 ? h : w, ow = k % 2 == 0 ? w : h;
        int[] in = img.data(), out = new int[in.length];
        for (int c = 0; c < img.channels(); c++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int sx, sy;
                    switch (k) {
                        case 1 -> { sx = w - 1 - y; sy = x; }          // ROTATE_90: out(x, y) = in(w−1−y, x)
                        case 2 -> { sx = w - 1 - x; sy = h - 1 - y; }  // ROTATE_180
                        default -> { sx = y; sy = h - 1 - x; }         // ROTATE_270
                    }
                    out[c * n + y * ow + x] = in[c * n + sy * w + sx];
                }
            }
        }
        return new QuantizedImage(img.channels(), oh, ow, out);
    }
}
