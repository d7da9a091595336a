/*
 * The two C dialects a .kc kernel source is compiled as. Each has a prelude resource that maps
 * the shared kernel vocabulary (KERNEL, GLOBAL, LOCAL, BARRIER(), LOCAL_ID(d), EXPF, ...) onto
 * the dialect; the .kc files themselves never name a dialect-specific keyword.
 */
package io.tessera.gpu;

/** OpenCL C (1.2) or CUDA C (compiled by NVRTC). */
public enum Dialect {
    OPENCL("OpenCL C", "prelude_opencl.h"),
    CUDA("CUDA C", "prelude_cuda.h");

    private final String languageName;
    private final String prelude;

    Dialect(String languageName, String prelude) {
        this.languageName = languageName;
        this.prelude = prelude;
    }

    /** The language's name for messages: "OpenCL C", "CUDA C". */
    public String languageName() {
        return languageName;
    }

    /** The prelude's resource file name, beside the .kc files. */
    public String preludeFile() {
        return prelude;
    }
}
