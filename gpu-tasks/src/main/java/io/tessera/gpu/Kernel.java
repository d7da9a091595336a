/*
 * A typed handle on one kernel function of a program built for a device: the catalog entry or
 * source file, the function name and the defines of its variant. Task graphs refer to kernels
 * by these handles, never by string keys. The program (module) itself is owned by the device's cache.
 */
package io.tessera.gpu;

import java.lang.foreign.MemorySegment;

/** A built kernel function on one device. */
public final class Kernel {
    private final ComputeDevice device;
    private final String file;
    private final String function;
    private final Defines defines;
    private final MemorySegment handle;

    Kernel(ComputeDevice device, String file, String function, Defines defines, MemorySegment handle) {
        this.device = device;
        this.file = file;
        this.function = function;
        this.defines = defines;
        this.handle = handle;
    }

    public ComputeDevice device() {
        return device;
    }

    /** The .kc source file. */
    public String file() {
        return file;
    }

    /** The kernel function's name. */
    public String function() {
        return function;
    }

    public Defines defines() {
        return defines;
    }

    /** The runtime's handle: the cl_program on OpenCL, the CUfunction on CUDA. */
    MemorySegment handle() {
        return handle;
    }

    @Override
    public String toString() {
        return function + " (" + file + (defines.asMap().isEmpty() ? "" : " " + defines) + ")";
    }
}
