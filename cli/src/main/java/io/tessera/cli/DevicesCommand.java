package io.tessera.cli;

import io.tessera.gpu.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code tessera devices}: every backend and device found, or why a runtime is unavailable. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"List the compute backends and devices: the CPU, OpenCL platforms and devices, CUDA devices,",
                "with memory and compute units, or the reason a runtime is unavailable."})
public final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--opencl-library", description = "Use this libOpenCL instead of searching for it.")
    Path opencl;

    @Option(names = "--cuda-library", description = "Use this libcuda instead of searching for it.")
    Path cuda;

    @Override
    public Integer call() {
        Devices.lines(new Devices.Options(Optional.ofNullable(opencl), Optional.ofNullable(cuda))).forEach(System.out::println);
        return 0;
    }
}
