/*
 * Lists every backend and device this machine offers: the CPU, each OpenCL platform's devices,
 * each CUDA device, with memory and compute units, and for a runtime that cannot be used, why
 * (library missing, no platform, no device, driver error). Never throws for an absent runtime;
 * that is a row. The CLI's `devices` command prints these rows.
 */
package io.tessera.gpu;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Discovery of backends and devices. */
public final class Devices {
    private Devices() {
    }

    /**
     * One device, or one unavailable runtime.
     *
     * @param runtime           "cpu", "opencl" or "cuda"
     * @param platform          the platform (OpenCL), driver version (CUDA) or JVM (CPU); "" if unavailable
     * @param index             index to open it with: "0" (CPU), "platform:device" (OpenCL), ordinal (CUDA); "" if unavailable
     * @param device            the device's name; "" if unavailable
     * @param type              "cpu", "gpu", "accelerator"; "" if unavailable
     * @param globalMemoryBytes device memory (for the CPU: the JVM's maximum heap); 0 if unavailable
     * @param computeUnits      compute units (OpenCL), multiprocessors (CUDA), cores (CPU)
     * @param unavailable       why the runtime cannot be used; empty when it can
     */
    public record Entry(String runtime, String platform, String index, String device, String type,
                        long globalMemoryBytes, int computeUnits, Optional<String> unavailable) {

        static Entry missing(String runtime, String why) {
            return new Entry(runtime, "", "", "", "", 0, 0, Optional.of(why));
        }

        /** One line: "opencl 0:0  Portable Computing Language  cpu  pthread-...  7.6 GiB  2 CUs", or the reason. */
        public String line() {
            if (unavailable.isPresent()) return String.format(Locale.ROOT, "%-7s unavailable: %s", runtime, unavailable.get());
            return String.format(Locale.ROOT, "%-7s %-5s %-30s %-11s %s, %s, %d compute units", runtime, index, platform, type, device,
                    gib(globalMemoryBytes), computeUnits);
        }
    }

    /**
     * Where to look for the GPU runtimes' libraries.
     *
     * @param openclLibrary explicit libOpenCL path, or empty to search
     * @param cudaLibrary   explicit libcuda path, or empty to search
     */
    public record Options(Optional<Path> openclLibrary, Optional<Path> cudaLibrary) {
        public static Options defaults() {
            return new Options(Optional.empty(), Optional.empty());
        }
    }

    /** Every backend and device: the CPU first, then OpenCL, then CUDA. */
    public static List<Entry> list(Options options) {
        List<Entry> out = new ArrayList<>();
        out.add(cpu());
        out.addAll(opencl(options.openclLibrary()));
        out.addAll(cuda(options.cudaLibrary()));
        return out;
    }

    /** {@link #list} as printable lines. */
    public static List<String> lines(Options options) {
        return list(options).stream().map(Entry::line).toList();
    }

    static Entry cpu() {
        Runtime rt = Runtime.getRuntime();
        return new Entry("cpu", "Java " + Runtime.version().feature(), "0", System.getProperty("os.arch"), "cpu",
                rt.maxMemory(), rt.availableProcessors(), Optional.empty());
    }

    /** The OpenCL devices of every platform, or one row saying why there are none. */
    public static List<Entry> opencl(Optional<Path> library) {
        OpenCl cl;
        try {
            cl = OpenCl.load(library);
        } catch (GpuUnavailableException e) {
            return List.of(Entry.missing(OpenCl.RUNTIME, e.reason()));
        }
        List<Entry> out = new ArrayList<>();
        try {
            List<MemorySegment> platforms = cl.platforms();
            if (platforms.isEmpty()) {
                return List.of(Entry.missing(OpenCl.RUNTIME, "no OpenCL platform is installed (no ICD found; on Debian/Ubuntu e.g. pocl-opencl-icd)"));
            }
            for (int p = 0; p < platforms.size(); p++) {
                String platform = cl.platformString(platforms.get(p), OpenCl.CL_PLATFORM_NAME);
                List<MemorySegment> devices = cl.devices(platforms.get(p), OpenCl.CL_DEVICE_TYPE_ALL);
                if (devices.isEmpty()) out.add(Entry.missing(OpenCl.RUNTIME, "platform " + platform + " has no devices"));
                for (int d = 0; d < devices.size(); d++) {
                    MemorySegment dev = devices.get(d);
                    out.add(new Entry(OpenCl.RUNTIME, platform, p + ":" + d, cl.deviceString(dev, OpenCl.CL_DEVICE_NAME),
                            type(cl.deviceNumber(dev, OpenCl.CL_DEVICE_TYPE)), cl.deviceNumber(dev, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE),
                            (int) cl.deviceNumber(dev, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS), Optional.empty()));
                }
            }
        } catch (NativeException e) {
            out.add(Entry.missing(OpenCl.RUNTIME, "enumeration failed: " + e.getMessage()));
        }
        return out;
    }

    /** The CUDA devices, or one row saying why there are none. */
    public static List<Entry> cuda(Optional<Path> library) {
        Cuda cuda;
        try {
            cuda = Cuda.load(library);
        } catch (GpuUnavailableException e) {
            return List.of(Entry.missing(Cuda.RUNTIME, "CUDA not present: " + e.reason()));
        }
        List<Entry> out = new ArrayList<>();
        try {
            int version = cuda.driverVersion();
            String platform = "CUDA driver " + version / 1000 + "." + version % 1000 / 10;
            int count = cuda.deviceCount();
            if (count == 0) return List.of(Entry.missing(Cuda.RUNTIME, "the CUDA driver reports no device"));
            for (int i = 0; i < count; i++) {
                int dev = cuda.device(i);
                out.add(new Entry(Cuda.RUNTIME, platform, Integer.toString(i), cuda.deviceName(dev), "gpu", cuda.deviceTotalMemory(dev),
                        cuda.deviceAttribute(dev, Cuda.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT), Optional.empty()));
            }
        } catch (NativeException e) {
            out.add(Entry.missing(Cuda.RUNTIME, "enumeration failed: " + e.getMessage()));
        }
        return out;
    }

    private static String type(long bits) {
        if ((bits & OpenCl.CL_DEVICE_TYPE_GPU) != 0) return "gpu";
        if ((bits & OpenCl.CL_DEVICE_TYPE_ACCELERATOR) != 0) return "accelerator";
        if ((bits & OpenCl.CL_DEVICE_TYPE_CPU) != 0) return "cpu";
        return "other";
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    /** Prints one line per device or unavailable runtime. */
    public static void main(String[] args) {
        lines(Options.defaults()).forEach(System.out::println);
    }
}
