// Shared storage for in-memory datasets of unsigned-byte images (IDX, CIFAR): one byte array of
// N·C·H·W pixels in CHW order plus one label per sample. Not a reader: formats parse elsewhere.
package io.tessera.ssl.data;

import java.util.List;
import java.util.Optional;

/** An in-memory dataset of unsigned-byte CHW images; get(i) scales pixels by 1/255. */
abstract class ByteImages implements Dataset {
    private final String name;
    private final byte[] pixels; // (N, C, H, W) unsigned bytes
    private final int[] labels;  // (N)
    private final int channels, height, width, numClasses;
    private final List<String> classNames;

    ByteImages(String name, byte[] pixels, int[] labels, int channels, int height, int width,
               int numClasses, List<String> classNames) {
        long need;
        try {
            need = Math.multiplyExact((long) labels.length, Image.values(channels, height, width));
        } catch (ArithmeticException e) {
            need = -1;
        }
        if (pixels.length != need) {
            throw new IllegalArgumentException(name + ": " + labels.length + " images of (" + channels + ", "
                    + height + ", " + width + ") need " + need + " pixels, got " + pixels.length);
        }
        if (classNames != null && classNames.size() != numClasses) {
            throw new IllegalArgumentException(name + ": " + classNames.size() + " class names for "
                    + numClasses + " classes");
        }
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.numClasses = numClasses;
        this.classNames = classNames == null ? null : List.copyOf(classNames);
    }

    @Override public int size() { return labels.length; }
    @Override public int channels() { return channels; }
    @Override public int height() { return height; }
    @Override public int width() { return width; }
    @Override public int numClasses() { return numClasses; }
    @Override public Optional<List<String>> classNames() { return Optional.ofNullable(classNames); }

    @Override
    public String name() {
        return name + " (" + size() + " × " + shapeString() + ", " + numClasses + " classes)";
    }

    /** Image i as floats p/255 in [0, 1]. */
    @Override
    public Sample get(int i) {
        checkIndex(i);
        int n = channels * height * width;
        float[] out = new float[n];
        int base = i * n;
        for (int k = 0; k < n; k++) out[k] = (pixels[base + k] & 0xff) / 255f;
        return new Sample(new Image(channels, height, width, out), labels[i]);
    }

    /** The label of sample i without decoding the image. */
    public int label(int i) {
        checkIndex(i);
        return labels[i];
    }

    /** Checks every label lies in [0, classes); names the file and the offending record. */
    static void checkLabels(String path, int[] labels, int classes, long firstOffset, long stride) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new DataFormatException(path, firstOffset + i * stride, "label " + labels[i]
                        + " of record " + i + " is outside [0, " + classes + ")");
            }
        }
    }
}
