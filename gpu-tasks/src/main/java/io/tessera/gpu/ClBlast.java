/*
 * The CLBlast binding: single-precision GEMM (plain and strided-batched) from the CLBlast
 * library, the vendor-BLAS fast path for OpenCL, called through FFM down-calls (no JNI). It
 * works on the cl_mem buffers and the command queue of an OpenClDevice. Every call goes through
 * one status check that throws a NativeException naming the CLBlast status and the call's shape.
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM binding of libclblast (CLBlast 1.5 or newer). Matrices are row-major; offsets, leading
 * dimensions and strides count elements, not bytes. Calls are enqueued on the given queue and
 * return without waiting (no event is requested); the caller orders and waits as with any other
 * command on that queue.
 *
 * <p>CLBlast compiles its kernels on the first call per device and routine and keeps them in a
 * process-wide cache keyed by the OpenCL context; call {@link #clearCache()} after releasing a
 * context it was used with, so that a later context at the same address cannot meet stale programs.
 */
public final class ClBlast {
    /** The runtime name in exceptions. */
    public static final String RUNTIME = "clblast";

    /** Sonames and usual install places of CLBlast. */
    public static final List<String> NAMES = List.of("libclblast.so.1", "libclblast.so", "clblast.dll", "libclblast.dylib");
    public static final List<Path> PLACES = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libclblast.so.1"),
            Path.of("/usr/lib/aarch64-linux-gnu/libclblast.so.1"), Path.of("/usr/lib64/libclblast.so.1"),
            Path.of("/usr/lib/libclblast.so.1"), Path.of("/usr/local/lib/libclblast.so.1"), Path.of("/usr/local/lib/libclblast.so"),
            Path.of("/usr/local/lib64/libclblast.so"));

    // CLBlastLayout and CLBlastTranspose (clblast_c.h)
    static final int LAYOUT_ROW_MAJOR = 101;
    static final int TRANSPOSE_NO = 111;
    static final int TRANSPOSE_YES = 112;

    /** CLBlastSuccess. */
    public static final int SUCCESS = 0;

    private static final Linker LINKER = Linker.nativeLinker();
    /** Bindings already made, by the library option they were loaded with (a failed load is not kept). */
    private static final ConcurrentMap<Optional<Path>, ClBlast> LOADED = new ConcurrentHashMap<>();

    private final MethodHandle sgemm, sgemmStridedBatched, clearCache;

    private ClBlast(SymbolLookup lib) {
        var I = JAVA_INT;
        var L = JAVA_LONG;
        var F = JAVA_FLOAT;
        var A = ADDRESS;
        sgemm = bind(lib, "CLBlastSgemm", I, I, I, I, L, L, L, F, A, L, L, A, L, L, F, A, L, L, A, A);
        sgemmStridedBatched = bind(lib, "CLBlastSgemmStridedBatched", I, I, I, I, L, L, L, F, A, L, L, L, A, L, L, L, F, A, L, L, L, L, A, A);
        clearCache = bind(lib, "CLBlastClearCache", I);
    }

    /**
     * Loads libclblast: from {@code library} only when given, else by soname and in the usual
     * places ({@link #NAMES}, {@link #PLACES}). The library stays loaded for the life of the
     * process, and the binding is made once per {@code library} option.
     *
     * @throws GpuUnavailableException when no library opens or it lacks a needed function
     */
    public static ClBlast load(Optional<Path> library) {
        if (ADDRESS.byteSize() != 8) {
            throw new GpuUnavailableException(RUNTIME, "only 64-bit platforms are supported");
        }
        ClBlast cached = LOADED.get(library);
        if (cached != null) return cached;
        SymbolLookup lib;
        try {
            lib = NativeLibraries.open(RUNTIME, library, NAMES, PLACES, Arena.global());
        } catch (GpuUnavailableException e) {
            if (library.isPresent()) throw e;
            throw new GpuUnavailableException(RUNTIME, e.reason()
                    + "; install CLBlast (Debian/Ubuntu: apt-get install libclblast1) or give the library's path", e);
        }
        ClBlast blast = new ClBlast(lib);
        ClBlast raced = LOADED.putIfAbsent(library, blast);
        return raced != null ? raced : blast;
    }

    @SuppressWarnings("restricted") // FFM down-calls are the point of this class
    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout ret, MemoryLayout... args) {
        MemorySegment symbol = lib.find(name).orElseThrow(() ->
                new GpuUnavailableException(RUNTIME, "the CLBlast library has no function " + name + " (CLBlast 1.5 or newer is required)"));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(ret, args));
    }

    // ---- the one status check -------------------------------------------------------------

    /** Throws a {@link NativeException} naming {@code status} unless it is CLBlastSuccess. */
    public static void check(int status, String call, String context) {
        if (status != SUCCESS) {
            throw new NativeException(RUNTIME, call, status, statusName(status), context);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }

    // ---- GEMM -----------------------------------------------------------------------------

    /**
     * Enqueues C = alpha·op(A)·op(B) + beta·C on {@code queue}, row-major: op(A) is m × k,
     * op(B) is k × n, C is m × n. A is stored m × k (k × m when {@code transA}) with leading
     * dimension {@code lda} starting {@code aOffset} elements into buffer {@code a}; likewise B
     * and C. Dimensions must be positive.
     *
     * @param queue a cl_command_queue of the context the buffers belong to
     * @param event NULL, or where to store the command's cl_event (the caller releases it)
     * @throws IllegalArgumentException when a dimension, leading dimension or offset is negative
     * @throws NativeException          when CLBlast refuses the call (e.g. CLBlastInvalidLeadDimA)
     */
    public void sgemm(MemorySegment queue, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                      float beta, MemorySegment c, long cOffset, int ldc, MemorySegment event) {
        nonNegative(m, n, k, lda, ldb, ldc, aOffset, bOffset, cOffset, 0, 0, 0, 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(ADDRESS);
            q.set(ADDRESS, 0, queue);
            int st = (int) sgemm.invokeExact(LAYOUT_ROW_MAJOR, transpose(transA), transpose(transB), (long) m, (long) n, (long) k, alpha,
                    a, aOffset, (long) lda, b, bOffset, (long) ldb, beta, c, cOffset, (long) ldc, q, event);
            check(st, "CLBlastSgemm", shape(transA, transB, m, n, k, lda, ldb, ldc) + ", offsets " + aOffset + "/" + bOffset + "/" + cOffset
                    + ", alpha " + alpha + ", beta " + beta);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Enqueues {@code batch} independent products C_i = alpha·op(A_i)·op(B_i) + beta·C_i, where
     * A_i starts at {@code aOffset + i·aStride} (likewise B and C); otherwise as
     * {@link #sgemm}. A stride of 0 shares one operand across the batch (C's stride must keep
     * the outputs apart).
     *
     * @throws IllegalArgumentException when a size, offset or stride is negative or batch is below 1
     * @throws NativeException          when CLBlast refuses the call
     */
    public void sgemmStridedBatched(MemorySegment queue, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    MemorySegment a, long aOffset, int lda, long aStride,
                                    MemorySegment b, long bOffset, int ldb, long bStride,
                                    float beta, MemorySegment c, long cOffset, int ldc, long cStride, int batch, MemorySegment event) {
        nonNegative(m, n, k, lda, ldb, ldc, aOffset, bOffset, cOffset, aStride, bStride, cStride, batch);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(ADDRESS);
            q.set(ADDRESS, 0, queue);
            int st = (int) sgemmStridedBatched.invokeExact(LAYOUT_ROW_MAJOR, transpose(transA), transpose(transB), (long) m, (long) n, (long) k,
                    alpha, a, aOffset, (long) lda, aStride, b, bOffset, (long) ldb, bStride, beta, c, cOffset, (long) ldc, cStride,
                    (long) batch, q, event);
            check(st, "CLBlastSgemmStridedBatched", "batch " + batch + " of " + shape(transA, transB, m, n, k, lda, ldb, ldc)
                    + ", offsets " + aOffset + "/" + bOffset + "/" + cOffset + ", strides " + aStride + "/" + bStride + "/" + cStride
                    + ", alpha " + alpha + ", beta " + beta);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Drops CLBlast's compiled programs and binaries (all devices and contexts). */
    public void clearCache() {
        try {
            check((int) clearCache.invokeExact(), "CLBlastClearCache", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- status names ---------------------------------------------------------------------

    private static final Map<Integer, String> NAMES_BY_STATUS = Map.ofEntries(
            Map.entry(0, "CLBlastSuccess"),
            Map.entry(-3, "CLBlastOpenCLCompilerNotAvailable"),
            Map.entry(-4, "CLBlastTempBufferAllocFailure"),
            Map.entry(-5, "CLBlastOpenCLOutOfResources"),
            Map.entry(-6, "CLBlastOpenCLOutOfHostMemory"),
            Map.entry(-11, "CLBlastOpenCLBuildProgramFailure"),
            Map.entry(-30, "CLBlastInvalidValue"),
            Map.entry(-36, "CLBlastInvalidCommandQueue"),
            Map.entry(-38, "CLBlastInvalidMemObject"),
            Map.entry(-42, "CLBlastInvalidBinary"),
            Map.entry(-43, "CLBlastInvalidBuildOptions"),
            Map.entry(-44, "CLBlastInvalidProgram"),
            Map.entry(-45, "CLBlastInvalidProgramExecutable"),
            Map.entry(-46, "CLBlastInvalidKernelName"),
            Map.entry(-47, "CLBlastInvalidKernelDefinition"),
            Map.entry(-48, "CLBlastInvalidKernel"),
            Map.entry(-49, "CLBlastInvalidArgIndex"),
            Map.entry(-50, "CLBlastInvalidArgValue"),
            Map.entry(-51, "CLBlastInvalidArgSize"),
            Map.entry(-52, "CLBlastInvalidKernelArgs"),
            Map.entry(-53, "CLBlastInvalidLocalNumDimensions"),
            Map.entry(-54, "CLBlastInvalidLocalThreadsTotal"),
            Map.entry(-55, "CLBlastInvalidLocalThreadsDim"),
            Map.entry(-56, "CLBlastInvalidGlobalOffset"),
            Map.entry(-57, "CLBlastInvalidEventWaitList"),
            Map.entry(-58, "CLBlastInvalidEvent"),
            Map.entry(-59, "CLBlastInvalidOperation"),
            Map.entry(-61, "CLBlastInvalidBufferSize"),
            Map.entry(-63, "CLBlastInvalidGlobalWorkSize"),
            Map.entry(-1024, "CLBlastNotImplemented"),
            Map.entry(-1022, "CLBlastInvalidMatrixA"),
            Map.entry(-1021, "CLBlastInvalidMatrixB"),
            Map.entry(-1020, "CLBlastInvalidMatrixC"),
            Map.entry(-1019, "CLBlastInvalidVectorX"),
            Map.entry(-1018, "CLBlastInvalidVectorY"),
            Map.entry(-1017, "CLBlastInvalidDimension"),
            Map.entry(-1016, "CLBlastInvalidLeadDimA"),
            Map.entry(-1015, "CLBlastInvalidLeadDimB"),
            Map.entry(-1014, "CLBlastInvalidLeadDimC"),
            Map.entry(-1013, "CLBlastInvalidIncrementX"),
            Map.entry(-1012, "CLBlastInvalidIncrementY"),
            Map.entry(-1011, "CLBlastInsufficientMemoryA"),
            Map.entry(-1010, "CLBlastInsufficientMemoryB"),
            Map.entry(-1009, "CLBlastInsufficientMemoryC"),
            Map.entry(-1008, "CLBlastInsufficientMemoryX"),
            Map.entry(-1007, "CLBlastInsufficientMemoryY"),
            Map.entry(-2050, "CLBlastInsufficientMemoryTemp"),
            Map.entry(-2049, "CLBlastInvalidBatchCount"),
            Map.entry(-2048, "CLBlastInvalidOverrideKernel"),
            Map.entry(-2047, "CLBlastMissingOverrideParameter"),
            Map.entry(-2046, "CLBlastInvalidLocalMemUsage"),
            Map.entry(-2045, "CLBlastNoHalfPrecision"),
            Map.entry(-2044, "CLBlastNoDoublePrecision"),
            Map.entry(-2043, "CLBlastInvalidVectorScalar"),
            Map.entry(-2042, "CLBlastInsufficientMemoryScalar"),
            Map.entry(-2041, "CLBlastDatabaseError"),
            Map.entry(-2040, "CLBlastUnknownError"),
            Map.entry(-2039, "CLBlastUnexpectedError"));

    /** The symbolic name of a CLBlast status (clblast_c.h), or "CLBlastUnknownStatus" for a code it does not define. */
    public static String statusName(int status) {
        return NAMES_BY_STATUS.getOrDefault(status, "CLBlastUnknownStatus");
    }

    // ---- helpers --------------------------------------------------------------------------

    private static int transpose(boolean t) {
        return t ? TRANSPOSE_YES : TRANSPOSE_NO;
    }

    private static String shape(boolean transA, boolean transB, int m, int n, int k, int lda, int ldb, int ldc) {
        return "row-major " + (transA ? "A^T" : "A") + "·" + (transB ? "B^T" : "B") + ", (m, n, k) = (" + m + ", " + n + ", " + k
                + "), lda " + lda + ", ldb " + ldb + ", ldc " + ldc;
    }

    /** Negative values would reach CLBlast as huge size_t values; refuse them here. */
    private static void nonNegative(int m, int n, int k, int lda, int ldb, int ldc, long aOffset, long bOffset, long cOffset,
                                    long aStride, long bStride, long cStride, int batch) {
        if ((m | n | k | lda | ldb | ldc) < 0 || (aOffset | bOffset | cOffset | aStride | bStride | cStride) < 0 || batch < 1) {
            throw new IllegalArgumentException("CLBlast GEMM: negative size, offset or stride, or batch below 1: (m, n, k) = (" + m + ", " + n
                    + ", " + k + "), ld " + lda + "/" + ldb + "/" + ldc + ", offsets " + aOffset + "/" + bOffset + "/" + cOffset
                    + ", strides " + aStride + "/" + bStride + "/" + cStride + ", batch " + batch);
        }
    }
}
