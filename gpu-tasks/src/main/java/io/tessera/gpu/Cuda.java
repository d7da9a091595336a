/*
 * The CUDA driver API binding (libcuda), through FFM: initialisation, device queries, the
 * primary context, streams, device memory, modules loaded from PTX or CUBIN images, kernel
 * launches and events. Every call goes through one status check that names the status with the
 * driver's own cuGetErrorName (CUDA_ERROR_NO_DEVICE, CUDA_ERROR_OUT_OF_MEMORY, ...). Device
 * pointers (CUdeviceptr) are 64-bit integers; the other handles are opaque pointers.
 *
 * The driver keeps a current context per thread: CudaDevice makes its context current on the
 * thread that drives it; this class only wraps the calls.
 */
package io.tessera.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** FFM binding of the CUDA driver API. */
public final class Cuda {
    public static final String RUNTIME = "cuda";
    /** CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK */
    public static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    /** CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK */
    public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    /** CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT */
    public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    /** CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR */
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    /** CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, _SHARED_SIZE_BYTES, _LOCAL_SIZE_BYTES, _NUM_REGS */
    public static final int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1,
            CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 3, CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
    /** CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES */
    private static final int CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    /** CUDA_ERROR_NOT_READY: an event or stream query whose work has not finished (not an error). */
    public static final int CUDA_ERROR_NOT_READY = 600;
    /** CU_POINTER_ATTRIBUTE_MEMORY_TYPE, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL (cuda.h's CUpointer_attribute). */
    private static final int CU_POINTER_ATTRIBUTE_MEMORY_TYPE = 2, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL = 9;
    /** CU_MEMORYTYPE_DEVICE (cuda.h's CUmemorytype). */
    private static final int CU_MEMORYTYPE_DEVICE = 2;

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle init, driverGetVersion, deviceGetCount, deviceGet, deviceGetName, deviceTotalMem, deviceGetAttribute, getErrorName;
    private final MethodHandle primaryCtxRetain, primaryCtxRelease, ctxSetCurrent, ctxSynchronize, memGetInfo;
    private final MethodHandle streamCreate, streamSynchronize, streamQuery, streamDestroy, pointerGetAttribute;
    private final MethodHandle memAlloc, memFree, memcpyHtoDAsync, memcpyDtoHAsync, memcpyDtoDAsync, memsetD32Async;
    private final MethodHandle moduleLoadDataEx, moduleGetFunction, moduleUnload, funcGetAttribute, launchKernel;
    private final MethodHandle eventCreate, eventRecord, eventSynchronize, eventElapsedTime, eventDestroy;
    /** cuFuncGetParamInfo (CUDA 12.4 and newer), or null on older drivers. */
    private final MethodHandle funcGetParamInfo;

