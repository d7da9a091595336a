package io.tessera.nn.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint file that is not valid: names the file, the byte offset and what was wrong.
 * {@link CheckpointIntegrityException} is the case of a file that parses but fails verification;
 * {@link UnsafePickleException} that of a PyTorch file whose pickle names more than tensors and
 * plain data.
 */
public sealed class CheckpointFormatException extends RuntimeException
        permits CheckpointIntegrityException, UnsafePickleException {
    private final Path path;
    private final long byteOffset;

    public CheckpointFormatException(Path path, long byteOffset, String problem) {
        super(path + " (byte " + byteOffset + "): " + problem);
        this.path = path;
        this.byteOffset = byteOffset;
    }

    public Path path() {
        return path;
    }

    public long byteOffset() {
        return byteOffset;
    }
}
