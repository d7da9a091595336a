// An 8-bit image (values 0…255 held in ints), channel-major like Image: the form Pillow's
// operations work on. RandAugment quantises a float image to it, runs Pillow's definitions and
// converts back. Not a dataset format and not a tensor.
package io.tessera.ssl.data;

/** {@code channels × height × width} values in [0, 255], {@code data[(c·height + y)·width + x]}. */
public record QuantizedImage(int channels, int height, int width, int[] data) {
    public QuantizedImage {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("QuantizedImage: dimensions must be positive, got (" + channels + ", " + height + ", " + width + ")");
        }
        if (data.length != Image.values(channels, height, width)) {
            throw new IllegalArgumentException("QuantizedImage: (" + channels + ", " + height + ", " + width + ") needs "
                    + Image.values(channels, height, width) + " values, got " + data.length);
        }
        for (int v : data) {
            if (v < 0 || v > 255) throw new IllegalArgumentException("QuantizedImage: value " + v + " outside [0, 255]");
        }
    }

    /** q = clamp(⌊255·x + ½⌋, 0, 255) per value (the 8-bit image a [0, 1] float image stands for). */
    public static QuantizedImage of(Image img) {
        float[] in = img.data();
        int[] out = new int[in.length];
        for (int i = 0; i < in.length; i++) {
            double v = Math.floor(255.0 * in[i] + 0.5);
            out[i] = v <= 0 ? 0 : v >= 255 ? 255 : (int) v;
        }
        return new QuantizedImage(img.channels(), img.height(), img.width(), out);
    }

    /** The float image q / 255. */
    public Image toImage() {
        float[] out = new float[data.length];
        for (int i = 0; i < data.length; i++) out[i] = data[i] / 255f;
        return new Image(channels, height, width, out);
    }

    /** A new image of this shape holding {@code values} (checked). */
    QuantizedImage with(int[] values) {
        return new QuantizedImage(channels, height, width, values);
    }

    /** Pixels per channel, H·W. */
    int plane() {
        return height * width;
    }
}
