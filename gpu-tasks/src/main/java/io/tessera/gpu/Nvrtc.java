/*
 * The NVRTC binding (libnvrtc), through FFM: compiles CUDA C source text to a CUBIN for a real
 * architecture (sm_XY, loaded by the driver as is) or to PTX for a virtual one (compute_XY,
 * compiled by the driver's JIT when the module loads). A failed compilation throws a
 * KernelBuildException carrying NVRTC's log; any other failing call names its nvrtcResult.
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
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** FFM binding of NVRTC, the CUDA run-time compiler. */
public final class Nvrtc {
    /** NVRTC_ERROR_COMPILATION */
    private static final int NVRTC_ERROR_COMPILATION = 6;

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle version, createProgram, compileProgram, getLogSize, getLog, getPtxSize, getPtx, getCubinSize, getCubin,
            destroyProgram, getErrorString;

    private Nvrtc(SymbolLookup lib) {
        version = bind(lib, "nvrtcVersion", ADDRESS, ADDRESS);
        createProgram = bind(lib, "nvrtcCreateProgram", ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        compileProgram = bind(lib, "nvrtcCompileProgram", ADDRESS, JAVA_INT, ADDRESS);
        getLogSize = bind(lib, "nvrtcGetProgramLogSize", ADDRESS, ADDRESS);
        getLog = bind(lib, "nvrtcGetProgramLog", ADDRESS, ADDRESS);
        getPtxSize = bind(lib, "nvrtcGetPTXSize", ADDRESS, ADDRESS);
        getPtx = bind(lib, "nvrtcGetPTX", ADDRESS, ADDRESS);
        getCubinSize = bind(lib, "nvrtcGetCUBINSize", ADDRESS, ADDRESS);
        getCubin = bind(lib, "nvrtcGetCUBIN", ADDRESS, ADDRESS);
        destroyProgram = bind(lib, "nvrtcDestroyProgram", ADDRESS);
        getErrorString = LINKER.downcallHandle(lib.find("nvrtcGetErrorString").orElseThrow(() -> missing("nvrtcGetErrorString")),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /**
     * Loads libnvrtc: only {@code library} when given, else by soname, else in the CUDA toolkit
     * and NVIDIA Python wheel directories ({@link NativeLibraries#cudaLibraryPlaces}).
     *
     * @throws GpuUnavailableException when it cannot be found or lacks a function
     */
    public static Nvrtc load(Optional<Path> library) {
        return new Nvrtc(NativeLibraries.open(Cuda.RUNTIME, library, NativeLibraries.NVRTC_NAMES,
                NativeLibraries.cudaLibraryPlaces(NativeLibraries.NVRTC_NAMES), Arena.global()));
    }

    @SuppressWarnings("restricted") // FFM down-calls are the point of this class
    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout... args) {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> missing(name));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, args));
    }

    private static GpuUnavailableException missing(String name) {
        return new GpuUnavailableException(Cuda.RUNTIME, "the NVRTC library has no function " + name + " (NVRTC 11.2 or newer is needed)");
    }

    /** NVRTC's name for a result code, e.g. "NVRTC_ERROR_COMPILATION". */
    @SuppressWarnings("restricted") // NVRTC returns a static C string
    public String errorName(int status) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(status);
            return s.equals(MemorySegment.NULL) ? "NVRTC_ERROR_UNKNOWN" : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw Cuda.rethrow(t);
        }
    }

    private void check(int status, String call, String context) {
        if (status != 0) throw new NativeException(Cuda.RUNTIME, call, status, errorName(status), context);
    }

    /** NVRTC's version as {major, minor}. */
    public int[] version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT), minor = a.allocate(JAVA_INT);
            check((int) version.invokeExact(major, minor), "nvrtcVersion", "");
            return new int[]{major.get(JAVA_INT, 0), minor.get(JAVA_INT, 0)};
        } catch (Throwable t) {
            throw Cuda.rethrow(t);
        }
    }

    /**
     * Compiles {@code source} (named {@code file} in messages) with {@code options}. When the
     * options name a real architecture (--gpu-architecture=sm_XY) the result is a CUBIN,
     * otherwise PTX text without its terminating NUL.
     *
     * @throws KernelBuildException with NVRTC's log when the source does not compile
     */
    public byte[] compile(String source, String file, List<String> options, String device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment progOut = a.allocate(ADDRESS);
            check((int) createProgram.invokeExact(progOut, a.allocateFrom(source), a.allocateFrom(file), 0, MemorySegment.NULL,
                    MemorySegment.NULL), "nvrtcCreateProgram", file);
            MemorySegment prog = progOut.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) opts.setAtIndex(ADDRESS, i, a.allocateFrom(options.get(i)));
                int st = (int) compileProgram.invokeExact(prog, options.size(), opts);
                if (st != 0) {
                    String log = log(a, prog);
                    NativeException cause = new NativeException(Cuda.RUNTIME, "nvrtcCompileProgram", st, errorName(st), file);
                    if (st == NVRTC_ERROR_COMPILATION) {
                        throw new KernelBuildException(file, Dialect.CUDA, device, String.join(" ", options), log, cause);
                    }
                    throw cause;
                }
                boolean cubin = options.stream().anyMatch(o -> o.startsWith("--gpu-architecture=sm_"));
                MemorySegment size = a.allocate(JAVA_LONG);
                check(cubin ? (int) getCubinSize.invokeExact(prog, size) : (int) getPtxSize.invokeExact(prog, size),
                        cubin ? "nvrtcGetCUBINSize" : "nvrtcGetPTXSize", file);
                long n = size.get(JAVA_LONG, 0);
                MemorySegment out = a.allocate(Math.max(1, n));
                check(cubin ? (int) getCubin.invokeExact(prog, out) : (int) getPtx.invokeExact(prog, out),
                        cubin ? "nvrtcGetCUBIN" : "nvrtcGetPTX", file);
                byte[] bytes = out.asSlice(0, n).toArray(JAVA_BYTE);
                if (!cubin && n > 0 && bytes[(int) n - 1] == 0) return java.util.Arrays.copyOf(bytes, (int) n - 1);
                return bytes;
            } finally {
                MemorySegment p = a.allocate(ADDRESS);
                p.set(ADDRESS, 0, prog);
                int ignored = (int) destroyProgram.invokeExact(p);
            }
        } catch (Throwable t) {
            throw Cuda.rethrow(t);
        }
    }

    private String log(Arena a, MemorySegment prog) throws Throwable {
        MemorySegment size = a.allocate(JAVA_LONG);
        if ((int) getLogSize.invokeExact(prog, size) != 0) return "(no log)";
        long n = size.get(JAVA_LONG, 0);
        MemorySegment buf = a.allocate(Math.max(1, n));
        if ((int) getLog.invokeExact(prog, buf) != 0) return "(no log)";
        return buf.getString(0);
    }
}
