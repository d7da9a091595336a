// Evaluation-time geometry (spec §3.1 val): shorter side resized to `resize`, then a central
// crop × crop window. Deterministic: draws nothing from the stream.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

/** Resize(resize, shorter side) → CenterCrop(crop). */
public final class ResizeCenterCrop implements Transform {
    private final int resize, crop;
    private final Interpolation interpolation;

    public ResizeCenterCrop(int resize, int crop, Interpolation interpolation) {
        if (crop <= 0 || resize < crop) {
            throw new IllegalArgumentException("ResizeCenterCrop: need 0 < crop <= resize, got resize " + resize + ", crop " + crop);
        }
        this.resize = resize;
        this.crop = crop;
        this.interpolation = interpolation;
    }

    /** MAE validation: Resize(256 / 224 · crop), bicubic, CenterCrop(crop). */
    public static ResizeCenterCrop maeEval(int crop) {
        return new ResizeCenterCrop(crop * 256 / 224, crop, Interpolation.BICUBIC);
    }

    @Override
    public Image apply(Image image, Rng rng) {
        return Resample.resizeShorterCenterCrop(image, resize, crop, interpolation);
    }

    /** Any input size gives (C, crop, crop). */
    @Override
    public boolean acceptsAnySize() {
        return true;
    }
}
