package io.tessera.ssl.method;

import io.tessera.tensor.Tensor;

import java.util.List;

/**
 * One training batch: images (B, C, H, W) F32 — the first view —, labels I32 (B) (ignored by
 * self-supervised methods), and any further views of the same images (LUT's colour-augmented
 * second view), each (B, C, H, W). In data-parallel training a rank's batch is a slice of the
 * step's global batch and {@code firstSample} is the position of its first image there (0 on one
 * process), so that a method drawing per-sample noise row by row from the step's stream can skip
 * to the rows of its slice and give each image the draw it gets on one process.
 */
public record Batch(Tensor images, Tensor labels, List<Tensor> extraViews, int firstSample) {
    public Batch {
        extraViews = List.copyOf(extraViews);
        if (firstSample < 0) throw new IllegalArgumentException("a batch's first sample is at position ≥ 0 of its global batch, got " + firstSample);
    }

    /** A batch that is the whole global batch. */
    public Batch(Tensor images, Tensor labels, List<Tensor> extraViews) {
        this(images, labels, extraViews, 0);
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
