package io.tessera.nn.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint file that parses but must not be used: its bytes are not those its sidecar
 * recorded, or a tensor holds NaN or infinite values. A {@link CheckpointFormatException}, so
 * callers that refuse any bad checkpoint catch both; {@link #problem()} says which.
 */
public final class CheckpointIntegrityException extends CheckpointFormatException {
    /** Why the file was refused. */
    public enum Problem {
        /** The SHA-256 of the weights file differs from the sidecar's {@code weights_sha256}. */
        HASH_MISMATCH,
        /** A loaded floating-point tensor holds NaN or ±Infinity. */
        NON_FINITE
    }

    private final Problem problem;

    public CheckpointIntegrityException(Path path, long byteOffset, Problem problem, String detail) {
        super(path, byteOffset, detail);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
