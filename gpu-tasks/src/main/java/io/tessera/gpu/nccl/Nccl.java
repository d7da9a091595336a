/*
 * The NCCL 2 binding (libnccl.so.2), through FFM: version, unique id, communicator creation
 * (ncclCommInitRank takes the 128-byte ncclUniqueId by value), in-place all-reduce and broadcast
 * on device pointers and a CUDA stream, asynchronous error query, destroy and abort, and the
 * communicator's own rank, size and device. Every call goes through one status check that names the
 * ncclResult_t and quotes ncclGetErrorString and, on NCCL 2.13 and newer, ncclGetLastError.
 * NcclCollective decides on which thread and with which CUDA context the calls run; this class
 * only wraps them.
 */
package io.tessera.gpu.nccl;

import io.tessera.gpu.GpuUnavailableException;
import io.tessera.gpu.NativeException;
import io.tessera.gpu.NativeLibraries;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** FFM binding of NCCL's C API (the subset the collectives need). */
public final class Nccl {
    public static final String RUNTIME = "nccl";
    /** The system property that names libnccl explicitly. */
    public static final String LIBRARY_PROPERTY = "tessera.nccl.library";
    /** NCCL_UNIQUE_ID_BYTES: the size of an ncclUniqueId. */
    public static final int UNIQUE_ID_BYTES = 128;
    /** ncclDataType_t: ncclFloat32 (ncclFloat) and ncclFloat64 (ncclDouble). */
    public static final int ncclFloat32 = 7, ncclFloat64 = 8;
    /** ncclRedOp_t: ncclSum, and ncclAvg (NCCL 2.10 and newer). */
    public static final int ncclSum = 0, ncclAvg = 4;

