// Which half of a dataset to open: the training images or the held-out test images.
package io.tessera.ssl.data;

/** Training or test portion of a dataset. */
public enum Split {
    TRAIN, TEST
}
