// A float image in CHW layout with values nominally in [0, 1] (after Normalize, any real value).
// The value type that datasets return and augmentations consume; not a tensor (no device, no
// autograd) — the Loader turns batches of these into (B, C, H, W) tensors.
package io.tessera.ssl.data;

/**
 * An image of {@code channels × height × width} floats, channel-major:
 * {@code data[(c·height + y)·width + x]}.
 */
public record Image(int channels, int height, int width, float[] data) {
    public Image {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("Image: dimensions must be positive, got (C, H, W) = ("
                    + channels + ", " + height + ", " + width + ")");
        }
        long need = values(channels, height, width);
        if (data.length != need) {
            throw new IllegalArgumentException("Image: (C, H, W) = (" + channels + ", " + height + ", " + width
                    + ") needs " + need + " floats, got " + data.length);
        }
    }

    /**
     * C·H·W for positive sizes, computed without overflow; throws when it exceeds what one Java
     * array holds.
     */
    public static int values(long channels, long height, long width) {
        long n;
        try {
            n = Math.multiplyExact(Math.multiplyExact(channels, height), width);
        } catch (ArithmeticException e) {
            n = Long.MAX_VALUE;
        }
        if (n > MAX_VALUES) {
            throw new IllegalArgumentException("Image: (C, H, W) = (" + channels + ", " + height + ", " + width + ") has "
                    + (n == Long.MAX_VALUE ? "more than 2^63" : Long.toString(n)) + " values, more than the " + MAX_VALUES + " one array holds");
        }
        return (int) n;
    }

    /** Most values one image may hold: the largest Java array. */
    public static final int MAX_VALUES = Integer.MAX_VALUE - 8;

    /** A zero image of the given shape. */
    public static Image zeros(int channels, int height, int width) {
        return new Image(channels, height, width, new float[values(channels, height, width)]);
    }

    /** Value at channel {@code c}, row {@code y}, column {@code x}. */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** Number of values, C·H·W. */
    public int size() {
        return data.length;
    }

    /** The shape as "(C, H, W)" for messages. */
    public String shapeString() {
        return "(" + channels + ", " + height + ", " + width + ")";
    }
}
