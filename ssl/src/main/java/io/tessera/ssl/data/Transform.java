// The augmentation contract: a pure function of (image, random stream). Same image and same
// stream state give the same output on any thread; a transform keeps no mutable state.
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

import java.util.List;

/** A deterministic image transform out = f(image, rng); may draw from rng, never from elsewhere. */
@FunctionalInterface
public interface Transform {
    /** Applies the transform; {@code rng} is consumed by the random choices. */
    Image apply(Image image, Rng rng);

    /**
     * True when this transform takes an image of any size to a size of its own choosing, so a
     * loader hands it the dataset's {@link Dataset#decoded decoded} image rather than the
     * fixed-size {@link Dataset#get} one: random resized crops, resize-and-crop. False unless a
     * transform says so.
     */
    default boolean acceptsAnySize() {
        return false;
    }

    /** The identity. */
    static Transform identity() {
        return (img, rng) -> img;
    }

    /**
     * Runs {@code steps} in order; step k draws from {@code rng.split(k)}, so adding or changing one
     * step never shifts the random choices of the others. Accepts any size when the first step does.
     */
    static Transform compose(Transform... steps) {
        List<Transform> list = List.of(steps);
        boolean anySize = !list.isEmpty() && list.get(0).acceptsAnySize();
        return new Transform() {
            @Override
            public Image apply(Image img, Rng rng) {
                Image x = img;
                for (int k = 0; k < list.size(); k++) x = list.get(k).apply(x, rng.split(k));
                return x;
            }

            @Override
            public boolean acceptsAnySize() {
                return anySize;
            }
        };
    }

    /** This transform followed by {@code next} (compose(this, next)). */
    default Transform then(Transform next) {
        return compose(this, next);
    }
}
