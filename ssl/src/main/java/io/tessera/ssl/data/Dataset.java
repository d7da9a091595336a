// The dataset contract: a fixed number of labelled images of one shape, random access by index,
// safe to call from several loader threads at once. Not an iterator or a loader (see Loader).
package io.tessera.ssl.data;

import java.util.List;
import java.util.Optional;

/** A finite, indexable, thread-safe collection of labelled images of one shape (C, H, W). */
public interface Dataset {
    /** Number of samples N. */
    int size();

    /** Channels C of every image (1 for grayscale, 3 for RGB). */
    int channels();

    /** Height H of every image. */
    int height();

    /** Width W of every image. */
    int width();

    /** Number of classes V; labels lie in [0, V). */
    int numClasses();

    /** Class names indexed by label, when the format knows them. */
    Optional<List<String>> classNames();

    /** A short description for logs, e.g. "fashion-mnist train (60000 × (1, 28, 28), 10 classes)". */
    String name();

    /**
     * Sample {@code i} in [0, size()): a fresh (C, H, W) image with values in [0, 1] (byte / 255)
     * and its label. Must be safe to call concurrently.
     */
    Sample get(int i);

    /**
     * Sample {@code i} at the size it is stored in, before any fixed resizing: the input of
     * transforms that choose their box on the whole image (MAE's random resized crop, see
     * {@link Transform#acceptsAnySize()}). Datasets of one stored shape (IDX, CIFAR) return
     * {@link #get}; image folders return the decoded file, whose size varies from file to file.
     */
    default Sample decoded(int i) {
        return get(i);
    }

    /** The shape as "(C, H, W)" for messages. */
    default String shapeString() {
        return "(" + channels() + ", " + height() + ", " + width() + ")";
    }

    /** Checks {@code 0 <= i < size()}. */
    default void checkIndex(int i) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException(name() + ": index " + i + " outside [0, " + size() + ")");
        }
    }
}
