/*
 * The tensor Backend on a CUDA device (see GpuBackend for what every GPU backend does): buffers
 * from cuMemAlloc, the device's one stream, kernels compiled from the same .kc sources by NVRTC,
 * and matrix products on the project's tiled kernel or on cuBLAS (FP32, or TF32 tensor cores
 * when asked for explicitly). The engine is chosen when the backend is opened and named in the
 * kernel profile ("cublasSgemm", "cublasSgemmStridedBatched"); never switched silently.
 */
package io.tessera.gpu;

import io.tessera.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/** The CUDA implementation of the kernel set. Not thread-safe: one thread drives it. */
public final class CudaBackend extends GpuBackend {

    /** Which code runs matrix products: sgemm.kc, cuBLAS in FP32, or cuBLAS with TF32 tensor cores. */
    public enum MatmulEngine { TILED, CUBLAS, CUBLAS_TF32 }

    private final CudaDevice device;
    private final boolean ownsDevice;
    private final MatmulEngine matmulEngine;
    private final CuBlas blas;

    private CudaBackend(CudaDevice device, boolean ownsDevice, MatmulEngine matmulEngine, CuBlas blas, AttentionEngine attentionEngine) {
        super(device.tensorDevice(),
                new CachingAllocator(size -> {
                    device.makeCurrent();
                    return MemorySegment.ofAddress(device.cuda().memAlloc(size));
                }, mem -> {
                    device.makeCurrent();
                    device.cuda().memFree(mem.address());
                }),
                new CudaLauncher(device), blas == null ? null : cuBlas(blas), attentionEngine);
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.matmulEngine = matmulEngine;
        this.blas = blas;
    }

    private static VendorGemm cuBlas(CuBlas blas) {
        return (launcher, c, a, b, transA, transB, alpha, beta, m, n, k, lda, ldb, strideA, strideB, batch) -> {
            long ap = pointer(a), bp = pointer(b), cp = pointer(c);
            if (batch == 1) {
                launcher.external("cublasSgemm" + (blas.tf32() ? " (TF32)" : ""),
                        ev -> blas.sgemm(transA, transB, m, n, k, alpha, ap, lda, bp, ldb, beta, cp, n));
            } else {
                launcher.external("cublasSgemmStridedBatched" + (blas.tf32() ? " (TF32)" : ""),
                        ev -> blas.sgemmStridedBatched(transA, transB, m, n, k, alpha, ap, lda, strideA, bp, ldb, strideB, beta, cp, n,
                                (long) m * n, batch));
            }
        };
    }

    /** The device address of a tensor's first element. */
    private static long pointer(Tensor t) {
        return ((GpuStorage) t.storage()).mem().address() + 4L * t.offset();
    }

    /**
     * Opens the device {@code options} names and a backend on it whose matrix products run on
     * {@code engine}; closing the backend closes the device.
     *
     * @throws GpuUnavailableException when the driver, NVRTC, the device or (for the cuBLAS engines) cuBLAS is missing
     */
    public static CudaBackend open(CudaDevice.Options options, MatmulEngine engine) {
        return open(options, engine, AttentionEngine.COMPOSED);
    }

