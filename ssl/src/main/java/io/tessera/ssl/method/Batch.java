package io.tessera.ssl.method;

import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

import java.util.List;

/**
 * One training batch: images (B, C, H, W) F32 — the first view —, labels I32 (B) (ignored by
 * self-supervised methods), and any further views of the same images (LUT's colour-augmented
 * second view), each (B, C, H, W). In data-parallel training a rank's batch is a slice of the
 * step's global batch of {@code globalSize} images and {@code firstSample} is the position of its
 * first image there (on one process 0, and globalSize = B), so that a method drawing per-sample
 * randomness in sample order from the step's stream can skip to the draws of its slice
 * ({@link #rowStream(Rng, long)}) and give each image the draw it gets on one process.
 */
public record Batch(Tensor images, Tensor labels, List<Tensor> extraViews, int firstSample, int globalSize) {
    public Batch {
        extraViews = List.copyOf(extraViews);
        if (firstSample < 0 || (long) firstSample + images.dim(0) > globalSize) {
            throw new IllegalArgumentException("a batch of " + images.dim(0) + " images from position " + firstSample
                    + " does not fit in a global batch of " + globalSize);
        }
    }

    /** A batch that is the whole global batch. */
    public Batch(Tensor images, Tensor labels, List<Tensor> extraViews) {
        this(images, labels, extraViews, 0, images.dim(0));
    }

    /** A single-view batch. */
    public Batch(Tensor images, Tensor labels) {
        this(images, labels, List.of());
    }

    public int size() {
        return images.dim(0);
    }

    /**
     * {@code stream} past the draws of the global batch's samples before this slice, for a draw of
     * {@code drawsPerSample} values per sample in sample order: {@code stream.advanced(firstSample ·
     * drawsPerSample)}. The whole batch's draw from {@code stream} then holds this slice's draw at
     * its rows; on one process it is {@code stream}'s own sequence.
     */
    public Rng rowStream(Rng stream, long drawsPerSample) {
        if (drawsPerSample < 0) throw new IllegalArgumentException("draws per sample must be ≥ 0, got " + drawsPerSample);
        return stream.advanced(firstSample * drawsPerSample);
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
