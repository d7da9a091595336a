// Strict decoding of PNG and JPEG files to CHW float images: the container is verified first
// (ImageStructure: CRCs, zlib stream, markers, EOI), the size is bounded before any pixel is
// allocated, and every warning of the javax.imageio decoder is an error. Not a general image
// library: two formats, 8- and 16-bit, gray or colour.
package io.tessera.ssl.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Decodes PNG and JPEG files, refusing any file its decoder would only warn about. */
public final class ImageDecoder {
    /** Largest image accepted, in pixels (8192 × 8192), checked from the header before decoding. */
    public static final long MAX_PIXELS = 1L << 26;
    /** Largest image file accepted, in bytes. */
    public static final long MAX_FILE_BYTES = 1L << 30;

    private ImageDecoder() {
    }

    /**
     * Reads and decodes {@code file} into (channels, H, W) floats in [0, 1]: alpha is dropped,
     * gray is repeated for RGB, RGB becomes PIL luma (299·R + 587·G + 114·B)/1000 for 1 channel.
     *
     * @throws DataFormatException naming the file (and the byte offset where one applies) when
     *                             it cannot be read, is not a PNG or JPEG, fails a structural
     *                             check, is too large, or its decoder fails or warns
     */
    public static Image decode(Path file, int channels) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new DataFormatException(file.toString(), 0, "image file of " + size + " bytes is larger than the " + MAX_FILE_BYTES + " accepted");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read: " + e, e);
        }
        return decode(file.toString(), bytes, channels);
    }

    /** {@link #decode(Path, int)} of a file's bytes; {@code path} names it in errors. */
    public static Image decode(String path, byte[] bytes, int channels) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("ImageDecoder: channels must be 1 or 3, got " + channels);
        String format;
        ImageStructure.Size size;
        if (ImageStructure.isPng(bytes)) {
            format = "png";
            size = ImageStructure.verifyPng(path, bytes, MAX_PIXELS);
        } else if (ImageStructure.isJpeg(bytes)) {
            format = "jpeg";
            size = ImageStructure.verifyJpeg(path, bytes, MAX_PIXELS);
        } else {
            throw new DataFormatException(path, 0, "not a PNG or JPEG file (it does not start with either signature)");
        }
        BufferedImage bi = read(path, bytes, format, size);
        return toImage(bi, channels);
    }

    private static BufferedImage read(String path, byte[] bytes, String format, ImageStructure.Size size) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) throw new IllegalStateException("this JDK has no javax.imageio reader for " + format);
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try (MemoryCacheImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            int w = reader.getWidth(0), h = reader.getHeight(0);
            if (w != size.width() || h != size.height()) {
                throw new DataFormatException(path, -1, "the " + format + " decoder reads a size of " + w + " × " + h
                        + " where the file's header says " + size.width() + " × " + size.height());
            }
            BufferedImage bi = reader.read(0);
            if (!warnings.isEmpty()) {
                throw new DataFormatException(path, -1, "the " + format + " decoder warns: " + String.join("; ", warnings)
                        + " (a damaged or truncated file)");
            }
            if (bi.getWidth() != w || bi.getHeight() != h) {
                throw new DataFormatException(path, -1, "decoded " + bi.getWidth() + " × " + bi.getHeight() + " pixels, the header says " + w + " × " + h);
            }
            return bi;
        } catch (IOException | RuntimeException e) {
            if (e instanceof DataFormatException d) throw d;
            // a decoder failure on a file that passed the structural checks: corrupt pixel data
            throw new DataFormatException(path, -1, "cannot decode " + format + ": " + e + (warnings.isEmpty() ? "" : " (warnings: " + warnings + ")"), e);
        } finally {
            reader.dispose();
        }
    }

    private static Image toImage(BufferedImage bi, int channels) {
        int h = bi.getHeight(), w = bi.getWidth();
        float[] out = new float[Image.values(channels, h, w)];
        if (bi.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY && bi.getRaster().getNumBands() == 1) {
            // read gray samples directly: getRGB would apply a gamma conversion to linear gray
            double max = (1L << bi.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = (float) (bi.getRaster().getSample(x, y, 0) / max);
                    for (int c = 0; c < channels; c++) out[(c * h + y) * w + x] = v;
                }
            }
            return new Image(channels, h, w, out);
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            bi.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                int r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
                if (channels == 3) {
                    out[y * w + x] = r / 255f;
                    out[(h + y) * w + x] = g / 255f;
                    out[(2 * h + y) * w + x] = b / 255f;
                } else {
                    out[y * w + x] = (float) ((r * 299 + g * 587 + b * 114) / 1000.0 / 255.0);
                }
            }
        }
        return new Image(channels, h, w, out);
    }
}
