/*
 * One CUDA device opened for work: the driver (libcuda), the device's primary context (shared
 * with cuBLAS), one stream, NVRTC to compile the .kc sources as CUDA C, and the compiled
 * modules, cached in memory and on disk (CUBIN images keyed by the SHA-256 of dialect, source,
 * options and device identity, like the OpenCL binaries). Kernels are compiled for the device's
 * own architecture (sm_XY), so the driver loads them without a JIT step.
 *
 * The driver keeps the current context per thread: every entry point that calls the driver
 * first makes this device's context current when the calling thread changed. Not thread-safe:
 * one thread at a time drives a device.
 */
package io.tessera.gpu;

import io.tessera.tensor.Device;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An opened CUDA device. Close it to release its plans, arrays, modules, stream and context. */
public final class CudaDevice extends ComputeDevice {

    /**
     * How to open a device.
     *
     * @param cudaLibrary  an explicit libcuda path; empty to search by soname and usual places
     * @param nvrtcLibrary an explicit libnvrtc path; empty to search (toolkit, NVIDIA wheels)
     * @param cublasLibrary an explicit libcublas path; empty to search (loaded only for the cuBLAS engine)
     * @param device       the device ordinal
     * @param cache        where compiled modules are kept between runs
     */
    public record Options(Optional<Path> cudaLibrary, Optional<Path> nvrtcLibrary, Optional<Path> cublasLibrary, int device, ProgramCache cache) {
        /** System properties that name the libraries explicitly. */
        public static final String CUDA_PROPERTY = "tessera.cuda.library", NVRTC_PROPERTY = "tessera.nvrtc.library",
                CUBLAS_PROPERTY = "tessera.cublas.library";

        public Options {
            if (device < 0) throw new IllegalArgumentException("CUDA device " + device + ": the ordinal must be ≥ 0");
        }

        /**
         * Device 0, libraries named by the system properties {@value #CUDA_PROPERTY},
         * {@value #NVRTC_PROPERTY}, {@value #CUBLAS_PROPERTY} when set (else searched), disk
         * cache in the default directory.
         */
        public static Options defaults() {
            return new Options(property(CUDA_PROPERTY), property(NVRTC_PROPERTY), property(CUBLAS_PROPERTY), 0,
                    ProgramCache.onDisk(ProgramCache.defaultDirectory()));
        }

