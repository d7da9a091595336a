/*
 * The OpenCL binding: the subset of the OpenCL 1.2 C API that Tessera uses, called through
 * FFM down-calls (no JNI). Every call goes through one status check that throws a
 * NativeException naming the status (CL_OUT_OF_RESOURCES, ...). This class is only the binding;
 * contexts, programs and task graphs live in OpenClDevice and TaskGraph.
 */
package io.tessera.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** FFM binding of libOpenCL (the ICD loader). Handles (cl_platform_id, cl_mem, ...) are addresses. */
public final class OpenCl {
    public static final String RUNTIME = "opencl";

    // cl_device_type
    public static final long CL_DEVICE_TYPE_CPU = 1L << 1;
    public static final long CL_DEVICE_TYPE_GPU = 1L << 2;
    public static final long CL_DEVICE_TYPE_ACCELERATOR = 1L << 3;
    public static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    // cl_platform_info
    public static final int CL_PLATFORM_VERSION = 0x0901;
    public static final int CL_PLATFORM_NAME = 0x0902;
    public static final int CL_PLATFORM_VENDOR = 0x0903;
    // cl_device_info
    public static final int CL_DEVICE_TYPE = 0x1000;
    public static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    public static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    public static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    public static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    public static final int CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    public static final int CL_DEVICE_NAME = 0x102B;
    public static final int CL_DEVICE_VENDOR = 0x102C;
    public static final int CL_DRIVER_VERSION = 0x102D;
    public static final int CL_DEVICE_VERSION = 0x102F;
    // cl_command_queue_properties
    public static final long CL_QUEUE_PROFILING_ENABLE = 1L << 1;
    // cl_mem_flags
    public static final long CL_MEM_READ_WRITE = 1L;
    public static final long CL_MEM_USE_HOST_PTR = 1L << 3;
    // cl_program_info, cl_program_build_info
    public static final int CL_PROGRAM_BINARY_SIZES = 0x1165;
    public static final int CL_PROGRAM_BINARIES = 0x1166;
    public static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    // cl_kernel_work_group_info
    public static final int CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    // cl_kernel_info
    public static final int CL_KERNEL_NUM_ARGS = 0x1191;
    // cl_profiling_info
    public static final int CL_PROFILING_COMMAND_START = 0x1282;
    public static final int CL_PROFILING_COMMAND_END = 0x1283;

    private static final Linker LINKER = Linker.nativeLinker();
    /** Bindings already made, by the library option they were loaded with (a failed load is not kept). */
    private static final ConcurrentMap<Optional<Path>, OpenCl> LOADED = new ConcurrentHashMap<>();

    private final MethodHandle getPlatformIDs, getPlatformInfo, getDeviceIDs, getDeviceInfo;
    private final MethodHandle createContext, releaseContext, createCommandQueue, releaseCommandQueue, finish;
    private final MethodHandle createBuffer, releaseMemObject, enqueueWriteBuffer, enqueueReadBuffer, enqueueFillBuffer;
    private final MethodHandle createProgramWithSource, createProgramWithBinary, buildProgram, getProgramBuildInfo;
    private final MethodHandle getProgramInfo, releaseProgram;
    private final MethodHandle createKernel, setKernelArg, releaseKernel, getKernelInfo, getKernelWorkGroupInfo, enqueueNDRangeKernel;
    private final MethodHandle getEventProfilingInfo, releaseEvent;

