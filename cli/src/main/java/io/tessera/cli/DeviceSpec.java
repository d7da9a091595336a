package io.tessera.cli;

import io.tessera.gpu.ClBackend;
import io.tessera.gpu.OpenClDevice;
import io.tessera.tensor.ExecutionContext;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where a command runs, as given by {@code --device}: {@code cpu} (the Vector API backend on
 * {@code --threads} threads) or {@code opencl[:PLATFORM[:DEVICE]]} (the OpenCL backend on that
 * device, first platform and device by default; {@code tessera devices} lists them). The same
 * model, method and trainer code runs on either; nothing falls back silently.
 *
 * @param kind     cpu or opencl
 * @param platform OpenCL platform index
 * @param device   OpenCL device index within the platform
 */
public record DeviceSpec(Kind kind, int platform, int device) {
    /** Backend families selectable on the command line. */
    public enum Kind { CPU, OPENCL }

    public static final String HELP = "cpu (default) or opencl[:PLATFORM[:DEVICE]] (see `tessera devices`).";

    public static DeviceSpec cpu() {
        return new DeviceSpec(Kind.CPU, 0, 0);
    }

    /** Parses cpu, opencl, opencl:P or opencl:P:D. */
    public static DeviceSpec parse(String text) {
        String[] parts = text.trim().toLowerCase(java.util.Locale.ROOT).split(":", -1);
        try {
            if (parts[0].equals("cpu") && parts.length == 1) return cpu();
            if (parts[0].equals("opencl") && parts.length <= 3) {
                int p = parts.length > 1 ? Integer.parseInt(parts[1]) : 0, d = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
                if (p >= 0 && d >= 0) return new DeviceSpec(Kind.OPENCL, p, d);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("device '" + text + "': expected cpu, opencl, opencl:PLATFORM or opencl:PLATFORM:DEVICE");
    }

    /** An execution context on this device (OpenCL matrix products on {@code matmul}); closing it releases the device. */
    public ExecutionContext open(int threads, long seed, ClBackend.MatmulEngine matmul) {
        if (kind == Kind.CPU && matmul != ClBackend.MatmulEngine.TILED) {
            throw new IllegalArgumentException("--matmul " + matmul.name().toLowerCase(java.util.Locale.ROOT) + " applies to --device opencl; the CPU runs its own GEMM");
        }
        return switch (kind) {
            case CPU -> ExecutionContext.cpu(threads, seed);
            case OPENCL -> new ExecutionContext(ClBackend.open(OpenClDevice.Options.defaults().withDevice(platform, device), matmul), seed);
        };
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "opencl:" + platform + ":" + device;
    }

    /** picocli converter with the parse error as the message. */
    public static final class Converter implements ITypeConverter<DeviceSpec> {
        @Override
        public DeviceSpec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
