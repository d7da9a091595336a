package io.tessera.ssl.method;

import io.tessera.tensor.Tensor;

/**
 * One training batch: images (B, C, H, W) F32 and labels I32 (B) (ignored by self-supervised
 * methods). Methods that need two views (LUT) draw them from {@code images} themselves.
 */
public record Batch(Tensor images, Tensor labels) {
    public int size() {
        return images.dim(0);
    }
}
