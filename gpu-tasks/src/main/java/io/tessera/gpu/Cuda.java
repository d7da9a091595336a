/*
 * The CUDA driver API binding (libcuda), through FFM. For now it covers initialisation and the
 * device queries that Devices lists; memory, modules (NVRTC output) and launches come with the
 * CUDA runtime of the GPU backend. Every call goes through one status check that names the
 * status with the driver's own cuGetErrorName (CUDA_ERROR_NO_DEVICE, ...).
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
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** FFM binding of the CUDA driver API: initialisation and device queries. */
public final class Cuda {
    public static final String RUNTIME = "cuda";
    /** CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT */
    public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle init, driverGetVersion, deviceGetCount, deviceGet, deviceGetName, deviceTotalMem, deviceGetAttribute, getErrorName;

    private Cuda(SymbolLookup lib) {
        init = bind(lib, "cuInit", JAVA_INT, JAVA_INT);
        driverGetVersion = bind(lib, "cuDriverGetVersion", JAVA_INT, ADDRESS);
        deviceGetCount = bind(lib, "cuDeviceGetCount", JAVA_INT, ADDRESS);
        deviceGet = bind(lib, "cuDeviceGet", JAVA_INT, ADDRESS, JAVA_INT);
        deviceGetName = bind(lib, "cuDeviceGetName", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        deviceTotalMem = bind(lib, "cuDeviceTotalMem_v2", JAVA_INT, ADDRESS, JAVA_INT);
        deviceGetAttribute = bind(lib, "cuDeviceGetAttribute", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        getErrorName = bind(lib, "cuGetErrorName", JAVA_INT, JAVA_INT, ADDRESS);
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

    @SuppressWarnings("restricted") // FFM down-calls are the point of this class
    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout ret, MemoryLayout... args) {
        MemorySegment symbol = lib.find(name).orElseThrow(() ->
                new GpuUnavailableException(RUNTIME, "the CUDA driver library has no function " + name));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(ret, args));
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

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }

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
}
