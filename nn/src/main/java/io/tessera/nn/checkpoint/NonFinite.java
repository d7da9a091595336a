package io.tessera.nn.checkpoint;

/**
 * What a checkpoint load does with NaN or infinite values in the tensors it loads. Refusing is
 * the default everywhere: a run that diverged before its save leaves weights that render black
 * images and silently wreck every evaluation. Allowing is for inspecting such a run on purpose.
 */
public enum NonFinite {
    /** Throw a {@link CheckpointIntegrityException} naming the file, tensor, element and byte offset. */
    REFUSE,
    /** Load the values as they are. */
    ALLOW
}
