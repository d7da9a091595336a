// Repeats a 1-channel image into 3 identical channels; 3-channel images pass unchanged. The only
// step that changes a grayscale image's channel count.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/** (1, H, W) → (3, H, W) by repetition; (3, H, W) unchanged. */
public final class ToRgb implements Transform {
    @Override
    public Image apply(Image image, Rng rng) {
        if (image.channels() == 3) return image;
        if (image.channels() != 1) {
            throw new IllegalArgumentException("ToRgb: expected 1 or 3 channels, got " + image.shapeString());
        }
        int n = image.size();
        float[] out = new float[3 * n];
        for (int c = 0; c < 3; c++) System.arraycopy(image.data(), 0, out, c * n, n);
        return new Image(3, image.height(), image.width(), out);
    }
}
