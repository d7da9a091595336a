/*
 * A typed handle on one kernel function of a program built for a device: the catalog entry or
 * source file, the function name and the defines of its variant. Task graphs refer to kernels
 * by these handles, never by string keys. The program itself is owned by the device's cache.
 */
package io.tessera.gpu;

import java.lang.foreign.MemorySegment;

/** A built kernel function on one device. */
public final class Kernel {
    private final OpenClDevice device;
    private final String file;
    private final String function;
    private final Defines defines;
    private final MemorySegment program;

    Kernel(OpenClDevice device, String file, String function, Defines defines, MemorySegment program) {
        this.device = device;
        this.file = file;
        this.function = function;
        this.defines = defines;
        this.program = program;
    }

    public OpenClDevice device() {
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

    MemorySegment program() {
        return program;
    }

    @Override
    public String toString() {
        return function + " (" + file + (defines.asMap().isEmpty() ? "" : " " + defines) + ")";
    }
}
