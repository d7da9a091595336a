/*
 * A kernel source did not compile. Carries the compiler's build log, the .kc file, the dialect
 * (OpenCL C or CUDA C), the device and the build options, so the log's line numbers can be
 * read against the file (sources carry a #line directive after the prelude).
 */
package io.tessera.gpu;

/** Thrown when a kernel program fails to build. */
public final class KernelBuildException extends GpuException {
    private final String file;
    private final Dialect dialect;
    private final String device;
    private final String options;
    private final String buildLog;

    public KernelBuildException(String file, Dialect dialect, String device, String options, String buildLog, NativeException cause) {
        super("kernel " + file + " failed to build as " + dialect.languageName() + " for " + device
                + " with options [" + options + "]" + (cause == null ? "" : " (" + cause.statusName() + ")")
                + "; build log:\n" + buildLog.strip(), cause);
        this.file = file;
        this.dialect = dialect;
        this.device = device;
        this.options = options;
        this.buildLog = buildLog;
    }

    /** The kernel source file, e.g. "sgemm.kc". */
    public String file() {
        return file;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The device the build was for, by name. */
    public String device() {
        return device;
    }

    /** The compiler options, defines included. */
    public String options() {
        return options;
    }

    /** The compiler's log, as it printed it. */
    public String buildLog() {
        return buildLog;
    }
}
