package io.tessera.cli.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * FFM binding to OpenBLAS's {@code cblas_sgemm}, its thread setters and getters and the two
 * strings that say what it runs ({@code openblas_get_corename}: the kernel family it picked or
 * was forced to; {@code openblas_get_config}: version and build options), used only as the
 * yardstick of {@code tessera bench gemm}. Not a Tessera backend: the library itself never
 * calls native BLAS on the CPU.
 */
final class OpenBlas {
    /** The shared object's soname. */
    static final String SONAME = "libopenblas.so.0";
    /** The Debian package that installs it. */
    static final String DEBIAN_PACKAGE = "libopenblas0";

    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;
    private static final List<String> PATHS = List.of(
            "/usr/lib/x86_64-linux-gnu/" + SONAME,
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/" + SONAME,
            "/usr/lib/aarch64-linux-gnu/" + SONAME,
            "/usr/lib/aarch64-linux-gnu/openblas-pthread/" + SONAME,
            "/usr/lib64/" + SONAME,
            "/usr/lib/" + SONAME,
            "/usr/local/lib/" + SONAME,
            "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
            "/usr/local/opt/openblas/lib/libopenblas.dylib");

    private final MethodHandle sgemm;
    private final MethodHandle setThreads;
    private final MethodHandle getThreads;
    private final MethodHandle corename;
    private final MethodHandle config;
    private final String origin;

    private OpenBlas(SymbolLookup lib, String origin) {
        Linker linker = Linker.nativeLinker();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        this.sgemm = linker.downcallHandle(symbol(lib, "cblas_sgemm"),
                FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, ValueLayout.ADDRESS, i, ValueLayout.ADDRESS, i, f,
                        ValueLayout.ADDRESS, i));
        this.setThreads = linker.downcallHandle(symbol(lib, "openblas_set_num_threads"), FunctionDescriptor.ofVoid(i));
        this.getThreads = linker.downcallHandle(symbol(lib, "openblas_get_num_threads"), FunctionDescriptor.of(i));
        this.corename = linker.downcallHandle(symbol(lib, "openblas_get_corename"), FunctionDescriptor.of(ValueLayout.ADDRESS));
        this.config = linker.downcallHandle(symbol(lib, "openblas_get_config"), FunctionDescriptor.of(ValueLayout.ADDRESS));
        this.origin = origin;
    }

    /**
     * Loads OpenBLAS by soname (the dynamic linker's search path), then from the usual install
     * directories; returns null when none is found, with {@link #missingMessage()} to print.
     */
    static OpenBlas load() {
        Arena global = Arena.global();
        try {
            return new OpenBlas(SymbolLookup.libraryLookup(SONAME, global), SONAME);
        } catch (IllegalArgumentException notOnSearchPath) {
            // fall through to the usual directories
        }
        for (String p : PATHS) {
            Path path = Path.of(p);
            if (!Files.exists(path)) continue;
            try {
                return new OpenBlas(SymbolLookup.libraryLookup(path, global), p);
            } catch (IllegalArgumentException unloadable) {
                // try the next location
            }
        }
        return null;
    }

    /** The line the benchmark prints when OpenBLAS is absent. */
    static String missingMessage() {
        return "OpenBLAS not found (" + SONAME + "); install it with `apt-get install " + DEBIAN_PACKAGE
                + "` (Debian/Ubuntu) to compare against it";
    }

    /** Where the library was found. */
    String origin() {
        return origin;
    }

    /** openblas_set_num_threads(n). */
    void setThreads(int n) {
        try {
            setThreads.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads(" + n + ") failed", t);
        }
    }

    /** openblas_get_num_threads(): the threads its next call will use. */
    int threads() {
        try {
            return (int) getThreads.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_get_num_threads() failed", t);
        }
    }

    /**
     * openblas_get_corename(): the kernel family in use, e.g. "SkylakeX", "Cooperlake" or
     * "Haswell" (the one {@code OPENBLAS_CORETYPE} forced, when it is set).
     */
    String corename() {
        try {
            return cString((MemorySegment) corename.invokeExact(), "openblas_get_corename");
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_get_corename() failed", t);
        }
    }

    /** openblas_get_config(): version and build options, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY ...". */
    String config() {
        try {
            return cString((MemorySegment) config.invokeExact(), "openblas_get_config").strip();
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_get_config() failed", t);
        }
    }

    /** A NUL-terminated string that OpenBLAS owns (a static buffer: never freed here). */
    private static String cString(MemorySegment p, String function) {
        if (p.equals(MemorySegment.NULL)) throw new IllegalStateException(function + "() returned NULL");
        return p.reinterpret(4096).getString(0);
    }

    /**
     * Row-major cblas_sgemm: C = alpha·op(A)·op(B) + beta·C on native segments, with the same
     * argument meaning as {@link io.tessera.tensor.cpu.simd.SimdGemm#sgemm}.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, int lda,
               MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm(" + m + ", " + n + ", " + k + ") failed", t);
        }
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException(
                "OpenBLAS library has no symbol " + name));
    }
}
