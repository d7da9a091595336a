/*
 * One OpenCL device opened for work: its context, an in-order profiling command queue, the
 * device arrays allocated on it, and the in-memory half of the program cache (built programs
 * keyed by the same SHA-256 as the on-disk binaries). Not thread-safe: one thread drives a
 * device and its plans. This is not the tensor Backend; that is built on top of it.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Device;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An opened OpenCL device. Close it to release everything allocated on it. */
public final class OpenClDevice extends ComputeDevice {

    /**
     * How to open a device.
     *
     * @param library  an explicit libOpenCL path; empty to search by soname and usual places
     * @param platform platform index (in clGetPlatformIDs order)
     * @param device   device index within the platform
     * @param cache    where compiled programs are kept between runs
     */
    public record Options(Optional<Path> library, int platform, int device, ProgramCache cache) {
        public Options {
            if (platform < 0 || device < 0) {
                throw new IllegalArgumentException("OpenCL platform " + platform + ", device " + device + ": indices must be ≥ 0");
            }
        }

        /** First device of the first platform, library found by soname, disk cache in the default directory. */
        public static Options defaults() {
            return new Options(Optional.empty(), 0, 0, ProgramCache.onDisk(ProgramCache.defaultDirectory()));
        }

        public Options withLibrary(Path path) {
            return new Options(Optional.of(path), platform, device, cache);
        }

        public Options withDevice(int platformIndex, int deviceIndex) {
            return new Options(library, platformIndex, deviceIndex, cache);
        }

        public Options withCache(ProgramCache programCache) {
            return new Options(library, platform, device, programCache);
        }
    }

    /** What the device reports about itself. */
    public record Info(String platform, String name, String vendor, String version, String driver,
                       long globalMemoryBytes, int computeUnits, long maxWorkGroupSize, long localMemoryBytes) {
    }

    /** Program cache counters since the device was opened. */
    public record CacheStats(int memoryHits, int diskHits, int sourceBuilds) {
    }

    private static final String BUILD_OPTIONS = "-cl-std=CL1.2";

    private final OpenCl cl;
    private final int platformIndex;
    private final int deviceIndex;
    private final MemorySegment deviceId;
    private final MemorySegment context;
    private final MemorySegment queue;
    private final Info info;
    private final String identity;
    private final ProgramCache cache;
    private final Map<String, MemorySegment> programs = new HashMap<>();
    private final ClPlanCommands commands = new ClPlanCommands(this);
    private int memoryHits, diskHits, sourceBuilds;
    private boolean closed;