    /** typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId; passed by value to ncclCommInitRank. */
    static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, JAVA_BYTE).withName("internal"))
            .withName("ncclUniqueId");

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle getVersion, getUniqueId, commInitRank, allReduce, broadcast, commDestroy, commAbort;
    private final MethodHandle commGetAsyncError, commCount, commCuDevice, commUserRank, getErrorString;
    /** ncclGetLastError (NCCL 2.13 and newer), or null. */
    private final MethodHandle getLastError;
    private final int versionCode;

    private Nccl(SymbolLookup lib) {
        getVersion = bind(lib, "ncclGetVersion", ADDRESS);
        getUniqueId = bind(lib, "ncclGetUniqueId", ADDRESS);
        commInitRank = bind(lib, "ncclCommInitRank", ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT);
        allReduce = bind(lib, "ncclAllReduce", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        broadcast = bind(lib, "ncclBroadcast", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
        commDestroy = bind(lib, "ncclCommDestroy", ADDRESS);
        commAbort = bind(lib, "ncclCommAbort", ADDRESS);
        commGetAsyncError = bind(lib, "ncclCommGetAsyncError", ADDRESS, ADDRESS);
        commCount = bind(lib, "ncclCommCount", ADDRESS, ADDRESS);
        commCuDevice = bind(lib, "ncclCommCuDevice", ADDRESS, ADDRESS);
        commUserRank = bind(lib, "ncclCommUserRank", ADDRESS, ADDRESS);
        getErrorString = downcall(lib, "ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        getLastError = lib.find("ncclGetLastError").isPresent() ? downcall(lib, "ncclGetLastError", FunctionDescriptor.of(ADDRESS, ADDRESS)) : null;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) getVersion.invokeExact(v), "ncclGetVersion", "");
            versionCode = v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Loads libnccl: only {@code library} when given, else by soname (libnccl.so.2) through the
     * system loader, then the system's library folders, $CUDA_HOME/lib64, /usr/local/cuda*\/lib64 and
     * the nvidia-nccl-cu* wheels' site-packages/nvidia/nccl/lib.
     *
     * @throws GpuUnavailableException for runtime "nccl", in one line listing where it looked, when no
     *                                 library loads or one lacks a function this binding calls
     */
    public static Nccl load(Optional<Path> library) {
        SymbolLookup lib;
        java.util.List<Path> places = NativeLibraries.ncclPlaces();
        try {
            lib = NativeLibraries.open(RUNTIME, library, NativeLibraries.NCCL_NAMES, places, Arena.global());
        } catch (GpuUnavailableException e) {
            if (library.isPresent()) throw e;
            boolean wheels = places.stream().anyMatch(p -> p.toString().contains("-packages/nvidia/"));
            throw new GpuUnavailableException(RUNTIME, e.reason() + (wheels ? "" : " (no site-packages/nvidia/*/lib of an NVIDIA wheel either)")
                    + "; install NCCL 2 (the libnccl2 package, or pip install nvidia-nccl-cu12) or name the library with -D" + LIBRARY_PROPERTY + "=PATH", e);
        }
        return new Nccl(lib);
    }

    /** {@link #load} with the library the system property {@value #LIBRARY_PROPERTY} names, if set. */
    public static Nccl load() {
        String p = System.getProperty(LIBRARY_PROPERTY);
        return load(p == null || p.isBlank() ? Optional.empty() : Optional.of(Path.of(p)));
    }

    @SuppressWarnings("restricted") // FFM down-calls are the point of this class
    private static MethodHandle downcall(SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lib.find(name).orElseThrow(() ->
                new GpuUnavailableException(RUNTIME, "the NCCL library has no function " + name + " (NCCL 2.4 or newer is needed)"));
        return LINKER.downcallHandle(symbol, fd);
    }

    /** Binds a function returning ncclResult_t (an int). */
    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout... args) {
        return downcall(lib, name, FunctionDescriptor.of(JAVA_INT, args));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }

    // ---- status -----------------------------------------------------------------------------------

    /**
     * Throws a {@link NativeException} naming {@code status} unless it is ncclSuccess; its message
     * adds ncclGetErrorString's words and NCCL's last error, on one line.
     */
    public void check(int status, String call, String context) {
        if (status == NcclStatus.ncclSuccess) return;
        throw failure(status, call, context);
    }

    /** The exception {@link #check} throws for a failed status. */
    public NativeException failure(int status, String call, String context) {
        StringBuilder what = new StringBuilder(context);
        String text = errorString(status);
        if (!text.isEmpty()) what.append(what.isEmpty() ? "" : ": ").append(text);
        String last = lastError();
        if (!last.isEmpty() && !last.equals(text)) what.append(what.isEmpty() ? "" : "; ").append("NCCL: ").append(last);
        return new NativeException(RUNTIME, call, status, NcclStatus.name(status), what.toString());
    }

    /** ncclGetErrorString: NCCL's words for a result, on one line; empty when it has none. */
    @SuppressWarnings("restricted") // NCCL returns a static C string
    public String errorString(int status) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(status);
            return s.equals(MemorySegment.NULL) ? "" : oneLine(s.reinterpret(4096).getString(0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ncclGetLastError: the last error NCCL reported in this process, on one line; empty before NCCL 2.13 or when there is none. */
    @SuppressWarnings("restricted") // NCCL returns a C string it owns
    public String lastError() {
        if (getLastError == null) return "";
        try {
            MemorySegment s = (MemorySegment) getLastError.invokeExact(MemorySegment.NULL);
            return s.equals(MemorySegment.NULL) ? "" : oneLine(s.reinterpret(8192).getString(0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    // ---- version and unique id --------------------------------------------------------------------

    /** NCCL_VERSION_CODE of the loaded library, e.g. 21803 for 2.18.3 (2804 for 2.8.4: the code before 2.9 had one digit less). */
    public int versionCode() {
        return versionCode;
    }

    /** The loaded library's version, e.g. "2.18.3". */
    public String version() {
        return versionName(versionCode);
    }

    /** Whether the loaded library is at least {@code major.minor}. */
    public boolean atLeast(int major, int minor) {
        return versionCode >= code(major, minor, 0);
    }

    /** NCCL_VERSION(X, Y, Z): X·1000 + Y·100 + Z up to 2.8, X·10000 + Y·100 + Z from 2.9 on. */
    static int code(int major, int minor, int patch) {
        return major <= 2 && minor <= 8 ? major * 1000 + minor * 100 + patch : major * 10000 + minor * 100 + patch;
    }

    /** The "X.Y.Z" of an NCCL_VERSION_CODE. */
    static String versionName(int code) {
        if (code >= 10000) return code / 10000 + "." + code % 10000 / 100 + "." + code % 100;
        return code / 1000 + "." + code % 1000 / 100 + "." + code % 100;
    }

    /** ncclGetUniqueId: a new id for one communicator (with NCCL_COMM_ID set, the same on every rank). */
    public byte[] uniqueId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(UNIQUE_ID);
            check((int) getUniqueId.invokeExact(id), "ncclGetUniqueId", "");
            return id.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- communicators --------------------------------------------------------------------------------

    /**
     * ncclCommInitRank(&comm, nranks, id, rank) on the calling thread's current CUDA device; blocks
     * until all {@code nranks} ranks have called it with the same id.
     *
     * @return the communicator (ncclComm_t)
     */
    public MemorySegment commInitRank(int nranks, byte[] id, int rank, String context) {
        if (id.length != UNIQUE_ID_BYTES) throw new IllegalArgumentException("an ncclUniqueId has " + UNIQUE_ID_BYTES + " bytes, got " + id.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS), byValue = a.allocate(UNIQUE_ID);
            MemorySegment.copy(id, 0, byValue, JAVA_BYTE, 0, id.length);
            check((int) commInitRank.invokeExact(out, nranks, byValue, rank), "ncclCommInitRank", context);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ncclAllReduce(buffer, buffer, count, datatype, op, comm, stream): in place, enqueued on {@code stream}. */
    public void allReduce(long buffer, long count, int datatype, int op, MemorySegment comm, MemorySegment stream, String context) {
        MemorySegment p = MemorySegment.ofAddress(buffer);
        try {
            check((int) allReduce.invokeExact(p, p, count, datatype, op, comm, stream), "ncclAllReduce", context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ncclBroadcast(buffer, buffer, count, datatype, root, comm, stream): in place, enqueued on {@code stream}. */
    public void broadcast(long buffer, long count, int datatype, int root, MemorySegment comm, MemorySegment stream, String context) {
        MemorySegment p = MemorySegment.ofAddress(buffer);
        try {
            check((int) broadcast.invokeExact(p, p, count, datatype, root, comm, stream), "ncclBroadcast", context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * ncclCommGetAsyncError: the communicator's asynchronous state, ncclSuccess while healthy
     * (ncclInProgress while a non-blocking call runs); the query's own failure throws.
     */
    public int asyncError(MemorySegment comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) commGetAsyncError.invokeExact(comm, v), "ncclCommGetAsyncError", "");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ncclCommDestroy: waits for the communicator's pending work, then frees it. */
    public void commDestroy(MemorySegment comm) {
        try {
            check((int) commDestroy.invokeExact(comm), "ncclCommDestroy", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ncclCommAbort: stops the communicator's pending work and frees it (after a timeout or a failure). */
    public void commAbort(MemorySegment comm) {
        try {
            check((int) commAbort.invokeExact(comm), "ncclCommAbort", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ncclCommCount: the number of ranks in the communicator. */
    public int commCount(MemorySegment comm) {
        return commInt(commCount, comm, "ncclCommCount");
    }

    /** ncclCommUserRank: this rank in the communicator. */
    public int commUserRank(MemorySegment comm) {
        return commInt(commUserRank, comm, "ncclCommUserRank");
    }

    /** ncclCommCuDevice: the CUDA device ordinal the communicator runs on. */
    public int commCuDevice(MemorySegment comm) {
        return commInt(commCuDevice, comm, "ncclCommCuDevice");
    }

    private int commInt(MethodHandle h, MemorySegment comm, String call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) h.invokeExact(comm, v), call, "");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public String toString() {
        return "NCCL " + version();
    }
}
