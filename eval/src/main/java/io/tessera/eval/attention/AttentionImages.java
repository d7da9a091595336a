package io.tessera.eval.attention;

// Pictures of attention and Grad-CAM maps on their input images (java.awt BufferedImage, no chart
// library): patch-grid maps upsampled by nearest neighbour (DINO) or bilinearly as cv2.resize's
// INTER_LINEAR (Grad-CAM), the JET colour map, pytorch-grad-cam's show_cam_on_image blend
// (0.5·heat + 0.5·image, divided by its max), DINO's mass-threshold outline, and labelled grids.

import io.tessera.ssl.data.Image;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Overlays and image grids for attention maps. */
public final class AttentionImages {
    /** pytorch-grad-cam's default weight of the image in the overlay. */
    public static final double IMAGE_WEIGHT = 0.5;

    private AttentionImages() {
    }

    /** JET (MATLAB, OpenCV): (r, g, b) = clip(1.5 − |4v − k|, 0, 1) for k = 3, 2, 1; v clipped to [0, 1]. */
    public static double[] jet(double v) {
        double x = Math.min(1, Math.max(0, v));
        return new double[] {clip(1.5 - Math.abs(4 * x - 3)), clip(1.5 - Math.abs(4 * x - 2)), clip(1.5 - Math.abs(4 * x - 1))};
    }

    private static double clip(double v) {
        return Math.min(1, Math.max(0, v));
    }

