/*
 * The root of the errors gpu-tasks throws: an unavailable runtime, a failed native call, or a
 * kernel that does not build. Callers (the CLI) catch this one type to print one clear line;
 * none of these is ever turned into a quiet fall back to the CPU.
 */
package io.tessera.gpu;

/** Base class of every error raised by the GPU runtimes. */
public abstract sealed class GpuException extends RuntimeException
        permits GpuUnavailableException, NativeException, KernelBuildException {

    protected GpuException(String message) {
        super(message);
    }

    protected GpuException(String message, Throwable cause) {
        super(message, cause);
    }
}