    private OpenCl(SymbolLookup lib) {
        var I = JAVA_INT;
        var L = JAVA_LONG;
        var A = ADDRESS;
        getPlatformIDs = bind(lib, "clGetPlatformIDs", I, I, A, A);
        getPlatformInfo = bind(lib, "clGetPlatformInfo", I, A, I, L, A, A);
        getDeviceIDs = bind(lib, "clGetDeviceIDs", I, A, L, I, A, A);
        getDeviceInfo = bind(lib, "clGetDeviceInfo", I, A, I, L, A, A);
        createContext = bind(lib, "clCreateContext", A, A, I, A, A, A, A);
        releaseContext = bind(lib, "clReleaseContext", I, A);
        createCommandQueue = bind(lib, "clCreateCommandQueue", A, A, A, L, A);
        releaseCommandQueue = bind(lib, "clReleaseCommandQueue", I, A);
        finish = bind(lib, "clFinish", I, A);
        createBuffer = bind(lib, "clCreateBuffer", A, A, L, L, A, A);
        releaseMemObject = bind(lib, "clReleaseMemObject", I, A);
        enqueueWriteBuffer = bind(lib, "clEnqueueWriteBuffer", I, A, A, I, L, L, A, I, A, A);
        enqueueReadBuffer = bind(lib, "clEnqueueReadBuffer", I, A, A, I, L, L, A, I, A, A);
        enqueueFillBuffer = bind(lib, "clEnqueueFillBuffer", I, A, A, A, L, L, L, I, A, A);
        createProgramWithSource = bind(lib, "clCreateProgramWithSource", A, A, I, A, A, A);
        createProgramWithBinary = bind(lib, "clCreateProgramWithBinary", A, A, I, A, A, A, A, A);
        buildProgram = bind(lib, "clBuildProgram", I, A, I, A, A, A, A);
        getProgramBuildInfo = bind(lib, "clGetProgramBuildInfo", I, A, A, I, L, A, A);
        getProgramInfo = bind(lib, "clGetProgramInfo", I, A, I, L, A, A);
        releaseProgram = bind(lib, "clReleaseProgram", I, A);
        createKernel = bind(lib, "clCreateKernel", A, A, A, A);
        setKernelArg = bind(lib, "clSetKernelArg", I, A, I, L, A);
        releaseKernel = bind(lib, "clReleaseKernel", I, A);
        getKernelInfo = bind(lib, "clGetKernelInfo", I, A, I, L, A, A);
        getKernelWorkGroupInfo = bind(lib, "clGetKernelWorkGroupInfo", I, A, A, I, L, A, A);
        enqueueNDRangeKernel = bind(lib, "clEnqueueNDRangeKernel", I, A, A, I, A, A, A, I, A, A);
        getEventProfilingInfo = bind(lib, "clGetEventProfilingInfo", I, A, I, L, A, A);
        releaseEvent = bind(lib, "clReleaseEvent", I, A);
    }

    /**
     * Loads libOpenCL: from {@code library} only when given, else by soname and in the usual
     * places (see {@link NativeLibraries#OPENCL_PLACES}). The library stays loaded for the life
     * of the process, and the binding is made once per {@code library} option.
     *
     * @throws GpuUnavailableException when no library opens or a needed function is missing
     */
    public static OpenCl load(Optional<Path> library) {
        if (ADDRESS.byteSize() != 8) {
            throw new GpuUnavailableException(RUNTIME, "only 64-bit platforms are supported");
        }
        OpenCl cached = LOADED.get(library);
        if (cached != null) return cached;
        SymbolLookup lib = NativeLibraries.open(RUNTIME, library, NativeLibraries.OPENCL_NAMES, NativeLibraries.OPENCL_PLACES, Arena.global());
        OpenCl cl = new OpenCl(lib);
        OpenCl raced = LOADED.putIfAbsent(library, cl);
        return raced != null ? raced : cl;
    }

