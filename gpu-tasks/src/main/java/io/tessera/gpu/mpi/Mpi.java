/*
 * The Open MPI binding (libmpi.so.40), through FFM: initialisation and finalisation, rank and size
 * of MPI_COMM_WORLD, and the three collectives Tessera uses (MPI_Allreduce in place with MPI_SUM,
 * MPI_Bcast, MPI_Barrier). Open MPI's handles are the addresses of exported globals
 * (MPI_COMM_WORLD = &ompi_mpi_comm_world, MPI_FLOAT = &ompi_mpi_float, MPI_SUM = &ompi_mpi_op_sum),
 * MPI_IN_PLACE is (void *) 1, as its mpi.h defines them; MPICH's integer handles are not bound.
 * Every call goes through one status check that names the error class and quotes MPI_Error_string.
 * MPI is not thread-safe at the level Tessera asks for (MPI_THREAD_FUNNELED): MpiCollective makes
 * every call from one thread; this class only wraps the calls.
 */
package io.tessera.gpu.mpi;

import io.tessera.gpu.GpuUnavailableException;
import io.tessera.gpu.NativeException;
import io.tessera.gpu.NativeLibraries;

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

/** FFM binding of Open MPI's C API (the subset the collectives need). */
public final class Mpi {
    public static final String RUNTIME = "mpi";
    /** MPI_THREAD_SINGLE, _FUNNELED, _SERIALIZED, _MULTIPLE (mpi.h's enum order). */
    public static final int MPI_THREAD_SINGLE = 0, MPI_THREAD_FUNNELED = 1, MPI_THREAD_SERIALIZED = 2, MPI_THREAD_MULTIPLE = 3;
    /** MPI_MAX_ERROR_STRING and MPI_MAX_LIBRARY_VERSION_STRING. */
    private static final int MAX_ERROR_STRING = 256, MAX_LIBRARY_VERSION_STRING = 256;
    /** MPI_IN_PLACE: the send buffer argument that says "the receive buffer holds my contribution". */
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle initThread, finalizeMpi, initialized, finalized, commRank, commSize, commSetErrhandler;
    private final MethodHandle allreduce, bcast, barrier, errorString, errorClass, libraryVersion;
    private final MemorySegment commWorld, typeFloat, typeDouble, opSum, errorsReturn;

