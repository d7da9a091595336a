package io.tessera.tensor.cpu;

import io.tessera.tensor.BFloat16;
import io.tessera.tensor.DType;
import io.tessera.tensor.Device;
import io.tessera.tensor.Storage;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.Backend;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.MixedPrecision;
import io.tessera.tensor.spi.UnaryOp;

/**
 * The scalar reference backend: plain loops that compute in double and round on store, for
 * F32 and F64 alike. It is the oracle every other backend is tested against and the F64 path
 * of gradient checks. Each op family lives in its own {@code Ref*} class.
 */
public class ReferenceBackend implements Backend {
    private final HeapPool pool = new HeapPool();

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    /** Arrays handed out by the pool that were recycled rather than created (for GC tests). */
    public long pooledReuses() {
        return pool.reused();
    }

    /** Bytes of released arrays the pool holds for reuse (after a step: what the step allocated, up to the budget). */
    public long pooledBytes() {
        return pool.heldBytes();
    }

    /** Arrays the pool had to create. */
    public long pooledCreations() {
        return pool.created();
    }

    // ---- memory ---------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int size, boolean zeroed) {
        return pool.take(dtype, size, zeroed);
    }

    @Override
    public void release(Storage storage) {
        pool.give(storage);
    }

    @Override
    public void write(Tensor dst, Object src) {
        int n = dst.size(), off = dst.offset();
        switch (src) {
            case float[] f when dst.dtype() == DType.F32 && f.length == n -> System.arraycopy(f, 0, dst.f32(), off, n);
            case double[] d when dst.dtype() == DType.F64 && d.length == n -> System.arraycopy(d, 0, dst.f64(), off, n);
            case int[] i when dst.dtype() == DType.I32 && i.length == n -> System.arraycopy(i, 0, dst.i32(), off, n);
            case short[] h when dst.dtype() == DType.BF16 && h.length == n -> System.arraycopy(h, 0, dst.bf16(), off, n);
            case short[] h when dst.dtype() == DType.F16 && h.length == n -> System.arraycopy(h, 0, dst.f16(), off, n);
            default -> throw new IllegalArgumentException("cannot write " + src.getClass().getSimpleName() + " into " + dst.describe());
        }
    }

    @Override
    public float[] readF32(Tensor src) {
        if (src.dtype() == DType.F32) {
            float[] out = new float[src.size()];
            System.arraycopy(src.f32(), src.offset(), out, 0, out.length);
            return out;
        }
        double[] d = Elements.read(src);
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
        return out;
    }

    @Override
    public double[] readF64(Tensor src) {
        return Elements.read(src);
    }

    @Override
    public int[] readI32(Tensor src) {
        return Elements.readInts(src);
    }

    @Override
    public void fill(Tensor out, double value) {
        double[] v = new double[out.size()];
        java.util.Arrays.fill(v, value);
        Elements.store(out, v);
    }

    @Override
    public void copy(Tensor out, Tensor x) {
        if (out.size() != x.size()) {
            throw new IllegalArgumentException("copy: " + x.describe() + " into " + out.describe());
        }
        Elements.store(out, Elements.read(x));
    }

    // ---- matrix products ------------------------------------------------------------------

    @Override
    public void matmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta) {
        MixedPrecision.isHalfProduct(c, a, b); // the dtype contract only: the reference reads any dtype exactly
        RefMatmul.matmul(c, a, b, transA, transB, alpha, beta);
    }

    // ---- elementwise ----------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        RefElementwise.unary(op, out, x);
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        RefElementwise.unaryBackward(op, dx, dy, x, y);
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        RefElementwise.binary(op, out, a, b);
    }

    @Override
    public void binaryBackward(BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        RefElementwise.binaryBackward(op, da, db, dy, a, b);
    }

    @Override
    public void affine(Tensor out, Tensor x, double alpha, double beta) {
        RefElementwise.affine(out, x, alpha, beta);
    }

    @Override
    public void accumulate(Tensor dst, Tensor src, double alpha) {
        RefElementwise.accumulate(dst, src, alpha);
    }

    // ---- reductions -----------------------------------------------------------------------

    @Override
    public void sumTo(Tensor out, Tensor x, double alpha, boolean accumulate) {
        RefReduce.sumTo(out, x, alpha, accumulate);
    }

    @Override
    public void expand(Tensor out, Tensor x, double alpha, boolean accumulate) {
        RefReduce.expand(out, x, alpha, accumulate);
    }

    @Override
    public void maxAlong(Tensor out, Tensor x, int outer, int len, int inner) {
        RefReduce.maxAlong(out, x, outer, len, inner);
    }

    // ---- layout ---------------------------------------------------------------------------

    @Override
    public void permute(Tensor out, Tensor x, int[] perm, boolean accumulate) {
        RefLayout.permute(out, x, perm, accumulate);
    }

    @Override
    public void writeSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        RefLayout.writeSlice(out, x, axis, start, accumulate);
    }

    @Override
    public void readSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        RefLayout.readSlice(out, x, axis, start, accumulate);
    }

    @Override
    public void gather(Tensor out, Tensor x, Tensor index, int axis) {
        RefLayout.gather(out, x, index, axis);
    }

    @Override
    public void scatterAdd(Tensor dx, Tensor dout, Tensor index, int axis) {
        RefLayout.scatterAdd(dx, dout, index, axis);
    }

    // ---- fused row ops --------------------------------------------------------------------

    @Override
    public void softmax(Tensor y, Tensor x) {
        RefNorm.softmax(y, x);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor dy, Tensor y) {
        RefNorm.softmaxBackward(dx, dy, y);
    }

    @Override
    public void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        RefNorm.layerNorm(y, mean, rstd, x, w, b, eps);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        RefNorm.layerNormBackward(dx, dw, db, dy, x, w, mean, rstd);
    }

    @Override
    public void batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar,
                               Tensor x, Tensor w, Tensor b, double momentum, double eps) {
        RefNorm.batchNormTrain(y, mean, rstd, runningMean, runningVar, x, w, b, momentum, eps);
    }

    @Override
    public void batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        RefNorm.batchNormEval(y, x, runningMean, runningVar, w, b, eps);
    }

    @Override
    public void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        RefNorm.batchNormBackward(dx, dw, db, dy, x, w, mean, rstd);
    }

    @Override
    public void batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean,
                                      Tensor runningVar, Tensor w, double eps) {
        RefNorm.batchNormEvalBackward(dx, dw, db, dy, x, runningMean, runningVar, w, eps);
    }

    @Override
    public void l2Normalize(Tensor y, Tensor norm, Tensor x, double eps) {
        RefNorm.l2Normalize(y, norm, x, eps);
    }

    @Override
    public void l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        RefNorm.l2NormalizeBackward(dx, dy, x, y, norm, eps);
    }

    // ---- attention ------------------------------------------------------------------------

    @Override
    public void attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        RefAttention.attention(out, probs, q, k, v, scale);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                  Tensor probs, double scale) {
        RefAttention.attentionBackward(dq, dk, dv, dout, q, k, v, probs, scale);
    }

    @Override
    public void attentionLse(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, double scale) {
        RefAttention.attentionLse(out, lse, q, k, v, scale);
    }

    @Override
    public void attentionLseBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                     Tensor out, Tensor lse, double scale) {
        RefAttention.attentionLseBackward(dq, dk, dv, dout, q, k, v, out, lse, scale);
    }

    // ---- losses ---------------------------------------------------------------------------

    @Override
    public void crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        RefLoss.crossEntropy(losses, probs, logits, labels, smoothing);
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        RefLoss.crossEntropyBackward(dlogits, dlosses, probs, labels, smoothing);
    }

    @Override
    public void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        RefLoss.maskedMse(loss, pred, target, mask);
    }

    @Override
    public void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        RefLoss.maskedMseBackward(dpred, dtarget, dloss, pred, target, mask);
    }

    // ---- optimizer updates ----------------------------------------------------------------

    /** Scalar: {@link BFloat16#round} or {@link io.tessera.tensor.Float16#round} per element. */
    @Override
    public void roundHalf(Tensor out, Tensor x, DType type) {
        Backend.checkRoundHalf(out, x, type);
        float[] src = x.f32(), dst = out.f32();
        for (int i = 0, xo = x.offset(), oo = out.offset(); i < x.size(); i++) dst[oo + i] = type.roundHalf(src[xo + i]);
    }

    @Override
    public void adamwUpdate(Tensor param, Tensor m, Tensor v, Tensor grad, double lr, double beta1, double beta2,
                            double eps, double weightDecay, long step) {
        RefOptim.adamwUpdate(param, m, v, grad, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void momentumUpdate(Tensor param, Tensor buf, Tensor grad, double lr, double momentum, double weightDecay,
                               double gradScale) {
        RefOptim.momentumUpdate(param, buf, grad, lr, momentum, weightDecay, gradScale);
    }
}