    @SuppressWarnings("restricted") // FFM down-calls are the point of this class
    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout ret, MemoryLayout... args) {
        MemorySegment symbol = lib.find(name).orElseThrow(() ->
                new GpuUnavailableException(RUNTIME, "the OpenCL library has no function " + name + " (OpenCL 1.2 is required)"));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(ret, args));
    }

    // ---- the one status check -------------------------------------------------------------

    /** Throws a {@link NativeException} naming {@code status} unless it is CL_SUCCESS. */
    public static void check(int status, String call, String context) {
        if (status != ClStatus.CL_SUCCESS) {
            throw new NativeException(RUNTIME, call, status, ClStatus.name(status), context);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }

    // ---- platforms and devices ------------------------------------------------------------

    /** All platforms; empty when the ICD loader finds none (CL_PLATFORM_NOT_FOUND_KHR). */
    public List<MemorySegment> platforms() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            int st = (int) getPlatformIDs.invokeExact(0, MemorySegment.NULL, n);
            if (st == ClStatus.CL_PLATFORM_NOT_FOUND_KHR) return List.of();
            check(st, "clGetPlatformIDs", "counting platforms");
            int count = n.get(JAVA_INT, 0);
            if (count == 0) return List.of();
            MemorySegment ids = a.allocate(ADDRESS, count);
            check((int) getPlatformIDs.invokeExact(count, ids, MemorySegment.NULL), "clGetPlatformIDs", "listing platforms");
            return addresses(ids, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A string property of a platform (CL_PLATFORM_NAME, ...). */
    public String platformString(MemorySegment platform, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) getPlatformInfo.invokeExact(platform, param, 0L, MemorySegment.NULL, size), "clGetPlatformInfo", "param 0x" + Integer.toHexString(param));
            MemorySegment buf = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            check((int) getPlatformInfo.invokeExact(platform, param, buf.byteSize(), buf, MemorySegment.NULL), "clGetPlatformInfo", "param 0x" + Integer.toHexString(param));
            return cString(buf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The devices of {@code type} on a platform; empty when it has none (CL_DEVICE_NOT_FOUND). */
    public List<MemorySegment> devices(MemorySegment platform, long type) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            int st = (int) getDeviceIDs.invokeExact(platform, type, 0, MemorySegment.NULL, n);
            if (st == ClStatus.CL_DEVICE_NOT_FOUND) return List.of();
            check(st, "clGetDeviceIDs", "counting devices");
            int count = n.get(JAVA_INT, 0);
            if (count == 0) return List.of();
            MemorySegment ids = a.allocate(ADDRESS, count);
            check((int) getDeviceIDs.invokeExact(platform, type, count, ids, MemorySegment.NULL), "clGetDeviceIDs", "listing devices");
            return addresses(ids, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A string property of a device (CL_DEVICE_NAME, ...). */
    public String deviceString(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) getDeviceInfo.invokeExact(device, param, 0L, MemorySegment.NULL, size), "clGetDeviceInfo", "param 0x" + Integer.toHexString(param));
            MemorySegment buf = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            check((int) getDeviceInfo.invokeExact(device, param, buf.byteSize(), buf, MemorySegment.NULL), "clGetDeviceInfo", "param 0x" + Integer.toHexString(param));
            return cString(buf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A numeric property of a device: cl_uint, cl_ulong and size_t properties alike (the value
     * is read at the width the runtime reports).
     */
    public long deviceNumber(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(JAVA_LONG);
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) getDeviceInfo.invokeExact(device, param, 8L, buf, size), "clGetDeviceInfo", "param 0x" + Integer.toHexString(param));
            return size.get(JAVA_LONG, 0) == 4 ? Integer.toUnsignedLong(buf.get(JAVA_INT, 0)) : buf.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- contexts and queues --------------------------------------------------------------

    /** A context over one device. */
    public MemorySegment createContext(MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devs = a.allocate(ADDRESS);
            devs.set(ADDRESS, 0, device);
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment ctx = (MemorySegment) createContext.invokeExact(MemorySegment.NULL, 1, devs, MemorySegment.NULL, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateContext", "one device");
            return ctx;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void releaseContext(MemorySegment context) {
        try {
            check((int) releaseContext.invokeExact(context), "clReleaseContext", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** An in-order command queue; {@code properties} e.g. {@link #CL_QUEUE_PROFILING_ENABLE}. */
    public MemorySegment createCommandQueue(MemorySegment context, MemorySegment device, long properties) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment q = (MemorySegment) createCommandQueue.invokeExact(context, device, properties, err);
            check(err.get(JAVA_INT, 0), "clCreateCommandQueue", "properties 0x" + Long.toHexString(properties));
            return q;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void releaseCommandQueue(MemorySegment queue) {
        try {
            check((int) releaseCommandQueue.invokeExact(queue), "clReleaseCommandQueue", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Blocks until every command in the queue has completed. */
    public void finish(MemorySegment queue) {
        try {
            check((int) finish.invokeExact(queue), "clFinish", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- buffers --------------------------------------------------------------------------

    /**
     * A buffer of {@code bytes}; with {@link #CL_MEM_USE_HOST_PTR} in {@code flags} it is backed
     * by {@code hostPtr} (which must outlive it), else {@code hostPtr} is NULL.
     */
    public MemorySegment createBuffer(MemorySegment context, long flags, long bytes, MemorySegment hostPtr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment mem = (MemorySegment) createBuffer.invokeExact(context, flags, bytes, hostPtr, err);
            check(err.get(JAVA_INT, 0), "clCreateBuffer", bytes + " bytes, flags 0x" + Long.toHexString(flags));
            return mem;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void releaseMemObject(MemorySegment mem) {
        try {
            check((int) releaseMemObject.invokeExact(mem), "clReleaseMemObject", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Copies {@code bytes} from host {@code src} into {@code mem} at {@code offset}. When
     * {@code event} is not NULL it receives the command's cl_event (the caller releases it).
     */
    public void enqueueWriteBuffer(MemorySegment queue, MemorySegment mem, boolean blocking, long offset, long bytes,
                                   MemorySegment src, MemorySegment event) {
        try {
            check((int) enqueueWriteBuffer.invokeExact(queue, mem, blocking ? 1 : 0, offset, bytes, src, 0, MemorySegment.NULL, event),
                    "clEnqueueWriteBuffer", bytes + " bytes at offset " + offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Copies {@code bytes} of {@code mem} at {@code offset} into host {@code dst}. */
    public void enqueueReadBuffer(MemorySegment queue, MemorySegment mem, boolean blocking, long offset, long bytes,
                                  MemorySegment dst, MemorySegment event) {
        try {
            check((int) enqueueReadBuffer.invokeExact(queue, mem, blocking ? 1 : 0, offset, bytes, dst, 0, MemorySegment.NULL, event),
                    "clEnqueueReadBuffer", bytes + " bytes at offset " + offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Fills {@code bytes} of {@code mem} at {@code offset} with a repeated pattern. */
    public void enqueueFillBuffer(MemorySegment queue, MemorySegment mem, MemorySegment pattern, long offset, long bytes,
                                  MemorySegment event) {
        try {
            check((int) enqueueFillBuffer.invokeExact(queue, mem, pattern, pattern.byteSize(), offset, bytes, 0, MemorySegment.NULL, event),
                    "clEnqueueFillBuffer", bytes + " bytes at offset " + offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- programs and kernels -------------------------------------------------------------

    public MemorySegment createProgramWithSource(MemorySegment context, String source) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocateFrom(source);
            MemorySegment strings = a.allocate(ADDRESS);
            strings.set(ADDRESS, 0, text);
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment p = (MemorySegment) createProgramWithSource.invokeExact(context, 1, strings, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateProgramWithSource", source.length() + " characters");
            return p;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A program from a binary this runtime produced earlier (see {@link #programBinary}). */
    public MemorySegment createProgramWithBinary(MemorySegment context, MemorySegment device, byte[] binary) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devs = a.allocate(ADDRESS);
            devs.set(ADDRESS, 0, device);
            MemorySegment lengths = a.allocate(JAVA_LONG);
            lengths.set(JAVA_LONG, 0, binary.length);
            MemorySegment bin = a.allocate(Math.max(1, binary.length));
            MemorySegment.copy(binary, 0, bin, JAVA_BYTE, 0, binary.length);
            MemorySegment bins = a.allocate(ADDRESS);
            bins.set(ADDRESS, 0, bin);
            MemorySegment binStatus = a.allocate(JAVA_INT);
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment p = (MemorySegment) createProgramWithBinary.invokeExact(context, 1, devs, lengths, bins, binStatus, err);
            check(err.get(JAVA_INT, 0), "clCreateProgramWithBinary", binary.length + " bytes");
            check(binStatus.get(JAVA_INT, 0), "clCreateProgramWithBinary", "binary status, " + binary.length + " bytes");
            return p;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Builds for one device; a compile error throws with CL_BUILD_PROGRAM_FAILURE (read {@link #buildLog}). */
    public void buildProgram(MemorySegment program, MemorySegment device, String options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devs = a.allocate(ADDRESS);
            devs.set(ADDRESS, 0, device);
            check((int) buildProgram.invokeExact(program, 1, devs, a.allocateFrom(options), MemorySegment.NULL, MemorySegment.NULL),
                    "clBuildProgram", "options [" + options + "]");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The compiler's log of the last build of {@code program} for {@code device}. */
    public String buildLog(MemorySegment program, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size),
                    "clGetProgramBuildInfo", "build log size");
            MemorySegment buf = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            check((int) getProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, buf.byteSize(), buf, MemorySegment.NULL),
                    "clGetProgramBuildInfo", "build log");
            return cString(buf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The device binary of a program built for exactly one device. */
    public byte[] programBinary(MemorySegment program) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) getProgramInfo.invokeExact(program, CL_PROGRAM_BINARY_SIZES, 8L, size, MemorySegment.NULL),
                    "clGetProgramInfo", "CL_PROGRAM_BINARY_SIZES");
            long n = size.get(JAVA_LONG, 0);
            if (n <= 0 || n > Integer.MAX_VALUE) return new byte[0];
            MemorySegment bin = a.allocate(n);
            MemorySegment ptrs = a.allocate(ADDRESS);
            ptrs.set(ADDRESS, 0, bin);
            check((int) getProgramInfo.invokeExact(program, CL_PROGRAM_BINARIES, 8L, ptrs, MemorySegment.NULL),
                    "clGetProgramInfo", "CL_PROGRAM_BINARIES");
            return bin.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void releaseProgram(MemorySegment program) {
        try {
            check((int) releaseProgram.invokeExact(program), "clReleaseProgram", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment k = (MemorySegment) createKernel.invokeExact(program, a.allocateFrom(name), err);
            check(err.get(JAVA_INT, 0), "clCreateKernel", "kernel " + name);
            return k;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets argument {@code index}: {@code value} holds {@code size} bytes, or is NULL for local memory. */
    public void setKernelArg(MemorySegment kernel, int index, long size, MemorySegment value, String context) {
        try {
            check((int) setKernelArg.invokeExact(kernel, index, size, value), "clSetKernelArg", context + ", argument " + index);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void releaseKernel(MemorySegment kernel) {
        try {
            check((int) releaseKernel.invokeExact(kernel), "clReleaseKernel", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The number of arguments the kernel function declares. */
    public int kernelNumArgs(MemorySegment kernel) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) getKernelInfo.invokeExact(kernel, CL_KERNEL_NUM_ARGS, 4L, v, MemorySegment.NULL), "clGetKernelInfo", "CL_KERNEL_NUM_ARGS");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The largest work-group size this kernel can be launched with on {@code device}. */
    public long kernelWorkGroupSize(MemorySegment kernel, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check((int) getKernelWorkGroupInfo.invokeExact(kernel, device, CL_KERNEL_WORK_GROUP_SIZE, 8L, v, MemorySegment.NULL),
                    "clGetKernelWorkGroupInfo", "CL_KERNEL_WORK_GROUP_SIZE");
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Launches {@code kernel} over {@code global} work-items in groups of {@code local} (null
     * lets the runtime choose). {@code event}, when not NULL, receives the launch's cl_event.
     */
    public void enqueueNDRangeKernel(MemorySegment queue, MemorySegment kernel, long[] global, long[] local, MemorySegment event, String context) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment g = a.allocateFrom(JAVA_LONG, global);
            MemorySegment l = local == null ? MemorySegment.NULL : a.allocateFrom(JAVA_LONG, local);
            check((int) enqueueNDRangeKernel.invokeExact(queue, kernel, global.length, MemorySegment.NULL, g, l, 0, MemorySegment.NULL, event),
                    "clEnqueueNDRangeKernel", context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- events ---------------------------------------------------------------------------

    /** A profiling timestamp in nanoseconds (CL_PROFILING_COMMAND_START / END). */
    public long profilingInfo(MemorySegment event, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check((int) getEventProfilingInfo.invokeExact(event, param, 8L, v, MemorySegment.NULL), "clGetEventProfilingInfo",
                    "param 0x" + Integer.toHexString(param));
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void releaseEvent(MemorySegment event) {
        try {
            check((int) releaseEvent.invokeExact(event), "clReleaseEvent", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private static List<MemorySegment> addresses(MemorySegment array, int count) {
        List<MemorySegment> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(array.getAtIndex(ADDRESS, i));
        return List.copyOf(out);
    }

    private static String cString(MemorySegment buf) {
        byte[] bytes = buf.toArray(JAVA_BYTE);
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, StandardCharsets.UTF_8).strip();
    }
}
