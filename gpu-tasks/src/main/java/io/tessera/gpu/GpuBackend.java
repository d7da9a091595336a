/*
 * What the GPU tensor backends share, whatever the runtime: tensors in device buffers from a
 * caching allocator for their whole life, kernels from the same .kc sources enqueued on one
 * in-order queue (OpenCL) or stream (CUDA) without waiting, so a training step runs without a
 * synchronisation per op; only a read back to the host (readF32 / readI32 / item) waits. F32 and
 * I32 tensors live on the device, and the 16-bit types BF16 and F16 (2-byte elements) for
 * autocast, which the conversion kernels, the mixed-precision products (our tiled kernels read the
 * 16-bit operands directly and multiply in float32; a vendor BLAS gets widened copies; tensor-core
 * kernels are not written yet) and the 16-bit bias-gradient sums take, and every other kernel
 * refuses; F64 (the gradient-check dtype) is the CPU backends' business and is refused with a
 * clear error. The kernels are grouped by family: GpuTensorOps (matrix
 * products, elementwise, reductions, layout) and GpuRowOps (row ops, normalisations, attention,
 * losses, optimizer updates). A subclass supplies the runtime: buffers, copies, fills, the
 * launcher and, optionally, the vendor BLAS that runs matrix products.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Device;
import io.tessera.tensor.Storage;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.Backend;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.MixedPrecision;
import io.tessera.tensor.spi.UnaryOp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Function;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** The kernel set on a GPU runtime. Not thread-safe: one thread drives it. */
public abstract sealed class GpuBackend implements Backend permits ClBackend, CudaBackend {

    /** Memory counters of the caching allocator, in bytes. */
    public record MemoryStats(long liveBytes, long cachedBytes, long peakLiveBytes, long driverAllocations, long reuses) {
    }

    /** Kernel time summed over the launches of one kernel variant (or vendor library call) while profiling was on. */
    public record KernelTime(String kernel, long launches, long nanos) {
    }

    /**
     * A vendor BLAS that runs the backend's matrix products: row-major c = alpha·op(a)·op(b) +
     * beta·c for k > 0, in a batch of {@code batch} with element strides (0 shares an operand),
     * enqueued through {@code launcher.external} so the profile names it.
     */
    interface VendorGemm {
        void gemm(Launcher launcher, Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, float alpha, float beta,
                  int m, int n, int k, int lda, int ldb, long strideA, long strideB, int batch);
    }

    /**
     * How attention runs when its caller needs no probabilities ({@code Ops.attentionOutput}, the
     * training path of the models): COMPOSED (the default) keeps the probabilities (B, H, T, S),
     * from batched matrix products on the matmul engine and the softmax kernel; FUSED runs the
     * flash-attention kernels of attention.kc and keeps the row log-sum-exp (B, H, T) instead.
     * Callers that ask for the probabilities ({@code Ops.attention}) get the composed path on either.
     * Chosen when the backend is opened, reported by {@link #attentionEngine()}, never switched silently.
     */
    public enum AttentionEngine { COMPOSED, FUSED }

    private final Device tensorDevice;
    private final AttentionEngine attentionEngine;
    private final CachingAllocator allocator;
    private final Launcher launcher;
    private final GpuTensorOps tensorOps;
    private final GpuRowOps rowOps;
    private boolean closed;

    GpuBackend(Device tensorDevice, CachingAllocator allocator, Launcher launcher, VendorGemm gemm, AttentionEngine attentionEngine) {
        this.tensorDevice = tensorDevice;
        this.attentionEngine = java.util.Objects.requireNonNull(attentionEngine, "attentionEngine");
        this.allocator = allocator;
        this.launcher = launcher;
        this.tensorOps = new GpuTensorOps(launcher, this, gemm);
        this.rowOps = new GpuRowOps(launcher, this);
    }

    /** The runtime's name in messages: "OpenCL", "CUDA". */
    abstract String runtimeName();

    /** The largest work-group (block) size of the device. */
    abstract long maxWorkGroupSize();