    /** A side×side grid map repeated over factor×factor pixels each (nearest upsampling), row-major. */
    public static double[] upsampleNearest(double[] grid, int side, int factor) {
        if (grid.length != side * side || factor < 1) throw new IllegalArgumentException("nearest upsampling: " + grid.length + " values for a " + side + "² grid, factor " + factor);
        int n = side * factor;
        double[] out = new double[n * n];
        for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) out[y * n + x] = grid[(y / factor) * side + x / factor];
        return out;
    }

    /**
     * Bilinear resize of an sh×sw map to dh×dw as cv2.resize with INTER_LINEAR: the source coordinate of
     * destination pixel x is (x + 0.5)·sw/dw − 0.5, clamped to the border.
     */
    public static double[] resizeBilinear(double[] src, int sh, int sw, int dh, int dw) {
        if (src.length != sh * sw || dh < 1 || dw < 1) throw new IllegalArgumentException("bilinear resize: " + src.length + " values are not " + sh + "×" + sw);
        double[] out = new double[dh * dw];
        for (int y = 0; y < dh; y++) {
            double fy = Math.min(sh - 1, Math.max(0, (y + 0.5) * sh / dh - 0.5));
            int y0 = (int) Math.floor(fy), y1 = Math.min(y0 + 1, sh - 1);
            double wy = fy - y0;
            for (int x = 0; x < dw; x++) {
                double fx = Math.min(sw - 1, Math.max(0, (x + 0.5) * sw / dw - 0.5));
                int x0 = (int) Math.floor(fx), x1 = Math.min(x0 + 1, sw - 1);
                double wx = fx - x0;
                double top = src[y0 * sw + x0] * (1 - wx) + src[y0 * sw + x1] * wx;
                double bottom = src[y1 * sw + x0] * (1 - wx) + src[y1 * sw + x1] * wx;
                out[y * dw + x] = top * (1 - wy) + bottom * wy;
            }
        }
        return out;
    }

    /** Min-max scaling to [0, 1] (a constant map becomes 0). */
    public static double[] minMax(double[] v) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = hi > lo ? (v[i] - lo) / (hi - lo) : 0;
        return out;
    }

    /** The image (C = 1 or 3, values in [0, 1]) as RGB in [0, 1], pixel-major (H·W·3). */
    public static double[] rgb(Image img) {
        if (img.channels() != 1 && img.channels() != 3) throw new IllegalArgumentException("images to draw need 1 or 3 channels, got " + img.shapeString());
        int n = img.height() * img.width();
        double[] out = new double[n * 3];
        for (int p = 0; p < n; p++) {
            for (int c = 0; c < 3; c++) out[p * 3 + c] = clip(img.data()[(img.channels() == 1 ? 0 : c) * n + p]);
        }
        return out;
    }

    /** The image alone, as an 8-bit RGB picture. */
    public static BufferedImage picture(Image img) {
        return toImage(rgb(img), img.height(), img.width());
    }

    /**
     * show_cam_on_image: out = (1 − w)·JET(heat) + w·image, divided by its maximum, as 8-bit RGB.
     *
     * @param heat H×W values in [0, 1] at the image's size
     */
    public static BufferedImage overlay(Image img, double[] heat, double imageWeight) {
        int h = img.height(), w = img.width();
        if (heat.length != h * w) throw new IllegalArgumentException("overlay: a map of " + heat.length + " values on a " + h + "×" + w + " image");
        if (!(imageWeight >= 0 && imageWeight <= 1)) throw new IllegalArgumentException("overlay image weight must be in [0, 1], got " + imageWeight);
        double[] base = rgb(img), out = new double[base.length];
        double max = 0;
        for (int p = 0; p < h * w; p++) {
            double[] c = jet(heat[p]);
            for (int k = 0; k < 3; k++) {
                out[p * 3 + k] = (1 - imageWeight) * c[k] + imageWeight * base[p * 3 + k];
                max = Math.max(max, out[p * 3 + k]);
            }
        }
        if (max > 0) for (int i = 0; i < out.length; i++) out[i] /= max;
        return toImage(out, h, w);
    }

    /** Draws the outline of {@code mask} (H×W, true inside) in white over {@code img} (modified). */
    public static BufferedImage outline(BufferedImage img, boolean[] mask) {
        int h = img.getHeight(), w = img.getWidth();
        if (mask.length != h * w) throw new IllegalArgumentException("outline: a mask of " + mask.length + " pixels on a " + h + "×" + w + " image");
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!mask[y * w + x]) continue;
                boolean edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 || !mask[y * w + x - 1] || !mask[y * w + x + 1] || !mask[(y - 1) * w + x] || !mask[(y + 1) * w + x];
                if (edge) img.setRGB(x, y, 0xffffff);
            }
        }
        return img;
    }

    /**
     * The picture scaled to {@code side} pixels on its longer side: by nearest neighbour when enlarged
     * (small images stay crisp), bilinearly when reduced.
     */
    public static BufferedImage fit(BufferedImage img, int side) {
        if (side < 1) throw new IllegalArgumentException("picture side must be ≥ 1, got " + side);
        int longer = Math.max(img.getWidth(), img.getHeight());
        int w = Math.max(1, Math.round((float) img.getWidth() * side / longer)), h = Math.max(1, Math.round((float) img.getHeight() * side / longer));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, side >= longer ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    /** Writes the picture as a PNG file atomically. */
    public static void writePng(BufferedImage img, java.nio.file.Path file) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        if (!javax.imageio.ImageIO.write(img, "png", bytes)) throw new java.io.IOException("no PNG writer for " + file);
        io.tessera.tensor.io.AtomicFiles.write(file, bytes.toByteArray());
    }

    private static BufferedImage toImage(double[] rgb, int h, int w) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < h * w; p++) {
            int r = (int) Math.round(255 * clip(rgb[p * 3])), g = (int) Math.round(255 * clip(rgb[p * 3 + 1])), b = (int) Math.round(255 * clip(rgb[p * 3 + 2]));
            out.setRGB(p % w, p / w, (r << 16) | (g << 8) | b);
        }
        return out;
    }

    /**
     * A labelled grid: a title, one header per column, one label per row, and the cells (all of one
     * size) with a small gap, on white. A column is as wide as its cells or its header, whichever is
     * wider, with the cells centred in it.
     */
    public static BufferedImage grid(String title, List<String> columns, List<String> rows, List<List<BufferedImage>> cells) {
        if (cells.isEmpty() || cells.size() != rows.size()) throw new IllegalArgumentException("image grid: " + cells.size() + " rows of cells for " + rows.size() + " row labels");
        int cw = cells.get(0).get(0).getWidth(), ch = cells.get(0).get(0).getHeight(), gap = 6;
        for (List<BufferedImage> r : cells) {
            if (r.size() != columns.size()) throw new IllegalArgumentException("image grid: a row has " + r.size() + " cells for " + columns.size() + " columns");
            for (BufferedImage c : r) if (c.getWidth() != cw || c.getHeight() != ch) throw new IllegalArgumentException("image grid: cells differ in size");
        }
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 13), bold = new Font(Font.SANS_SERIF, Font.BOLD, 15);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        FontMetrics fm = probe.createGraphics().getFontMetrics(font);
        int labelW = 0;
        for (String r : rows) labelW = Math.max(labelW, fm.stringWidth(r));
        labelW += 12;
        int colW = cw;
        for (String c : columns) colW = Math.max(colW, fm.stringWidth(c) + 8);
        int inset = (colW - cw) / 2;
        int top = 30 + fm.getHeight() + 6;
        int width = Math.max(labelW + columns.size() * (colW + gap) + gap, probe.createGraphics().getFontMetrics(bold).stringWidth(title) + 20);
        int height = top + rows.size() * (ch + gap) + gap;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(new Color(0x222222));
        g.setFont(bold);
        g.drawString(title, 10, 20);
        g.setFont(font);
        for (int c = 0; c < columns.size(); c++) {
            String s = columns.get(c);
            int x = labelW + c * (colW + gap) + (colW - fm.stringWidth(s)) / 2;
            g.drawString(s, Math.max(labelW + c * (colW + gap), x), top - 8);
        }
        for (int r = 0; r < rows.size(); r++) {
            int y = top + r * (ch + gap);
            g.drawString(rows.get(r), 6, y + ch / 2 + fm.getAscent() / 2);
            for (int c = 0; c < columns.size(); c++) g.drawImage(cells.get(r).get(c), labelW + c * (colW + gap) + inset, y, null);
        }
        g.dispose();
        return out;
    }
}
