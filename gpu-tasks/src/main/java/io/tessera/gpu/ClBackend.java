/*
 * The tensor Backend on an OpenCL device. Tensors live in device buffers from a caching
 * allocator for their whole life; kernels are enqueued on the device's one in-order queue and
 * nothing waits for them except a read back to the host (readF32 / readI32 / item), so a
 * training step runs without a synchronisation per op. F32 and I32 tensors live on the device;
 * F64 (the gradient-check dtype) is the CPU backends' business and is refused with a clear error.
 * The kernels are grouped by family: ClTensorOps (matrix products, elementwise, reductions,
 * layout) and ClRowOps (row ops, normalisations, attention, losses, optimizer updates).
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Device;
import io.tessera.tensor.Storage;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.Backend;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** The OpenCL implementation of the kernel set. Not thread-safe: one thread drives it. */
public final class ClBackend implements Backend {

    /** Memory counters of the caching allocator, in bytes. */
    public record MemoryStats(long liveBytes, long cachedBytes, long peakLiveBytes, long driverAllocations, long reuses) {
    }

    /**
     * Which code runs matrix products: the project's tiled kernel (sgemm.kc, portable) or
     * CLBlast, the vendor BLAS for OpenCL, loaded through FFM. Chosen when the backend is opened,
     * reported by {@link #matmulEngine()} and named in the kernel profile; never switched silently.
     */
    public enum MatmulEngine { TILED, CLBLAST }

    /** Kernel time summed over the launches of one kernel variant while profiling was on. */
    public record KernelTime(String kernel, long launches, long nanos) {
    }

    private final OpenClDevice device;
    private final boolean ownsDevice;
    private final Device tensorDevice;
    private final ClAllocator allocator;
    private final ClLauncher launcher;
    private final ClTensorOps tensorOps;
    private final ClRowOps rowOps;
    private final MatmulEngine matmulEngine;
    private boolean closed;