    /** The device's compute units (multiprocessors): how many work-groups run side by side, roughly. */
    abstract int computeUnits();

    /** Copies {@code bytes} of host memory into {@code dst} at byte {@code offset}; {@code src} may be reused once this returns. */
    abstract void writeBytes(GpuStorage dst, long offset, MemorySegment src, long bytes);

    /** Copies {@code bytes} at byte {@code offset} of {@code src} into host memory, waiting for the queue first. */
    abstract void readBytes(GpuStorage src, long offset, MemorySegment dst, long bytes);

    /** Enqueues a fill of {@code words} 32-bit words of {@code dst} from word {@code offset} with {@code pattern}. */
    abstract void fillWords(GpuStorage dst, long offset, long words, int pattern);

    /** Releases the runtime's own resources (queue, device) after the kernels and cached buffers are gone. */
    abstract void closeRuntime();

    @Override
    public Device device() {
        return tensorDevice;
    }

    /** How attention without probabilities runs on this backend. */
    public AttentionEngine attentionEngine() {
        return attentionEngine;
    }

    /** True with the FUSED attention engine. */
    @Override
    public boolean fusedAttention() {
        return attentionEngine == AttentionEngine.FUSED;
    }

    /** Allocator counters: bytes in live tensors, bytes cached for reuse, the peak, driver calls. */
    public MemoryStats memoryStats() {
        return new MemoryStats(allocator.liveBytes(), allocator.cachedBytes(), allocator.peakLiveBytes(),
                allocator.driverAllocations(), allocator.reuses());
    }

    /** Gives every cached (free) buffer back to the driver. */
    public void emptyCache() {
        allocator.emptyCache();
    }

    /** Records the time of every kernel launch from now on (or stops recording). */
    public void profiling(boolean on) {
        launcher.profiling(on);
    }

    /** Waits for the device, then returns the kernel time per kernel recorded since the last call. */
    public List<KernelTime> kernelProfile() {
        return launcher.drainProfile();
    }

    /** Kernel launches enqueued so far. */
    public long launches() {
        return launcher.launches();
    }

    /** Blocks until the device has finished every enqueued command. */
    public void synchronize() {
        launcher.finish();
    }

