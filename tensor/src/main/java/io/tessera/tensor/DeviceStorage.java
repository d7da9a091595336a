package io.tessera.tensor;

/**
 * Storage that lives in an accelerator's memory. Implemented by the GPU backend; code above the
 * tensor module never looks inside it.
 */
public non-sealed interface DeviceStorage extends Storage {
    /** The device that holds the memory. */
    Device device();
}