    private ClBackend(OpenClDevice device, boolean ownsDevice, MatmulEngine matmulEngine) {
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.matmulEngine = matmulEngine;
        this.tensorDevice = device.tensorDevice();
        this.allocator = new ClAllocator(device.cl(), device.context());
        this.launcher = new ClLauncher(device);
        this.tensorOps = new ClTensorOps(launcher, this, matmulEngine == MatmulEngine.CLBLAST ? ClBlast.load(Optional.empty()) : null);
        this.rowOps = new ClRowOps(launcher, this);
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
        OpenClDevice device = OpenClDevice.open(options);
        try {
            return new ClBackend(device, true, engine);
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
        return new ClBackend(device, false, engine);
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
    public Device device() {
        return tensorDevice;
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
        long request = Math.max(1L, size) * dtype.byteSize();
        MemorySegment mem = allocator.take(request);
        ClStorage s = new ClStorage(tensorDevice, dtype, size, request, mem);
        if (zeroed && size > 0) fillBytes(mem, 0, (long) size * dtype.byteSize(), 0);
        return s;
    }

    @Override
    public void release(Storage storage) {
        if (closed) return;
        if (!(storage instanceof ClStorage s)) {
            throw new IllegalArgumentException("release: " + storage + " does not belong to the OpenCL backend on " + tensorDevice);
        }
        allocator.give(s.detach(), s.bytes());
    }

    @Override
    public void write(Tensor dst, Object src) {
        ClStorage s = storage(dst, "write");
        int n = dst.size();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = switch (src) {
                case float[] f when dst.dtype() == DType.F32 && f.length == n -> a.allocateFrom(JAVA_FLOAT, f);
                case int[] i when dst.dtype() == DType.I32 && i.length == n -> a.allocateFrom(JAVA_INT, i);
                default -> throw new IllegalArgumentException("cannot write " + src.getClass().getSimpleName() + " into " + dst.describe()
                        + (src instanceof double[] ? " (F64 data stays on the CPU backends)" : ""));
            };
            if (n > 0) device.cl().enqueueWriteBuffer(device.queue(), s.mem(), true, (long) dst.offset() * 4, (long) n * 4, host, MemorySegment.NULL);
        }
    }

    @Override
    public float[] readF32(Tensor src) {
        return readBack(src, "readF32", host -> {
            if (src.dtype() == DType.F32) return host.toArray(JAVA_FLOAT);
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
        return readBack(src, "readI32", host -> {
            if (src.dtype() == DType.I32) return host.toArray(JAVA_INT);
            float[] f = host.toArray(JAVA_FLOAT);
            int[] out = new int[f.length];
            for (int i = 0; i < f.length; i++) out[i] = (int) f[i];
            return out;
        });
    }

    /** Copies the tensor's 4-byte elements to host memory (a blocking read: waits for the queue) and converts them there. */
    private <T> T readBack(Tensor src, String op, Function<MemorySegment, T> convert) {
        ClStorage s = storage(src, op);
        long bytes = (long) src.size() * 4;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(Math.max(1L, bytes), 64).asSlice(0, bytes);
            if (bytes > 0) device.cl().enqueueReadBuffer(device.queue(), s.mem(), true, (long) src.offset() * 4, bytes, host, MemorySegment.NULL);
            return convert.apply(host);
        }
    }

    @Override
    public void fill(Tensor out, double value) {
        ClStorage s = storage(out, "fill");
        int bits = out.dtype() == DType.F32 ? Float.floatToRawIntBits((float) value) : (int) value;
        if (out.size() > 0) fillBytes(s.mem(), (long) out.offset() * 4, (long) out.size() * 4, bits);
    }

    private void fillBytes(MemorySegment mem, long offset, long bytes, int pattern) {
        try (Arena a = Arena.ofConfined()) {
            device.cl().enqueueFillBuffer(device.queue(), mem, a.allocateFrom(JAVA_INT, pattern), offset, bytes, MemorySegment.NULL);
        }
    }

    @Override
    public void copy(Tensor out, Tensor x) {
        if (out.size() != x.size()) throw new IllegalArgumentException("copy: " + x.describe() + " into " + out.describe());
        storage(out, "copy");
        storage(x, "copy");
        tensorOps.copy(out, x);
    }

    private ClStorage storage(Tensor t, String op) {
        checkOpen();
        requireDeviceType(t.dtype(), op);
        if (!(t.storage() instanceof ClStorage s)) {
            throw new IllegalArgumentException(op + ": " + t.describe() + " is not on " + tensorDevice);
        }
        return s;
    }

    /** Throws unless every non-null tensor is F32: the kernels compute in F32. */
    static void requireF32(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype() != DType.F32) {
                throw new IllegalArgumentException(op + ": the OpenCL kernels compute in F32, got " + t.describe());
            }
        }
    }

    private void requireDeviceType(DType dtype, String op) {
        if (dtype == DType.F64) {
            throw new IllegalArgumentException(op + ": the OpenCL backend holds F32 and I32 tensors; F64 runs on the CPU backends");
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the OpenCL backend on " + tensorDevice + " is closed");
    }

    // ---- matrix products, elementwise, reductions, layout ---------------------------------

    @Override
    public void matmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta) {
        tensorOps.matmul(c, a, b, transA, transB, alpha, beta);
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
        tensorOps.expand(out, x, alpha, accumulate);
    }

    @Override
    public void maxAlong(Tensor out, Tensor x, int outer, int len, int inner) {
        tensorOps.maxAlong(out, x, outer, len, inner);
    }

    @Override
    public void permute(Tensor out, Tensor x, int[] perm, boolean accumulate) {
        tensorOps.permute(out, x, perm, accumulate);
    }

    @Override
    public void writeSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        tensorOps.writeSlice(out, x, axis, start, accumulate);
    }

    @Override
    public void readSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        tensorOps.readSlice(out, x, axis, start, accumulate);
    }

    @Override
    public void gather(Tensor out, Tensor x, Tensor index, int axis) {
        tensorOps.gather(out, x, index, axis);
    }

    @Override
    public void scatterAdd(Tensor dx, Tensor dout, Tensor index, int axis) {
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
    public void momentumUpdate(Tensor param, Tensor buf, Tensor grad, double lr, double momentum, double weightDecay, double gradScale) {
        rowOps.momentumUpdate(param, buf, grad, lr, momentum, weightDecay, gradScale);
    }

    /** Waits for the queue, releases the kernels and the cached buffers, and closes the device if this backend opened it. */
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
        if (ownsDevice) {
            try {
                device.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return "opencl backend on " + device;
    }
}