    // ---- memory ---------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int size, boolean zeroed) {
        checkOpen();
        requireDeviceType(dtype, "allocate");
        if (size < 0) throw new IllegalArgumentException("allocate: negative size " + size);
        long request = (Math.max(1L, size) * dtype.byteSize() + 3) / 4 * 4; // whole 4-byte words (pairs of 16-bit elements)
        GpuStorage s = new GpuStorage(tensorDevice, dtype, size, request, allocator.take(request));
        if (zeroed && size > 0) fillWords(s, 0, request / 4, 0);
        return s;
    }

    @Override
    public void release(Storage storage) {
        if (closed) return;
        if (!(storage instanceof GpuStorage s)) {
            throw new IllegalArgumentException("release: " + storage + " does not belong to the " + runtimeName() + " backend on " + tensorDevice);
        }
        allocator.give(s.detach(), s.bytes());
    }

    @Override
    public void write(Tensor dst, Object src) {
        GpuStorage s = storage(dst, "write");
        int n = dst.size();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = switch (src) {
                case float[] f when dst.dtype() == DType.F32 && f.length == n -> a.allocateFrom(JAVA_FLOAT, f);
                case int[] i when dst.dtype() == DType.I32 && i.length == n -> a.allocateFrom(JAVA_INT, i);
                case short[] h when dst.dtype().isHalf() && h.length == n -> a.allocateFrom(JAVA_SHORT, h);
                default -> throw new IllegalArgumentException("cannot write " + src.getClass().getSimpleName() + " into " + dst.describe()
                        + (src instanceof double[] ? " (F64 data stays on the CPU backends)" : ""));
            };
            int w = dst.dtype().byteSize();
            if (n > 0) writeBytes(s, (long) dst.offset() * w, host, (long) n * w);
        }
    }

    @Override
    public float[] readF32(Tensor src) {
        return readBack(src, "readF32", host -> {
            if (src.dtype() == DType.F32) return host.toArray(JAVA_FLOAT);
            if (src.dtype().isHalf()) {
                short[] h = host.toArray(JAVA_SHORT);
                float[] out = new float[h.length];
                for (int i = 0; i < h.length; i++) out[i] = src.dtype().halfValue(h[i]);
                return out;
            }
            int[] ints = host.toArray(JAVA_INT);
            float[] out = new float[ints.length];
            for (int i = 0; i < ints.length; i++) out[i] = ints[i];
            return out;
        });
    }

    @Override
    public double[] readF64(Tensor src) {
        float[] f = readF32(src);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    @Override
    public int[] readI32(Tensor src) {
        if (src.dtype().isHalf()) throw new IllegalArgumentException("readI32: " + src.describe() + " holds 16-bit floating-point values; read it with readF32");
        return readBack(src, "readI32", host -> {
            if (src.dtype() == DType.I32) return host.toArray(JAVA_INT);
            float[] f = host.toArray(JAVA_FLOAT);
            int[] out = new int[f.length];
            for (int i = 0; i < f.length; i++) out[i] = (int) f[i];
            return out;
        });
    }

    /** Copies the tensor's elements to host memory (a blocking read: waits for the queue) and converts them there. */
    private <T> T readBack(Tensor src, String op, Function<MemorySegment, T> convert) {
        GpuStorage s = storage(src, op);
        int w = src.dtype().byteSize();
        long bytes = (long) src.size() * w;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(Math.max(1L, bytes), 64).asSlice(0, bytes);
            if (bytes > 0) readBytes(s, (long) src.offset() * w, host, bytes);
            return convert.apply(host);
        }
    }

    @Override
    public void fill(Tensor out, double value) {
        GpuStorage s = storage(out, "fill");
        if (out.dtype().isHalf()) {
            short h = out.dtype().halfBits(value);
            if (out.offset() % 2 == 0 && out.size() % 2 == 0) {
                if (out.size() > 0) fillWords(s, out.offset() / 2, out.size() / 2, (h & 0xFFFF) | (h << 16));
            } else {
                short[] all = new short[out.size()];
                java.util.Arrays.fill(all, h);
                write(out, all);
            }
            return;
        }
        int bits = out.dtype() == DType.F32 ? Float.floatToRawIntBits((float) value) : (int) value;
        if (out.size() > 0) fillWords(s, out.offset(), out.size(), bits);
    }

    @Override
    public void copy(Tensor out, Tensor x) {
        if (out.size() != x.size()) throw new IllegalArgumentException("copy: " + x.describe() + " into " + out.describe());
        storage(out, "copy");
        storage(x, "copy");
        tensorOps.copy(out, x);
    }

    private GpuStorage storage(Tensor t, String op) {
        checkOpen();
        requireDeviceType(t.dtype(), op);
        if (!(t.storage() instanceof GpuStorage s) || !s.device().equals(tensorDevice)) {
            throw new IllegalArgumentException(op + ": " + t.describe() + " is not on " + tensorDevice);
        }
        return s;
    }

    /** The first position of an I32 {@code index} outside [0, len) and its value, or null (waits for the queue). */
    int[] firstOutOfRange(Tensor index, int len) {
        return tensorOps.firstOutOfRange(index, len);
    }

    /** Throws if a tensor is BF16 or F16: the layout kernels move 4-byte elements (F32, I32). */
    private static void requireNoHalf(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype().isHalf()) {
                throw new IllegalArgumentException(op + ": the GPU layout kernels move F32 and I32 elements, got " + t.describe() + " (" + t.dtype() + " is matrix-product storage)");
            }
        }
    }

    /** Throws unless every non-null tensor is F32: the kernels compute in F32. */
    static void requireF32(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype() != DType.F32) {
                throw new IllegalArgumentException(op + ": the GPU kernels compute in F32, got " + t.describe());
            }
        }
    }

    private void requireDeviceType(DType dtype, String op) {
        if (dtype == DType.F64) {
            throw new IllegalArgumentException(op + ": the " + runtimeName() + " backend holds F32 and I32 tensors; F64 runs on the CPU backends");
        }
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("the " + runtimeName() + " backend on " + tensorDevice + " is closed");
    }

    // ---- matrix products, elementwise, reductions, layout ---------------------------------

    @Override
    public void matmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta) {
        tensorOps.matmul(c, a, b, transA, transB, alpha, beta); // the mixed form too: our kernels read BF16 and F16 operands
    }

    @Override
    public void matmulBias(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, Tensor bias) {
        tensorOps.matmulBias(c, a, b, transA, transB, bias);
    }

    @Override
    public void matmulHalf(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, Tensor bias, boolean accumulate) {
        if (!tensorOps.matmulHalf(c, a, b, transA, transB, bias, accumulate)) Backend.super.matmulHalf(c, a, b, transA, transB, bias, accumulate);
    }

    @Override
    public void sumRowsHalf(Tensor out, Tensor x) {
        if (!tensorOps.sumRowsHalf(out, x)) Backend.super.sumRowsHalf(out, x);
    }

    @Override
    public void roundHalf(Tensor out, Tensor x, DType type) {
        tensorOps.roundHalf(out, x, type);
    }

    @Override
    public void matmulBiasGelu(Tensor c, Tensor act, Tensor a, Tensor b, boolean transA, boolean transB, Tensor bias) {
        if (MixedPrecision.isHalfProduct(c, a, b)) Backend.super.matmulBiasGelu(c, act, a, b, transA, transB, bias);
        else tensorOps.matmulBias(c, act, a, b, transA, transB, bias);
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        tensorOps.unary(op, out, x);
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        tensorOps.unaryBackward(op, dx, dy, x, y);
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        tensorOps.binary(op, out, a, b);
    }

    @Override
    public void binaryBackward(BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        tensorOps.binaryBackward(op, da, db, dy, a, b);
    }

    @Override
    public void affine(Tensor out, Tensor x, double alpha, double beta) {
        tensorOps.affine(out, x, alpha, beta);
    }

    @Override
    public void accumulate(Tensor dst, Tensor src, double alpha) {
        tensorOps.accumulate(dst, src, alpha);
    }

    @Override
    public void sumTo(Tensor out, Tensor x, double alpha, boolean accumulate) {
        tensorOps.sumTo(out, x, alpha, accumulate);
    }

    @Override
    public void expand(Tensor out, Tensor x, double alpha, boolean accumulate) {
        requireNoHalf("expand", out, x);
        tensorOps.expand(out, x, alpha, accumulate);
    }

    @Override
    public void maxAlong(Tensor out, Tensor x, int outer, int len, int inner) {
        tensorOps.maxAlong(out, x, outer, len, inner);
    }

    @Override
    public void permute(Tensor out, Tensor x, int[] perm, boolean accumulate) {
        requireNoHalf("permute", out, x);
        tensorOps.permute(out, x, perm, accumulate);
    }

    @Override
    public void writeSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        requireNoHalf("writeSlice", out, x);
        tensorOps.writeSlice(out, x, axis, start, accumulate);
    }

    @Override
    public void readSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        requireNoHalf("readSlice", out, x);
        tensorOps.readSlice(out, x, axis, start, accumulate);
    }

    @Override
    public void gather(Tensor out, Tensor x, Tensor index, int axis) {
        requireNoHalf("gather", out, x);
        tensorOps.gather(out, x, index, axis);
    }

    @Override
    public void scatterAdd(Tensor dx, Tensor dout, Tensor index, int axis) {
        requireNoHalf("scatterAdd", dx, dout);
        tensorOps.scatterAdd(dx, dout, index, axis);
    }

    // ---- row ops, normalisations, attention, losses, optimizer updates --------------------

    @Override
    public void softmax(Tensor y, Tensor x) {
        rowOps.softmax(y, x);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor dy, Tensor y) {
        rowOps.softmaxBackward(dx, dy, y);
    }

    @Override
    public void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        rowOps.layerNorm(y, mean, rstd, x, w, b, eps);
    }

    @Override
    public void addLayerNorm(Tensor s, Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor r, Tensor w, Tensor b, double eps) {
        rowOps.addLayerNorm(s, y, mean, rstd, x, r, w, b, eps);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        rowOps.layerNormBackward(dx, dw, db, dy, x, w, mean, rstd);
    }

    @Override
    public void batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar, Tensor x, Tensor w, Tensor b,
                               double momentum, double eps) {
        rowOps.batchNormTrain(y, mean, rstd, runningMean, runningVar, x, w, b, momentum, eps);
    }

    @Override
    public void batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        rowOps.batchNormEval(y, x, runningMean, runningVar, w, b, eps);
    }

    @Override
    public void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        rowOps.batchNormBackward(dx, dw, db, dy, x, w, mean, rstd);
    }

    @Override
    public void batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean, Tensor runningVar,
                                      Tensor w, double eps) {
        rowOps.batchNormEvalBackward(dx, dw, db, dy, x, runningMean, runningVar, w, eps);
    }

    @Override
    public void l2Normalize(Tensor y, Tensor norm, Tensor x, double eps) {
        rowOps.l2Normalize(y, norm, x, eps);
    }

    @Override
    public void l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        rowOps.l2NormalizeBackward(dx, dy, x, y, norm, eps);
    }

    @Override
    public void attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        rowOps.attention(out, probs, q, k, v, scale);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor probs, double scale) {
        rowOps.attentionBackward(dq, dk, dv, dout, q, k, v, probs, scale);
    }

    @Override
    public void attentionLse(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, double scale) {
        rowOps.attentionLse(out, lse, q, k, v, scale);
    }

    @Override
    public void attentionPackedLse(Tensor out, Tensor lse, Tensor qkv, int heads, double scale) {
        rowOps.attentionPackedLse(out, lse, qkv, heads, scale);
    }

    @Override
    public void attentionPackedLseBackward(Tensor dqkv, Tensor dout, Tensor qkv, Tensor out, Tensor lse, int heads, double scale) {
        rowOps.attentionPackedLseBackward(dqkv, dout, qkv, out, lse, heads, scale);
    }

    @Override
    public void attentionLseBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                     double scale) {
        rowOps.attentionLseBackward(dq, dk, dv, dout, q, k, v, out, lse, scale);
    }

    @Override
    public void crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        rowOps.crossEntropy(losses, probs, logits, labels, smoothing);
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        rowOps.crossEntropyBackward(dlogits, dlosses, probs, labels, smoothing);
    }

    @Override
    public void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        rowOps.maskedMse(loss, pred, target, mask);
    }

    @Override
    public void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        rowOps.maskedMseBackward(dpred, dtarget, dloss, pred, target, mask);
    }

    @Override
    public void adamwUpdate(Tensor param, Tensor m, Tensor v, Tensor grad, double lr, double beta1, double beta2, double eps,
                            double weightDecay, long step) {
        rowOps.adamwUpdate(param, m, v, grad, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void adamwUpdateSegments(Tensor param, Tensor m, Tensor v, Tensor grad, int[] offsets, int[] sizes, double[] lr,
                                    double[] weightDecay, double beta1, double beta2, double eps, long step) {
        rowOps.adamwUpdateSegments(param, m, v, grad, offsets, sizes, lr, weightDecay, beta1, beta2, eps, step);
    }

    @Override
    public void momentumUpdate(Tensor param, Tensor buf, Tensor grad, double lr, double momentum, double weightDecay, double gradScale) {
        rowOps.momentumUpdate(param, buf, grad, lr, momentum, weightDecay, gradScale);
    }

    /** Waits for the queue, releases the kernels and the cached buffers, then the runtime's own resources. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        try {
            launcher.finish();
            launcher.close();
            allocator.emptyCache();
        } catch (RuntimeException e) {
            first = e;
        }
        try {
            closeRuntime();
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        if (first != null) throw first;
    }
}