    /**
     * Opens the device {@code options} names and a backend on it whose matrix products run on
     * {@code engine} and whose attention without probabilities runs on {@code attention};
     * closing the backend closes the device.
     *
     * @throws GpuUnavailableException when the driver, NVRTC, the device or (for the cuBLAS engines) cuBLAS is missing
     */
    public static CudaBackend open(CudaDevice.Options options, MatmulEngine engine, AttentionEngine attention) {
        CudaDevice device = CudaDevice.open(options);
        try {
            return on(device, engine, attention, true);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** A backend on an already open device (the caller keeps ownership of the device). */
    public static CudaBackend on(CudaDevice device, MatmulEngine engine) {
        return on(device, engine, AttentionEngine.COMPOSED, false);
    }

    /** A backend on an already open device with the given matmul and attention engines (the caller keeps the device). */
    public static CudaBackend on(CudaDevice device, MatmulEngine engine, AttentionEngine attention) {
        return on(device, engine, attention, false);
    }

    private static CudaBackend on(CudaDevice device, MatmulEngine engine, AttentionEngine attention, boolean owns) {
        device.makeCurrent();
        CuBlas blas = engine == MatmulEngine.TILED ? null
                : CuBlas.create(device.cublasLibrary(), device.stream(), engine == MatmulEngine.CUBLAS_TF32);
        return new CudaBackend(device, owns, engine, blas, attention);
    }

    /**
     * The native handles a library needs to enqueue work in order with this backend's kernels (NCCL):
     * the driver binding, the device's primary context (make it current on the library's thread),
     * the backend's one stream, and the device ordinal. They stay valid until the backend closes;
     * whoever uses them closes their own resources first.
     */
    public record NativeStream(Cuda cuda, MemorySegment context, MemorySegment stream, int ordinal) {
    }

    /** This backend's {@link NativeStream}. */
    public NativeStream nativeStream() {
        device.checkOpen();
        return new NativeStream(device.cuda(), device.context(), device.stream(), device.ordinal());
    }

    /**
     * The device memory of a tensor of this backend, from its offset over its {@code size()}
     * elements, as a segment whose address is the device pointer, for libraries that take device
     * pointers (NCCL). It is not host memory: Java code must never read or write it.
     *
     * @throws IllegalArgumentException for a tensor of another backend or device
     */
    @SuppressWarnings("restricted") // a device address with its byte size; never dereferenced on the host
    public MemorySegment deviceSegment(Tensor t) {
        if (!(t.storage() instanceof GpuStorage g) || !g.device().equals(device())) {
            throw new IllegalArgumentException("tensor " + t.describe() + " is not on " + device + "; its device memory cannot be handed out");
        }
        return MemorySegment.ofAddress(g.mem().address() + (long) t.dtype().byteSize() * t.offset()).reinterpret((long) t.dtype().byteSize() * t.size());
    }

    /** The code that runs matrix products on this backend. */
    public MatmulEngine matmulEngine() {
        return matmulEngine;
    }

    public CudaDevice cudaDevice() {
        return device;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    String runtimeName() {
        return "CUDA";
    }

    @Override
    long maxWorkGroupSize() {
        return device.info().maxThreadsPerBlock();
    }

    @Override
    int computeUnits() {
        return device.info().multiprocessors();
    }

    @Override
    void writeBytes(GpuStorage dst, long offset, MemorySegment src, long bytes) {
        device.makeCurrent();
        device.cuda().copyToDevice(dst.mem().address() + offset, src, bytes, device.stream());
        device.cuda().streamSynchronize(device.stream()); // src is host memory the caller frees on return
    }

    @Override
    void readBytes(GpuStorage src, long offset, MemorySegment dst, long bytes) {
        device.makeCurrent();
        device.cuda().copyToHost(dst, src.mem().address() + offset, bytes, device.stream());
        device.cuda().streamSynchronize(device.stream());
    }

    @Override
    void fillWords(GpuStorage dst, long offset, long words, int pattern) {
        device.makeCurrent();
        device.cuda().fill32(dst.mem().address() + 4 * offset, pattern, words, device.stream());
    }

    /** Destroys the cuBLAS handle, and closes the device if this backend opened it. */
    @Override
    void closeRuntime() {
        device.makeCurrent();
        RuntimeException first = null;
        if (blas != null) {
            try {
                blas.close();
            } catch (RuntimeException e) {
                first = e;
            }
        }
        if (ownsDevice) device.close();
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return "cuda backend on " + device + ", matmul " + matmulEngine.name().toLowerCase(java.util.Locale.ROOT)
                + (fusedAttention() ? ", attention fused" : "");
    }
}
