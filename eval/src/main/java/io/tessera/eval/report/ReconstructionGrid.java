package io.tessera.eval.report;

import java.awt.image.BufferedImage;

/**
 * The MAE visualisation as one image: for each sample a row of four panels — original, masked
 * (removed patches grey), reconstruction, and reconstruction with the visible patches pasted
 * back — as in the official demo notebook. Inputs are host arrays in (B, C, H, W) layout,
 * already de-normalised to display units; values are clamped to [0, 1].
 */
public final class ReconstructionGrid {
    private ReconstructionGrid() {
    }

    /**
     * @param original       (B, C, H, W) original images
     * @param reconstruction (B, C, H, W) the model's prediction for every patch
     * @param mask           (B, L) 1 = masked, over the (H/P)×(W/P) patch grid
     * @param scale          pixel replication factor for small images (e.g. 4 for 28×28)
     */
    public static BufferedImage render(float[] original, float[] reconstruction, float[] mask, int b, int c, int h, int w,
                                       int patch, int scale) {
        if (c != 1 && c != 3) throw new IllegalArgumentException("images need 1 or 3 channels, got " + c);
        if (original.length != b * c * h * w || reconstruction.length != original.length || mask.length != b * (h / patch) * (w / patch)) {
            throw new IllegalArgumentException("reconstruction grid: sizes do not match (B, C, H, W) = (" + b + ", " + c + ", " + h + ", " + w + ") with patch " + patch);
        }
        int gap = 2 * scale, pw = w * scale, ph = h * scale;
        BufferedImage img = new BufferedImage(4 * pw + 5 * gap, b * ph + (b + 1) * gap, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) img.setRGB(x, y, 0xffffff);
        int gw = w / patch;
        for (int n = 0; n < b; n++) {
            for (int panel = 0; panel < 4; panel++) {
                int ox = gap + panel * (pw + gap), oy = gap + n * (ph + gap);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        boolean masked = mask[n * (h / patch) * gw + (y / patch) * gw + x / patch] > 0.5f;
                        int rgb;
                        if (panel == 1 && masked) rgb = 0x808080;
                        else {
                            float[] src = panel == 0 || (panel == 1) || (panel == 3 && !masked) ? original : reconstruction;
                            rgb = pixel(src, n, c, h, w, y, x);
                        }
                        for (int dy = 0; dy < scale; dy++) for (int dx = 0; dx < scale; dx++) img.setRGB(ox + x * scale + dx, oy + y * scale + dy, rgb);
                    }
                }
            }
        }
        return img;
    }

    private static int pixel(float[] a, int n, int c, int h, int w, int y, int x) {
        int r, g, bl;
        if (c == 1) {
            r = g = bl = byteOf(a[(n * h + y) * w + x]);
        } else {
            r = byteOf(a[((n * 3) * h + y) * w + x]);
            g = byteOf(a[((n * 3 + 1) * h + y) * w + x]);
            bl = byteOf(a[((n * 3 + 2) * h + y) * w + x]);
        }
        return (r << 16) | (g << 8) | bl;
    }

    private static int byteOf(float v) {
        if (Float.isNaN(v)) return 0;
        return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    }
}
