/*
 * A GPU runtime cannot be used on this machine: its library is missing, it has no platform or
 * no device, or it lacks a function we need. The rest of Tessera stays usable on the CPU; the
 * message says which runtime and why, so the user can install or point at the library.
 */
package io.tessera.gpu;

/** Thrown when a runtime (OpenCL, CUDA) or a device is not available. */
public final class GpuUnavailableException extends GpuException {
    private final String runtime;
    private final String reason;

    /**
     * @param runtime "opencl" or "cuda"
     * @param reason  why, in words: "libOpenCL.so.1 not found (tried ...)", "no OpenCL platform"
     */
    public GpuUnavailableException(String runtime, String reason) {
        super(runtime + " unavailable: " + reason);
        this.runtime = runtime;
        this.reason = reason;
    }

    public GpuUnavailableException(String runtime, String reason, Throwable cause) {
        super(runtime + " unavailable: " + reason, cause);
        this.runtime = runtime;
        this.reason = reason;
    }

    /** The runtime that is unavailable ("opencl", "cuda"). */
    public String runtime() {
        return runtime;
    }

    /** Why it is unavailable, without the runtime prefix. */
    public String reason() {
        return reason;
    }
}