        private static Optional<Path> property(String name) {
            String v = System.getProperty(name);
            return v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v));
        }

        public Options withDevice(int ordinal) {
            return new Options(cudaLibrary, nvrtcLibrary, cublasLibrary, ordinal, cache);
        }

        public Options withCache(ProgramCache programCache) {
            return new Options(cudaLibrary, nvrtcLibrary, cublasLibrary, device, programCache);
        }
    }

    /** What the device reports about itself. */
    public record Info(String name, int computeMajor, int computeMinor, long globalMemoryBytes, int multiprocessors,
                       int maxThreadsPerBlock, int sharedMemoryPerBlock, int driverVersion, String nvrtcVersion) {
        /** The real architecture kernels are compiled for, e.g. "sm_90". */
        public String architecture() {
            return "sm_" + computeMajor + computeMinor;
        }
    }

    /** Module cache counters since the device was opened. */
    public record CacheStats(int memoryHits, int diskHits, int sourceBuilds) {
    }

    private final Cuda cuda;
    private final Nvrtc nvrtc;
    private final int ordinal;
    private final int handle;
    private final MemorySegment context;
    private final MemorySegment stream;
    private final Info info;
    private final String identity;
    private final Optional<Path> cublasLibrary;
    private final ProgramCache cache;
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final CudaPlanCommands commands = new CudaPlanCommands(this);
    private Thread current;
    private int memoryHits, diskHits, sourceBuilds;
    private boolean closed;

    private CudaDevice(Cuda cuda, Nvrtc nvrtc, int ordinal, Options options) {
        this.cuda = cuda;
        this.nvrtc = nvrtc;
        this.ordinal = ordinal;
        this.cache = options.cache();
        this.cublasLibrary = options.cublasLibrary();
        this.handle = cuda.device(ordinal);
        int[] nv = nvrtc.version();
        this.info = new Info(cuda.deviceName(handle), cuda.deviceAttribute(handle, Cuda.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                cuda.deviceAttribute(handle, Cuda.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR), cuda.deviceTotalMemory(handle),
                cuda.deviceAttribute(handle, Cuda.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                cuda.deviceAttribute(handle, Cuda.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK),
                cuda.deviceAttribute(handle, Cuda.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK), cuda.driverVersion(), nv[0] + "." + nv[1]);
        this.identity = info.name() + "|" + info.architecture() + "|driver " + info.driverVersion() + "|nvrtc " + info.nvrtcVersion();
        this.context = cuda.primaryContextRetain(handle);
        try {
            cuda.setCurrent(context);
            current = Thread.currentThread();
            this.stream = cuda.streamCreate();
        } catch (RuntimeException e) {
            cuda.primaryContextRelease(handle);
            throw e;
        }
    }

    /**
     * Opens the device {@code options} names.
     *
     * @throws GpuUnavailableException when libcuda or NVRTC is missing, or there is no such device
     * @throws NativeException         when the driver refuses the context or the stream
     */
    public static CudaDevice open(Options options) {
        Cuda cuda = Cuda.load(options.cudaLibrary());
        int count = cuda.deviceCount();
        if (count == 0) throw new GpuUnavailableException(Cuda.RUNTIME, "the CUDA driver reports no device");
        if (options.device() >= count) {
            throw new GpuUnavailableException(Cuda.RUNTIME, "device " + options.device() + " requested, " + count + " found");
        }
        Nvrtc nvrtc = Nvrtc.load(options.nvrtcLibrary());
        return new CudaDevice(cuda, nvrtc, options.device(), options);
    }

    public Info info() {
        return info;
    }

    /** This device as the tensor library names it. */
    @Override
    public Device tensorDevice() {
        return new Device(Device.Kind.CUDA, ordinal, info.name());
    }

    /** "cuda:N" */
    @Override
    public String location() {
        return "cuda:" + ordinal;
    }

    public CacheStats cacheStats() {
        return new CacheStats(memoryHits, diskHits, sourceBuilds);
    }

    Cuda cuda() {
        return cuda;
    }

    MemorySegment stream() {
        return stream;
    }

    /** The device's primary context (the one the CUDA runtime, and so NCCL and cuBLAS, use too). */
    MemorySegment context() {
        return context;
    }

    /** The device ordinal it was opened with. */
    public int ordinal() {
        return ordinal;
    }

    Optional<Path> cublasLibrary() {
        return cublasLibrary;
    }

    /** Creates an event and records it on this device's stream (for timing; the caller destroys it). */
    MemorySegment recordEvent() {
        MemorySegment e = cuda.eventCreate();
        cuda.eventRecord(e, stream);
        return e;
    }

    /** Makes this device's context current on the calling thread when another thread used it last. */
    void makeCurrent() {
        Thread t = Thread.currentThread();
        if (t != current) {
            cuda.setCurrent(context);
            current = t;
        }
    }

    @Override
    void checkOpen() {
        if (closed) throw new IllegalStateException("CUDA device " + info.name() + " is closed");
    }

    // ---- kernels --------------------------------------------------------------------------

    /** The options NVRTC compiles a source with for this device: the architecture and the defines. */
    public List<String> buildOptions(Defines defines) {
        List<String> out = new ArrayList<>();
        out.add("--gpu-architecture=" + info.architecture());
        out.add("--std=c++17");
        out.addAll(defines.flags());
        return out;
    }

    /**
     * The kernel function {@code function} of {@code source} built with {@code defines}; the
     * module comes from memory, else from the disk cache, else from an NVRTC build.
     *
     * @throws KernelBuildException with NVRTC's log when the source does not compile
     * @throws NativeException      (CUDA_ERROR_NOT_FOUND) when the module has no such function
     */
    MemorySegment function(KernelSource source, String function, Defines defines) {
        checkOpen();
        makeCurrent();
        return cuda.function(module(source, defines), function);
    }

    @Override
    public Kernel kernel(KernelSource source, String function, Defines defines) {
        return new Kernel(this, source.file(), function, defines, function(source, function, defines));
    }

    // ---- arrays and plans ------------------------------------------------------------------

    @Override
    MemorySegment createBuffer(DeviceArray a, MemorySegment host) {
        checkOpen();
        if (a.hostBacked()) throw new IllegalArgumentException("array " + a + ": host-backed arrays are an OpenCL feature");
        makeCurrent();
        try {
            return MemorySegment.ofAddress(cuda.memAlloc(a.byteSize()));
        } catch (NativeException e) {
            throw new NativeException(e.runtime(), e.call(), e.status(), e.statusName(), "array " + a + " on " + info.name());
        }
    }

    @Override
    void freeBuffer(MemorySegment mem) {
        makeCurrent();
        cuda.memFree(mem.address());
    }

    @Override
    PlanCommands commands() {
        return commands;
    }

    @Override
    String runtime() {
        return Cuda.RUNTIME;
    }

    @Override
    String platformName() {
        return "CUDA driver " + info.driverVersion() / 1000 + "." + info.driverVersion() % 1000 / 10;
    }

    @Override
    String deviceName() {
        return info.name();
    }

    private MemorySegment module(KernelSource source, Defines defines) {
        String text = source.assemble(Dialect.CUDA);
        List<String> options = buildOptions(defines);
        String joined = String.join(" ", options);
        String key = ProgramCache.key(Dialect.CUDA, text, joined, identity);
        MemorySegment module = modules.get(key);
        if (module != null) {
            memoryHits++;
            return module;
        }
        Optional<byte[]> binary = cache.load(key);
        if (binary.isPresent()) {
            try {
                module = cuda.moduleLoad(binary.get(), source.file() + " (cached)");
                diskHits++;
            } catch (NativeException e) {
                cache.evict(key); // the driver refused the cached image: rebuild it
            }
        }
        if (module == null) {
            byte[] image = nvrtc.compile(text, source.file(), options, info.name());
            sourceBuilds++;
            module = cuda.moduleLoad(image, source.file() + " built with [" + joined + "]");
            cache.store(key, image);
        }
        modules.put(key, module);
        return module;
    }

    /** Unloads the modules, destroys the stream and releases the primary context. */
    @Override
    public void close() {
        if (closed) return;
        makeCurrent();
        RuntimeException first = closePlansAndArrays();
        closed = true;
        try {
            cuda.streamSynchronize(stream);
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        try {
            for (MemorySegment m : modules.values()) cuda.moduleUnload(m);
            modules.clear();
            cuda.streamDestroy(stream);
            cuda.primaryContextRelease(handle);
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return location() + " (" + info.name() + ", " + info.architecture() + ")";
    }
}