    private OpenClDevice(OpenCl cl, int platformIndex, int deviceIndex, MemorySegment platformId, MemorySegment deviceId, ProgramCache cache) {
        this.cl = cl;
        this.platformIndex = platformIndex;
        this.deviceIndex = deviceIndex;
        this.deviceId = deviceId;
        this.cache = cache;
        this.info = new Info(cl.platformString(platformId, OpenCl.CL_PLATFORM_NAME), cl.deviceString(deviceId, OpenCl.CL_DEVICE_NAME),
                cl.deviceString(deviceId, OpenCl.CL_DEVICE_VENDOR), cl.deviceString(deviceId, OpenCl.CL_DEVICE_VERSION),
                cl.deviceString(deviceId, OpenCl.CL_DRIVER_VERSION), cl.deviceNumber(deviceId, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE),
                (int) cl.deviceNumber(deviceId, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS), cl.deviceNumber(deviceId, OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                cl.deviceNumber(deviceId, OpenCl.CL_DEVICE_LOCAL_MEM_SIZE));
        this.identity = info.platform() + "|" + cl.platformString(platformId, OpenCl.CL_PLATFORM_VERSION) + "|" + info.name() + "|"
                + info.version() + "|" + info.driver();
        this.context = cl.createContext(deviceId);
        try {
            this.queue = cl.createCommandQueue(context, deviceId, OpenCl.CL_QUEUE_PROFILING_ENABLE);
        } catch (RuntimeException e) {
            cl.releaseContext(context);
            throw e;
        }
    }

    /**
     * Opens the device {@code options} names.
     *
     * @throws GpuUnavailableException when the library, the platform or the device is missing
     * @throws NativeException         when the runtime refuses the context or the queue
     */
    public static OpenClDevice open(Options options) {
        OpenCl cl = OpenCl.load(options.library());
        List<MemorySegment> platforms = cl.platforms();
        if (platforms.isEmpty()) {
            throw new GpuUnavailableException(OpenCl.RUNTIME, "no OpenCL platform is installed (no ICD found; on Debian/Ubuntu e.g. pocl-opencl-icd)");
        }
        if (options.platform() >= platforms.size()) {
            throw new GpuUnavailableException(OpenCl.RUNTIME, "platform " + options.platform() + " requested, " + platforms.size() + " found");
        }
        MemorySegment platform = platforms.get(options.platform());
        List<MemorySegment> devices = cl.devices(platform, OpenCl.CL_DEVICE_TYPE_ALL);
        if (options.device() >= devices.size()) {
            throw new GpuUnavailableException(OpenCl.RUNTIME, "device " + options.device() + " requested on platform "
                    + cl.platformString(platform, OpenCl.CL_PLATFORM_NAME) + ", " + devices.size() + " found");
        }
        return new OpenClDevice(cl, options.platform(), options.device(), platform, devices.get(options.device()), options.cache());
    }

    public Info info() {
        return info;
    }

    /** The tensor-level name of this device: OPENCL, its index on the platform, its name. */
    @Override
    public Device tensorDevice() {
        return new Device(Device.Kind.OPENCL, deviceIndex, info.name());
    }

    /** Platform and device index as opened. */
    @Override
    public String location() {
        return "opencl:" + platformIndex + ":" + deviceIndex;
    }

    public CacheStats cacheStats() {
        return new CacheStats(memoryHits, diskHits, sourceBuilds);
    }

    // ---- arrays ---------------------------------------------------------------------------

    /** A float array whose device buffer uses its host mirror's memory (CL_MEM_USE_HOST_PTR). */
    public DeviceArray hostBackedFloats(String name, int n) {
        return track(new DeviceArray(this, name, DType.F32, n, true));
    }

    @Override
    MemorySegment createBuffer(DeviceArray a, MemorySegment host) {
        checkOpen();
        long flags = OpenCl.CL_MEM_READ_WRITE | (a.hostBacked() ? OpenCl.CL_MEM_USE_HOST_PTR : 0);
        try {
            return cl.createBuffer(context, flags, a.byteSize(), a.hostBacked() ? host : MemorySegment.NULL);
        } catch (NativeException e) {
            throw new NativeException(e.runtime(), e.call(), e.status(), e.statusName(), "array " + a + " on " + info.name());
        }
    }

    @Override
    void freeBuffer(MemorySegment mem) {
        cl.releaseMemObject(mem);
    }

    // ---- kernels --------------------------------------------------------------------------

    /**
     * A kernel function of {@code source}, built for this device with {@code defines}; the
     * program comes from memory, else from the disk cache, else from a source build.
     *
     * @throws KernelBuildException with the build log when the source does not compile
     * @throws NativeException      (CL_INVALID_KERNEL_NAME) when the program has no such function
     */
    @Override
    public Kernel kernel(KernelSource source, String function, Defines defines) {
        checkOpen();
        MemorySegment program = program(source, defines);
        MemorySegment probe = cl.createKernel(program, function);
        cl.releaseKernel(probe);
        return new Kernel(this, source.file(), function, defines, program);
    }

    /** The options a program is built with: the language version and the defines. */
    public static String buildOptions(Defines defines) {
        List<String> parts = new ArrayList<>();
        parts.add(BUILD_OPTIONS);
        parts.addAll(defines.flags());
        return String.join(" ", parts);
    }

    private MemorySegment program(KernelSource source, Defines defines) {
        String text = source.assemble(Dialect.OPENCL);
        String options = buildOptions(defines);
        String key = ProgramCache.key(Dialect.OPENCL, text, options, identity);
        MemorySegment program = programs.get(key);
        if (program != null) {
            memoryHits++;
            return program;
        }
        Optional<byte[]> binary = cache.load(key);
        if (binary.isPresent()) {
            program = fromBinary(binary.get(), options);
            if (program != null) diskHits++;
            else cache.evict(key);
        }
        if (program == null) {
            program = fromSource(source, text, options);
            sourceBuilds++;
            cache.store(key, cl.programBinary(program));
        }
        programs.put(key, program);
        return program;
    }

    /** A program from a cached binary, or null when the runtime rejects the binary (it is then rebuilt). */
    private MemorySegment fromBinary(byte[] binary, String options) {
        MemorySegment program = null;
        try {
            program = cl.createProgramWithBinary(context, deviceId, binary);
            cl.buildProgram(program, deviceId, options);
            return program;
        } catch (NativeException e) {
            if (program != null) cl.releaseProgram(program);
            return null;
        }
    }

    private MemorySegment fromSource(KernelSource source, String text, String options) {
        MemorySegment program = cl.createProgramWithSource(context, text);
        try {
            cl.buildProgram(program, deviceId, options);
            return program;
        } catch (NativeException e) {
            String log = source.mapLog(cl.buildLog(program, deviceId), Dialect.OPENCL);
            cl.releaseProgram(program);
            throw new KernelBuildException(source.file(), Dialect.OPENCL, info.name(), options, log, e);
        }
    }

    // ---- plans ----------------------------------------------------------------------------

    @Override
    PlanCommands commands() {
        return commands;
    }

    @Override
    String runtime() {
        return OpenCl.RUNTIME;
    }

    @Override
    String platformName() {
        return info.platform();
    }

    @Override
    String deviceName() {
        return info.name();
    }

    OpenCl cl() {
        return cl;
    }

    MemorySegment queue() {
        return queue;
    }

    MemorySegment deviceId() {
        return deviceId;
    }

    MemorySegment context() {
        return context;
    }

    @Override
    void checkOpen() {
        if (closed) throw new IllegalStateException("OpenCL device " + info.name() + " is closed");
    }

    /** Closes the plans and arrays still open on this device, then the programs, queue and context. */
    @Override
    public void close() {
        if (closed) return;
        RuntimeException first = closePlansAndArrays();
        closed = true;
        try {
            for (MemorySegment p : programs.values()) cl.releaseProgram(p);
            programs.clear();
            cl.releaseCommandQueue(queue);
            cl.releaseContext(context);
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return location() + " (" + info.name() + ", " + info.platform() + ")";
    }
}
