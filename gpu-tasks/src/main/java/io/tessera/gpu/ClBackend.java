/*
 * The tensor Backend on an OpenCL device (see GpuBackend for what every GPU backend does):
 * buffers are cl_mem objects, the queue is the device's one in-order profiling queue, and matrix
 * products run on the project's tiled kernel or on CLBlast, the vendor BLAS for OpenCL.
 */
package io.tessera.gpu;

import io.tessera.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** The OpenCL implementation of the kernel set. Not thread-safe: one thread drives it. */
public final class ClBackend extends GpuBackend {

    /**
     * Which code runs matrix products: the project's tiled kernel (sgemm.kc, portable) or
     * CLBlast, the vendor BLAS for OpenCL, loaded through FFM. Chosen when the backend is opened,
     * reported by {@link #matmulEngine()} and named in the kernel profile; never switched silently.
     */
    public enum MatmulEngine { TILED, CLBLAST }

    private final OpenClDevice device;
    private final boolean ownsDevice;
    private final MatmulEngine matmulEngine;

    private ClBackend(OpenClDevice device, boolean ownsDevice, MatmulEngine matmulEngine, AttentionEngine attentionEngine) {
        super(device.tensorDevice(),
                new CachingAllocator(size -> device.cl().createBuffer(device.context(), OpenCl.CL_MEM_READ_WRITE, size, MemorySegment.NULL),
                        mem -> device.cl().releaseMemObject(mem)),
                new ClLauncher(device), matmulEngine == MatmulEngine.CLBLAST ? clBlast(ClBlast.load(Optional.empty())) : null,
                attentionEngine);
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.matmulEngine = matmulEngine;
    }

    /** CLBlast as the vendor GEMM: one SGEMM for a single matrix, a strided batch otherwise. */
    private static VendorGemm clBlast(ClBlast blas) {
        return (launcher, c, a, b, transA, transB, alpha, beta, m, n, k, lda, ldb, strideA, strideB, batch) -> {
            MemorySegment queue = ((ClLauncher) launcher).queue();
            MemorySegment am = mem(a), bm = mem(b), cm = mem(c);
            if (batch == 1) {
                launcher.external("CLBlastSgemm", ev -> blas.sgemm(queue, transA, transB, m, n, k, alpha, am, a.offset(), lda,
                        bm, b.offset(), ldb, beta, cm, c.offset(), n, ev));
            } else {
                launcher.external("CLBlastSgemmStridedBatched", ev -> blas.sgemmStridedBatched(queue, transA, transB, m, n, k,
                        alpha, am, a.offset(), lda, strideA, bm, b.offset(), ldb, strideB, beta, cm, c.offset(), n, (long) m * n,
                        batch, ev));
            }
        };
    }

    private static MemorySegment mem(Tensor t) {
        return ((GpuStorage) t.storage()).mem();
    }

    /** Opens the device {@code options} names and a backend on it with the tiled matmul; closing the backend closes the device. */
    public static ClBackend open(OpenClDevice.Options options) {
        return open(options, MatmulEngine.TILED);
    }

    /**
     * Opens the device {@code options} names and a backend on it whose matrix products run on
     * {@code engine}; closing the backend closes the device.
     *
     * @throws GpuUnavailableException when the device or, for CLBLAST, the CLBlast library is missing
     */
    public static ClBackend open(OpenClDevice.Options options, MatmulEngine engine) {
        return open(options, engine, AttentionEngine.COMPOSED);
    }

    /**
     * Opens the device {@code options} names and a backend on it whose matrix products run on
     * {@code engine} and whose attention without probabilities runs on {@code attention};
     * closing the backend closes the device.
     *
     * @throws GpuUnavailableException when the device or, for CLBLAST, the CLBlast library is missing
     */
    public static ClBackend open(OpenClDevice.Options options, MatmulEngine engine, AttentionEngine attention) {
        OpenClDevice device = OpenClDevice.open(options);
        try {
            return new ClBackend(device, true, engine, attention);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** A backend with the tiled matmul on an already open device (the caller keeps ownership of the device). */
    public static ClBackend on(OpenClDevice device) {
        return on(device, MatmulEngine.TILED);
    }

    /** A backend on an already open device whose matrix products run on {@code engine}. */
    public static ClBackend on(OpenClDevice device, MatmulEngine engine) {
        return on(device, engine, AttentionEngine.COMPOSED);
    }

    /** A backend on an already open device with the given matmul and attention engines. */
    public static ClBackend on(OpenClDevice device, MatmulEngine engine, AttentionEngine attention) {
        return new ClBackend(device, false, engine, attention);
    }

    /** The code that runs matrix products on this backend. */
    public MatmulEngine matmulEngine() {
        return matmulEngine;
    }

    public OpenClDevice openClDevice() {
        return device;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    String runtimeName() {
        return "OpenCL";
    }

    @Override
    long maxWorkGroupSize() {
        return device.info().maxWorkGroupSize();
    }

    @Override
    int computeUnits() {
        return device.info().computeUnits();
    }

    @Override
    void writeBytes(GpuStorage dst, long offset, MemorySegment src, long bytes) {
        device.cl().enqueueWriteBuffer(device.queue(), dst.mem(), true, offset, bytes, src, MemorySegment.NULL);
    }

    @Override
    void readBytes(GpuStorage src, long offset, MemorySegment dst, long bytes) {
        device.cl().enqueueReadBuffer(device.queue(), src.mem(), true, offset, bytes, dst, MemorySegment.NULL);
    }

    @Override
    void fillWords(GpuStorage dst, long offset, long words, int pattern) {
        try (Arena a = Arena.ofConfined()) {
            device.cl().enqueueFillBuffer(device.queue(), dst.mem(), a.allocateFrom(JAVA_INT, pattern), offset * 4, words * 4, MemorySegment.NULL);
        }
    }

    /** Closes the device if this backend opened it. */
    @Override
    void closeRuntime() {
        if (ownsDevice) device.close();
    }

    @Override
    public String toString() {
        return "opencl backend on " + device + (fusedAttention() ? ", attention fused" : "");
    }
}