    private Mpi(SymbolLookup lib) {
        commWorld = global(lib, "ompi_mpi_comm_world");
        typeFloat = global(lib, "ompi_mpi_float");
        typeDouble = global(lib, "ompi_mpi_double");
        opSum = global(lib, "ompi_mpi_op_sum");
        errorsReturn = global(lib, "ompi_mpi_errors_return");
        initThread = bind(lib, "MPI_Init_thread", ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        finalizeMpi = bind(lib, "MPI_Finalize");
        initialized = bind(lib, "MPI_Initialized", ADDRESS);
        finalized = bind(lib, "MPI_Finalized", ADDRESS);
        commRank = bind(lib, "MPI_Comm_rank", ADDRESS, ADDRESS);
        commSize = bind(lib, "MPI_Comm_size", ADDRESS, ADDRESS);
        commSetErrhandler = bind(lib, "MPI_Comm_set_errhandler", ADDRESS, ADDRESS);
        allreduce = bind(lib, "MPI_Allreduce", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        bcast = bind(lib, "MPI_Bcast", ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        barrier = bind(lib, "MPI_Barrier", ADDRESS);
        errorString = bind(lib, "MPI_Error_string", JAVA_INT, ADDRESS, ADDRESS);
        errorClass = bind(lib, "MPI_Error_class", JAVA_INT, ADDRESS);
        libraryVersion = bind(lib, "MPI_Get_library_version", ADDRESS, ADDRESS);
    }

    /**
     * Loads libmpi globally (explicit path, else by soname and usual places). Before that, unless
     * the environment already sets it, sets {@code UCX_ERROR_SIGNALS} to empty: UCX (a transport
     * Open MPI may load) otherwise installs its own SIGSEGV/SIGBUS handlers, and the JVM relies on
     * those signals for null checks and safepoints.
     *
     * @throws GpuUnavailableException when libmpi is absent, is not Open MPI, or lacks a function
     */
    public static Mpi load(Optional<Path> library) {
        Libc.setenvUnlessSet("UCX_ERROR_SIGNALS", "");
        SymbolLookup lib = NativeLibraries.openGlobal(RUNTIME, library, NativeLibraries.MPI_NAMES, NativeLibraries.MPI_PLACES);
        if (lib.find("ompi_mpi_comm_world").isEmpty()) {
            throw new GpuUnavailableException(RUNTIME, "the MPI library found is not Open MPI (it exports no ompi_mpi_comm_world); only Open MPI's ABI is bound");
        }
        return new Mpi(lib);
    }

    @SuppressWarnings("restricted") // FFM down-calls are the point of this class
    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout... args) {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> new GpuUnavailableException(RUNTIME, "the MPI library has no function " + name));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, args));
    }

    private static MemorySegment global(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new GpuUnavailableException(RUNTIME, "the MPI library exports no " + name + " (not Open MPI 4 or 5)"));
    }

    /** Throws a {@link NativeException} naming the error class of {@code status} unless it is MPI_SUCCESS. */
    public void check(int status, String call, String context) {
        if (status == MpiStatus.MPI_SUCCESS) return;
        String text = errorString(status);
        String what = text.isEmpty() ? context : context.isEmpty() ? text : context + ": " + text;
        throw new NativeException(RUNTIME, call, status, MpiStatus.name(errorClass(status)), what);
    }

    /** MPI_Error_string: the library's words for a code ("MPI_ERR_COUNT: invalid count argument"); empty when it has none. */
    public String errorString(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(MAX_ERROR_STRING), len = a.allocate(JAVA_INT);
            int st = (int) errorString.invokeExact(code, buf, len);
            if (st != MpiStatus.MPI_SUCCESS) return "";
            return buf.getString(0).strip();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Error_class: the standard class of a code (the code itself when the call fails). */
    public int errorClass(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(JAVA_INT);
            int st = (int) errorClass.invokeExact(code, c);
            return st == MpiStatus.MPI_SUCCESS ? c.get(JAVA_INT, 0) : code;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }

    // ---- environment management -------------------------------------------------------------

    /** MPI_Init_thread(NULL, NULL, required, &provided); returns the thread level provided. */
    public int initThread(int required) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(JAVA_INT);
            check((int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required, provided), "MPI_Init_thread", "required level " + required);
            return provided.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void finalizeMpi() {
        try {
            check((int) finalizeMpi.invokeExact(), "MPI_Finalize", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Initialized: whether MPI_Init has been called in this process (even if finalized since). */
    public boolean initialized() {
        return flag(initialized, "MPI_Initialized");
    }

    /** MPI_Finalized: whether MPI_Finalize has completed in this process. */
    public boolean finalized() {
        return flag(finalized, "MPI_Finalized");
    }

    private boolean flag(MethodHandle h, String call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(JAVA_INT);
            check((int) h.invokeExact(f), call, "");
            return f.get(JAVA_INT, 0) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Get_library_version, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ..." (first line). */
    public String libraryVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(MAX_LIBRARY_VERSION_STRING), len = a.allocate(JAVA_INT);
            check((int) libraryVersion.invokeExact(buf, len), "MPI_Get_library_version", "");
            return buf.getString(0).strip().lines().findFirst().orElse("");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- MPI_COMM_WORLD -----------------------------------------------------------------------

    public int worldRank() {
        return commInt(commRank, "MPI_Comm_rank");
    }

    public int worldSize() {
        return commInt(commSize, "MPI_Comm_size");
    }

    private int commInt(MethodHandle h, String call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) h.invokeExact(commWorld, v), call, "MPI_COMM_WORLD");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN): failures of calls on the world
     * come back as codes (and so as exceptions) instead of aborting the job.
     */
    public void returnErrorsOnWorld() {
        try {
            check((int) commSetErrhandler.invokeExact(commWorld, errorsReturn), "MPI_Comm_set_errhandler", "MPI_COMM_WORLD, MPI_ERRORS_RETURN");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The handle of MPI_FLOAT or MPI_DOUBLE. */
    public MemorySegment datatype(boolean f64) {
        return f64 ? typeDouble : typeFloat;
    }

    /** MPI_Allreduce(MPI_IN_PLACE, buffer, count, datatype, MPI_SUM, MPI_COMM_WORLD). */
    public void allReduceSum(MemorySegment buffer, int count, MemorySegment datatype, String context) {
        try {
            check((int) allreduce.invokeExact(IN_PLACE, buffer, count, datatype, opSum, commWorld), "MPI_Allreduce", context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Bcast(buffer, count, datatype, root, MPI_COMM_WORLD). */
    public void broadcast(MemorySegment buffer, int count, MemorySegment datatype, int root, String context) {
        try {
            check((int) bcast.invokeExact(buffer, count, datatype, root, commWorld), "MPI_Bcast", context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** MPI_Barrier(MPI_COMM_WORLD). */
    public void barrier() {
        try {
            check((int) barrier.invokeExact(commWorld), "MPI_Barrier", "MPI_COMM_WORLD");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The C library's setenv, so a variable reaches native code loaded later (Java cannot change its own environment). */
    private static final class Libc {
        @SuppressWarnings("restricted") // one down-call into the C library
        static void setenvUnlessSet(String name, String value) {
            MemorySegment setenv = LINKER.defaultLookup().find("setenv")
                    .orElseThrow(() -> new GpuUnavailableException(RUNTIME, "the C library has no setenv"));
            MethodHandle h = LINKER.downcallHandle(setenv, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
            try (Arena a = Arena.ofConfined()) {
                int st = (int) h.invokeExact(a.allocateFrom(name), a.allocateFrom(value), 0);
                if (st != 0) throw new GpuUnavailableException(RUNTIME, "setenv(" + name + ") failed");
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }
}
