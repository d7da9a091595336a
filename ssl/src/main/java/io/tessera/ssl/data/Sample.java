// One dataset element: an image and its integer class label. Not a batch (see Loader.Batch).
package io.tessera.ssl.data;

/** An image with its class label in [0, numClasses). */
public record Sample(Image image, int label) {
}