    private Cuda(SymbolLookup lib) {
        init = bind(lib, "cuInit", JAVA_INT);
        driverGetVersion = bind(lib, "cuDriverGetVersion", ADDRESS);
        deviceGetCount = bind(lib, "cuDeviceGetCount", ADDRESS);
        deviceGet = bind(lib, "cuDeviceGet", ADDRESS, JAVA_INT);
        deviceGetName = bind(lib, "cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        deviceTotalMem = bind(lib, "cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
        deviceGetAttribute = bind(lib, "cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        getErrorName = bind(lib, "cuGetErrorName", JAVA_INT, ADDRESS);
        primaryCtxRetain = bind(lib, "cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        primaryCtxRelease = bind(lib, "cuDevicePrimaryCtxRelease_v2", JAVA_INT);
        ctxSetCurrent = bind(lib, "cuCtxSetCurrent", ADDRESS);
        ctxSynchronize = bind(lib, "cuCtxSynchronize");
        memGetInfo = bind(lib, "cuMemGetInfo_v2", ADDRESS, ADDRESS);
        streamCreate = bind(lib, "cuStreamCreate", ADDRESS, JAVA_INT);
        streamSynchronize = bind(lib, "cuStreamSynchronize", ADDRESS);
        streamQuery = bind(lib, "cuStreamQuery", ADDRESS);
        streamDestroy = bind(lib, "cuStreamDestroy_v2", ADDRESS);
        pointerGetAttribute = bind(lib, "cuPointerGetAttribute", ADDRESS, JAVA_INT, JAVA_LONG);
        memAlloc = bind(lib, "cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        memFree = bind(lib, "cuMemFree_v2", JAVA_LONG);
        memcpyHtoDAsync = bind(lib, "cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        memcpyDtoHAsync = bind(lib, "cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        memcpyDtoDAsync = bind(lib, "cuMemcpyDtoDAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
        memsetD32Async = bind(lib, "cuMemsetD32Async", JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS);
        moduleLoadDataEx = bind(lib, "cuModuleLoadDataEx", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        moduleGetFunction = bind(lib, "cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        moduleUnload = bind(lib, "cuModuleUnload", ADDRESS);
        funcGetAttribute = bind(lib, "cuFuncGetAttribute", ADDRESS, JAVA_INT, ADDRESS);
        launchKernel = bind(lib, "cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS);
        eventCreate = bind(lib, "cuEventCreate", ADDRESS, JAVA_INT);
        eventRecord = bind(lib, "cuEventRecord", ADDRESS, ADDRESS);
        eventSynchronize = bind(lib, "cuEventSynchronize", ADDRESS);
        eventElapsedTime = lib.find("cuEventElapsedTime").isPresent()
                ? bind(lib, "cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS) : bind(lib, "cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS);
        eventDestroy = bind(lib, "cuEventDestroy_v2", ADDRESS);
        funcGetParamInfo = lib.find("cuFuncGetParamInfo").isPresent() ? bind(lib, "cuFuncGetParamInfo", ADDRESS, JAVA_LONG, ADDRESS, ADDRESS) : null;
    }

    /**
     * Loads libcuda (explicit path, else by soname and usual places) and calls cuInit.
     *
     * @throws GpuUnavailableException when the driver library is absent or cuInit fails
     */
    public static Cuda load(Optional<Path> library) {
        Cuda cuda = new Cuda(NativeLibraries.open(RUNTIME, library, NativeLibraries.CUDA_NAMES, NativeLibraries.CUDA_PLACES, Arena.global()));
        try {
            cuda.check((int) cuda.init.invokeExact(0), "cuInit", "");
        } catch (NativeException e) {
            throw new GpuUnavailableException(RUNTIME, "the driver is present but cuInit failed with " + e.statusName(), e);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return cuda;
    }

    /** Binds a driver function returning CUresult (int). */
    @SuppressWarnings("restricted") // FFM down-calls are the point of this class
    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout... args) {
        MemorySegment symbol = lib.find(name).orElseThrow(() ->
                new GpuUnavailableException(RUNTIME, "the CUDA driver library has no function " + name));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, args));
    }

    /** Throws a {@link NativeException} naming {@code status} unless it is CUDA_SUCCESS (0). */
    public void check(int status, String call, String context) {
        if (status != 0) throw new NativeException(RUNTIME, call, status, errorName(status), context);
    }

    /** The driver's name for a status, e.g. "CUDA_ERROR_OUT_OF_MEMORY". */
    @SuppressWarnings("restricted") // the driver returns a static C string
    public String errorName(int status) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int st = (int) getErrorName.invokeExact(status, p);
            MemorySegment s = p.get(ADDRESS, 0);
            if (st != 0 || s.equals(MemorySegment.NULL)) return "CUDA_ERROR_UNKNOWN_STATUS";
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }

    // ---- device queries ---------------------------------------------------------------------

    /** The driver's CUDA version, e.g. 12040 for 12.4. */
    public int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) driverGetVersion.invokeExact(v), "cuDriverGetVersion", "");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) deviceGetCount.invokeExact(v), "cuDeviceGetCount", "");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The CUdevice handle of ordinal {@code index}. */
    public int device(int index) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) deviceGet.invokeExact(v, index), "cuDeviceGet", "ordinal " + index);
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            check((int) deviceGetName.invokeExact(buf, 256, device), "cuDeviceGetName", "device " + device);
            return buf.getString(0).strip();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public long deviceTotalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check((int) deviceTotalMem.invokeExact(v, device), "cuDeviceTotalMem_v2", "device " + device);
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int deviceAttribute(int device, int attribute) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) deviceGetAttribute.invokeExact(v, attribute, device), "cuDeviceGetAttribute", "attribute " + attribute + ", device " + device);
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- context and streams ----------------------------------------------------------------

    /** Retains the device's primary context (the one the CUDA runtime and cuBLAS use too). */
    public MemorySegment primaryContextRetain(int device) {
        return handleOut("cuDevicePrimaryCtxRetain", "device " + device, out -> (int) primaryCtxRetain.invokeExact(out, device));
    }

    public void primaryContextRelease(int device) {
        try {
            check((int) primaryCtxRelease.invokeExact(device), "cuDevicePrimaryCtxRelease_v2", "device " + device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Makes {@code context} current on the calling thread. */
    public void setCurrent(MemorySegment context) {
        try {
            check((int) ctxSetCurrent.invokeExact(context), "cuCtxSetCurrent", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Blocks until the current context has finished all its work (reports asynchronous kernel faults). */
    public void contextSynchronize() {
        try {
            check((int) ctxSynchronize.invokeExact(), "cuCtxSynchronize", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {free, total} bytes of device memory as the driver sees them. */
    public long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG), total = a.allocate(JAVA_LONG);
            check((int) memGetInfo.invokeExact(free, total), "cuMemGetInfo_v2", "");
            return new long[]{free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment streamCreate() {
        return handleOut("cuStreamCreate", "", out -> (int) streamCreate.invokeExact(out, 0));
    }

    public void streamSynchronize(MemorySegment stream) {
        try {
            check((int) streamSynchronize.invokeExact(stream), "cuStreamSynchronize", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Whether all work enqueued on {@code stream} has finished (cuStreamQuery: CUDA_SUCCESS), without
     * waiting; false while some runs (CUDA_ERROR_NOT_READY).
     *
     * @throws NativeException for any other status, e.g. a kernel fault reported by the stream
     */
    public boolean streamDone(MemorySegment stream) {
        try {
            int st = (int) streamQuery.invokeExact(stream);
            if (st == CUDA_ERROR_NOT_READY) return false;
            check(st, "cuStreamQuery", "");
            return true;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The ordinal of the device whose memory {@code pointer} points into, when it is device memory
     * allocated through CUDA (cuPointerGetAttribute: CU_POINTER_ATTRIBUTE_MEMORY_TYPE is
     * CU_MEMORYTYPE_DEVICE); -1 for host memory and for addresses CUDA does not know.
     */
    public int deviceOrdinalOf(long pointer) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            int st = (int) pointerGetAttribute.invokeExact(v, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, pointer);
            if (st != 0 || v.get(JAVA_INT, 0) != CU_MEMORYTYPE_DEVICE) return -1; // CUDA_ERROR_INVALID_VALUE: not CUDA memory
            check((int) pointerGetAttribute.invokeExact(v, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, pointer), "cuPointerGetAttribute", "device ordinal");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void streamDestroy(MemorySegment stream) {
        try {
            check((int) streamDestroy.invokeExact(stream), "cuStreamDestroy_v2", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    /** A device allocation of {@code bytes}; returns the device pointer. */
    public long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check((int) memAlloc.invokeExact(v, bytes), "cuMemAlloc_v2", bytes + " bytes");
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memFree(long pointer) {
        try {
            check((int) memFree.invokeExact(pointer), "cuMemFree_v2", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Enqueues a copy of {@code bytes} from host memory to the device on {@code stream}. */
    public void copyToDevice(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check((int) memcpyHtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyHtoDAsync_v2", bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Enqueues a copy of {@code bytes} from the device to host memory on {@code stream}. */
    public void copyToHost(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) memcpyDtoHAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoHAsync_v2", bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Enqueues a device-to-device copy of {@code bytes} on {@code stream}. */
    public void copyOnDevice(long dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) memcpyDtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoDAsync_v2", bytes + " bytes");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Enqueues a fill of {@code count} 32-bit words with {@code pattern} on {@code stream}. */
    public void fill32(long dst, int pattern, long count, MemorySegment stream) {
        try {
            check((int) memsetD32Async.invokeExact(dst, pattern, count, stream), "cuMemsetD32Async", count + " words");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- modules, functions, launches -----------------------------------------------------------

    /**
     * Loads a module from a PTX (NUL-terminated text) or CUBIN image.
     *
     * @throws NativeException carrying the JIT's error log in its context when the driver refuses the image
     */
    public MemorySegment moduleLoad(byte[] image, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment img = a.allocate(image.length + 1L, 16);
            MemorySegment.copy(image, 0, img, JAVA_BYTE, 0, image.length);
            int logSize = 8192;
            MemorySegment log = a.allocate(logSize);
            MemorySegment options = a.allocateFrom(JAVA_INT, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            MemorySegment values = a.allocate(ADDRESS, 2);
            values.setAtIndex(ADDRESS, 0, log);
            values.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(logSize));
            MemorySegment out = a.allocate(ADDRESS);
            int st = (int) moduleLoadDataEx.invokeExact(out, img, 2, options, values);
            if (st != 0) {
                String jit = log.getString(0).strip();
                check(st, "cuModuleLoadDataEx", what + (jit.isEmpty() ? "" : "; JIT log:\n" + jit));
            }
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void moduleUnload(MemorySegment module) {
        try {
            check((int) moduleUnload.invokeExact(module), "cuModuleUnload", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cname = a.allocateFrom(name);
            return handleOut("cuModuleGetFunction", "function " + name, out -> (int) moduleGetFunction.invokeExact(out, module, cname));
        }
    }

    public int functionAttribute(MemorySegment function, int attribute) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) funcGetAttribute.invokeExact(v, attribute, function), "cuFuncGetAttribute", "attribute " + attribute);
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** How many parameters {@code function} takes, or -1 when the driver cannot say (before CUDA 12.4). */
    public int parameterCount(MemorySegment function) {
        if (funcGetParamInfo == null) return -1;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment offset = a.allocate(JAVA_LONG), size = a.allocate(JAVA_LONG);
            for (int i = 0; i < 4096; i++) {
                if ((int) funcGetParamInfo.invokeExact(function, (long) i, offset, size) != 0) return i;
            }
            return -1;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Enqueues {@code function} on {@code stream}; {@code params} is the array of pointers to the
     * argument values (cuLaunchKernel's kernelParams). Returns the status unchecked so the caller
     * can name the kernel and grid only when it fails.
     */
    int launch(MemorySegment function, int gx, int gy, int gz, int bx, int by, int bz, MemorySegment stream, MemorySegment params) {
        try {
            return (int) launchKernel.invokeExact(function, gx, gy, gz, bx, by, bz, 0, stream, params, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- events -------------------------------------------------------------------------------

    public MemorySegment eventCreate() {
        return handleOut("cuEventCreate", "", out -> (int) eventCreate.invokeExact(out, 0));
    }

    public void eventRecord(MemorySegment event, MemorySegment stream) {
        try {
            check((int) eventRecord.invokeExact(event, stream), "cuEventRecord", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void eventSynchronize(MemorySegment event) {
        try {
            check((int) eventSynchronize.invokeExact(event), "cuEventSynchronize", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Milliseconds between two recorded, completed events. */
    public float elapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_FLOAT);
            check((int) eventElapsedTime.invokeExact(v, start, end), "cuEventElapsedTime", "");
            return v.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void eventDestroy(MemorySegment event) {
        try {
            check((int) eventDestroy.invokeExact(event), "cuEventDestroy_v2", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    @FunctionalInterface
    private interface HandleCall {
        int call(MemorySegment out) throws Throwable;
    }

    /** Runs a call that writes one handle through its first argument and returns the handle. */
    private MemorySegment handleOut(String call, String context, HandleCall body) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(body.call(out), call, context);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
