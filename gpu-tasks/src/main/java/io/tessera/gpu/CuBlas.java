/*
 * The cuBLAS binding (libcublas), through FFM: a handle bound to the backend's stream and the
 * two single-precision products the backend needs, SGEMM and strided batched SGEMM, with
 * row-major operands (a row-major C = op(A)·op(B) is the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, so
 * the operands are passed swapped). The math mode is explicit: FP32 (CUBLAS_DEFAULT_MATH,
 * full-precision FMA) unless TF32 tensor-core math is asked for. Failing calls name the
 * cublasStatus_t.
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
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** One cuBLAS handle on one stream. Not thread-safe. */
public final class CuBlas implements AutoCloseable {
    /** cublasMath_t: CUBLAS_DEFAULT_MATH, CUBLAS_TF32_TENSOR_OP_MATH. */
    private static final int CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3;
    private static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;
    private static final String[] STATUS = new String[16];

    static {
        STATUS[0] = "CUBLAS_STATUS_SUCCESS";
        STATUS[1] = "CUBLAS_STATUS_NOT_INITIALIZED";
        STATUS[3] = "CUBLAS_STATUS_ALLOC_FAILED";
        STATUS[7] = "CUBLAS_STATUS_INVALID_VALUE";
        STATUS[8] = "CUBLAS_STATUS_ARCH_MISMATCH";
        STATUS[11] = "CUBLAS_STATUS_MAPPING_ERROR";
        STATUS[13] = "CUBLAS_STATUS_EXECUTION_FAILED";
        STATUS[14] = "CUBLAS_STATUS_INTERNAL_ERROR";
        STATUS[15] = "CUBLAS_STATUS_NOT_SUPPORTED";
    }

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle destroy, sgemm, sgemmStridedBatched;
    private final MemorySegment handle;
    private final boolean tf32;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment alphaBeta = arena.allocate(JAVA_FLOAT, 2);

    private CuBlas(SymbolLookup lib, MemorySegment stream, boolean tf32) {
        MethodHandle create = bind(lib, "cublasCreate_v2", ADDRESS);
        MethodHandle setStream = bind(lib, "cublasSetStream_v2", ADDRESS, ADDRESS);
        MethodHandle setMathMode = bind(lib, "cublasSetMathMode", ADDRESS, JAVA_INT);
        destroy = bind(lib, "cublasDestroy_v2", ADDRESS);
        sgemm = bind(lib, "cublasSgemm_v2", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT,
                JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        sgemmStridedBatched = bind(lib, "cublasSgemmStridedBatched", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT);
        this.tf32 = tf32;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) create.invokeExact(out), "cublasCreate_v2");
            handle = out.get(ADDRESS, 0);
            check((int) setStream.invokeExact(handle, stream), "cublasSetStream_v2");
            check((int) setMathMode.invokeExact(handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        } catch (Throwable t) {
            arena.close();
            throw Cuda.rethrow(t);
        }
    }

    /**
     * Loads libcublas (only {@code library} when given, else by soname and the CUDA places) and
     * makes a handle that enqueues on {@code stream} of the current context.
     *
     * @param tf32 whether products may use TF32 tensor cores (10-bit mantissa inputs); false keeps full FP32
     * @throws GpuUnavailableException when the library is missing
     */
    public static CuBlas create(Optional<Path> library, MemorySegment stream, boolean tf32) {
        SymbolLookup lib = NativeLibraries.open(Cuda.RUNTIME, library, NativeLibraries.CUBLAS_NAMES,
                NativeLibraries.cudaLibraryPlaces(NativeLibraries.CUBLAS_NAMES), Arena.global());
        return new CuBlas(lib, stream, tf32);
    }

    @SuppressWarnings("restricted") // FFM down-calls are the point of this class
    private static MethodHandle bind(SymbolLookup lib, String name, MemoryLayout... args) {
        MemorySegment symbol = lib.find(name).orElseThrow(() ->
                new GpuUnavailableException(Cuda.RUNTIME, "the cuBLAS library has no function " + name));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, args));
    }

    private static void check(int status, String call) {
        if (status != 0) {
            String name = status >= 0 && status < STATUS.length && STATUS[status] != null ? STATUS[status] : "CUBLAS_STATUS_" + status;
            throw new NativeException(Cuda.RUNTIME, call, status, name, "");
        }
    }

    /** Whether this handle lets products use TF32 tensor cores. */
    public boolean tf32() {
        return tf32;
    }

    /**
     * Enqueues row-major C = alpha·op(A)·op(B) + beta·C, op(A): (m, k), op(B): (k, n); each
     * operand a device pointer (bytes) with its leading dimension (the stored row length).
     */
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                      float beta, long c, int ldc) {
        alphaBeta.setAtIndex(JAVA_FLOAT, 0, alpha);
        alphaBeta.setAtIndex(JAVA_FLOAT, 1, beta);
        try {
            check((int) sgemm.invokeExact(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k,
                    alphaBeta, b, ldb, a, lda, alphaBeta.asSlice(4), c, ldc), "cublasSgemm_v2");
        } catch (Throwable t) {
            throw Cuda.rethrow(t);
        }
    }

    /** The batched form of {@link #sgemm}: operand z starts {@code z · stride} elements after the first (stride 0 shares one). */
    public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long strideA,
                                    long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch) {
        alphaBeta.setAtIndex(JAVA_FLOAT, 0, alpha);
        alphaBeta.setAtIndex(JAVA_FLOAT, 1, beta);
        try {
            check((int) sgemmStridedBatched.invokeExact(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                    n, m, k, alphaBeta, b, ldb, strideB, a, lda, strideA, alphaBeta.asSlice(4), c, ldc, strideC, batch),
                    "cublasSgemmStridedBatched");
        } catch (Throwable t) {
            throw Cuda.rethrow(t);
        }
    }

    @Override
    public void close() {
        try {
            check((int) destroy.invokeExact(handle), "cublasDestroy_v2");
        } catch (Throwable t) {
            throw Cuda.rethrow(t);
        } finally {
            arena.close();
        }
    }
}
