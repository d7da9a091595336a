package io.tessera.ssl.method;

import io.tessera.tensor.Tensor;

import java.util.List;

/**
 * One training batch: images (B, C, H, W) F32 — the first view —, labels I32 (B) (ignored by
 * self-supervised methods), and any further views of the same images (LUT's colour-augmented
 * second view), each (B, C, H, W).
 */
public record Batch(Tensor images, Tensor labels, List<Tensor> extraViews) {
    public Batch {
        extraViews = List.copyOf(extraViews);
    }

    /** A single-view batch. */
    public Batch(Tensor images, Tensor labels) {
        this(images, labels, List.of());
    }

    public int size() {
        return images.dim(0);
    }

    /** View {@code v}: 0 is {@link #images()}, v ≥ 1 the extra views. */
    public Tensor view(int v) {
        if (v == 0) return images;
        if (v - 1 >= extraViews.size()) {
            throw new IllegalArgumentException("batch has " + (1 + extraViews.size()) + " view(s), view " + v + " was asked for");
        }
        return extraViews.get(v - 1);
    }
}
