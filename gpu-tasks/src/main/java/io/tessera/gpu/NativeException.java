/*
 * A native runtime call returned an error status. The message names the call, the status by
 * its symbolic name (CL_OUT_OF_RESOURCES, CUDA_ERROR_ILLEGAL_ADDRESS) and its number, and what
 * the call was doing (the kernel, the buffer and its size).
 */
package io.tessera.gpu;

/** Thrown when an OpenCL or CUDA call fails. */
public final class NativeException extends GpuException {
    private final String runtime;
    private final String call;
    private final int status;
    private final String statusName;

    /**
     * @param runtime    "opencl" or "cuda"
     * @param call       the native function, e.g. "clEnqueueNDRangeKernel"
     * @param status     the numeric status it returned
     * @param statusName the status's symbolic name
     * @param context    what the call was doing, e.g. "kernel sgemm, global [64, 64, 1]"; may be empty
     */
    public NativeException(String runtime, String call, int status, String statusName, String context) {
        super(call + " failed with " + statusName + " (" + status + ")" + (context.isEmpty() ? "" : ": " + context));
        this.runtime = runtime;
        this.call = call;
        this.status = status;
        this.statusName = statusName;
    }

    public String runtime() {
        return runtime;
    }

    public String call() {
        return call;
    }

    public int status() {
        return status;
    }

    /** The symbolic name of the status, e.g. "CL_INVALID_WORK_GROUP_SIZE". */
    public String statusName() {
        return statusName;
    }
}
