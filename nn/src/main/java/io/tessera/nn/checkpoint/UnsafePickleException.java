package io.tessera.nn.checkpoint;


import java.nio.file.Path;

/**
 * A PyTorch file refused because its pickle asks for more than a state dict needs: a global outside
 * what {@code torch.load(..., weights_only=True)} allows (e.g. {@code posix.system},
 * {@code builtins.eval}, a model class), an object-building opcode, or a persistent id that is not
 * a storage. Nothing of the file is used; nothing named in it is ever looked up or run.
 */
public final class UnsafePickleException extends CheckpointFormatException {
    private final String refused;
    private final String problem;

    public UnsafePickleException(Path path, long byteOffset, String refused, String problem) {
        super(path, byteOffset, problem);
        this.refused = refused;
        this.problem = problem;
    }

    /** The message without the file and offset. */
    public String problem() {
        return problem;
    }

    /** What was refused: the global as {@code module.name}, or the opcode's name. */
    public String refused() {
        return refused;
    }
}
