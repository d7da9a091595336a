package io.tessera.cli;

import io.tessera.tensor.ExecutionContext;
import picocli.CommandLine.Option;

// Where a command computes: --threads, --device and --matmul, a picocli mixin shared by the
// analysis commands (hessian, landscape and every analyze subcommand through AnalysisOptions), so
// the three options read, default and validate the same everywhere.

/** The compute options of the analysis commands: CPU threads, device and GPU matrix-product engine. */
final class ComputeOptions {
    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--device", defaultValue = "cpu", converter = DeviceSpec.Converter.class, description = "Where to compute: " + DeviceSpec.HELP)
    DeviceSpec device;

    @Option(names = "--matmul", defaultValue = "tiled", description = DeviceSpec.MATMUL_HELP)
    DeviceSpec.Matmul matmul;

    /** --threads, or every core when it is absent; checked ≥ 1. */
    int threads() {
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be ≥ 1, got " + threads);
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** An execution context on --device with {@link #threads()} threads and {@code seed}. */
    ExecutionContext open(long seed) {
        return device.open(threads(), seed, matmul);
    }
}
