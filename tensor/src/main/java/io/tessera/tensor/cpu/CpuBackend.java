package io.tessera.tensor.cpu;

import io.tessera.tensor.BFloat16;
import io.tessera.tensor.DType;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.simd.SimdAttention;
import io.tessera.tensor.cpu.simd.SimdContext;
import io.tessera.tensor.cpu.simd.SimdConvert;
import io.tessera.tensor.cpu.simd.SimdElementwise;
import io.tessera.tensor.cpu.simd.SimdGemm;
import io.tessera.tensor.cpu.simd.SimdLayout;
import io.tessera.tensor.cpu.simd.SimdLoss;
import io.tessera.tensor.cpu.simd.SimdNorm;
import io.tessera.tensor.cpu.simd.SimdOptim;
import io.tessera.tensor.cpu.simd.SimdReduce;
import io.tessera.tensor.spi.Backend;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.MixedPrecision;
import io.tessera.tensor.spi.UnaryOp;

/**
 * The CPU backend: Vector API kernels for F32 on a fixed thread pool, the scalar reference for
 * F64 (gradient checks) and for anything the SIMD kernels do not cover. Results do not depend
 * on the thread count.
 */
public final class CpuBackend extends ReferenceBackend {
    private final Parallel parallel;
    private final SimdContext sc;

    /** All F32 work at the platform's preferred vector width on {@code threads} threads. */
    public CpuBackend(int threads) {
        this.parallel = new Parallel(threads);
        this.sc = SimdContext.preferred(parallel);
    }

    /** A fixed vector width (64, 128, 256 or 512 bits), for parity tests across widths. */
    public CpuBackend(int threads, int vectorBits) {
        this.parallel = new Parallel(threads);
        this.sc = SimdContext.ofBits(vectorBits, parallel);
    }

    @Override
    public String name() {
        return "cpu-simd" + sc.bits() + "x" + parallel.threads();
    }

    public int threads() {
        return parallel.threads();
    }

    public SimdContext simd() {
        return sc;
    }

    /** True when every floating tensor given is F32 (nulls and I32 indices are ignored). */
    private static boolean f32(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype() != DType.F32 && t.dtype() != DType.I32) return false;
        }
        return true;
    }

    @Override
    public void matmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta) {
        if (MixedPrecision.isHalfProduct(c, a, b)) MixedPrecision.matmulViaF32(this, c, a, b, transA, transB, alpha, beta);
        else if (f32(c, a, b)) SimdGemm.matmul(sc, c, a, b, transA, transB, alpha, beta);
        else super.matmul(c, a, b, transA, transB, alpha, beta);
    }

    @Override
    public void unary(UnaryOp op, Tensor out, Tensor x) {
        if (f32(out, x)) SimdElementwise.unary(sc, op, out, x);
        else super.unary(op, out, x);
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        if (f32(dx, dy, x, y)) SimdElementwise.unaryBackward(sc, op, dx, dy, x, y);
        else super.unaryBackward(op, dx, dy, x, y);
    }

    @Override
    public void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        if (f32(out, a, b)) SimdElementwise.binary(sc, op, out, a, b);
        else super.binary(op, out, a, b);
    }

    @Override
    public void binaryBackward(BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        if (f32(da, db, dy, a, b)) SimdElementwise.binaryBackward(sc, op, da, db, dy, a, b);
        else super.binaryBackward(op, da, db, dy, a, b);
    }

    @Override
    public void affine(Tensor out, Tensor x, double alpha, double beta) {
        if (f32(out, x)) SimdElementwise.affine(sc, out, x, alpha, beta);
        else super.affine(out, x, alpha, beta);
    }

    @Override
    public void accumulate(Tensor dst, Tensor src, double alpha) {
        if (f32(dst, src)) SimdElementwise.accumulate(sc, dst, src, alpha);
        else super.accumulate(dst, src, alpha);
    }

    @Override
    public void sumTo(Tensor out, Tensor x, double alpha, boolean accumulate) {
        if (f32(out, x)) SimdReduce.sumTo(sc, out, x, alpha, accumulate);
        else super.sumTo(out, x, alpha, accumulate);
    }

    @Override
    public void expand(Tensor out, Tensor x, double alpha, boolean accumulate) {
        if (f32(out, x)) SimdReduce.expand(sc, out, x, alpha, accumulate);
        else super.expand(out, x, alpha, accumulate);
    }

    @Override
    public void maxAlong(Tensor out, Tensor x, int outer, int len, int inner) {
        if (f32(out, x)) SimdReduce.maxAlong(sc, out, x, outer, len, inner);
        else super.maxAlong(out, x, outer, len, inner);
    }

    @Override
    public void permute(Tensor out, Tensor x, int[] perm, boolean accumulate) {
        if (f32(out, x)) SimdLayout.permute(sc, out, x, perm, accumulate);
        else super.permute(out, x, perm, accumulate);
    }

    @Override
    public void writeSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        if (f32(out, x)) SimdLayout.writeSlice(sc, out, x, axis, start, accumulate);
        else super.writeSlice(out, x, axis, start, accumulate);
    }

    @Override
    public void readSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        if (f32(out, x)) SimdLayout.readSlice(sc, out, x, axis, start, accumulate);
        else super.readSlice(out, x, axis, start, accumulate);
    }

    @Override
    public void gather(Tensor out, Tensor x, Tensor index, int axis) {
        if (f32(out, x, index)) SimdLayout.gather(sc, out, x, index, axis);
        else super.gather(out, x, index, axis);
    }

    @Override
    public void scatterAdd(Tensor dx, Tensor dout, Tensor index, int axis) {
        if (f32(dx, dout, index)) SimdLayout.scatterAdd(sc, dx, dout, index, axis);
        else super.scatterAdd(dx, dout, index, axis);
    }

    @Override
    public void softmax(Tensor y, Tensor x) {
        if (f32(y, x)) SimdNorm.softmax(sc, y, x);
        else super.softmax(y, x);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor dy, Tensor y) {
        if (f32(dx, dy, y)) SimdNorm.softmaxBackward(sc, dx, dy, y);
        else super.softmaxBackward(dx, dy, y);
    }

    @Override
    public void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        if (f32(y, mean, rstd, x, w, b)) SimdNorm.layerNorm(sc, y, mean, rstd, x, w, b, eps);
        else super.layerNorm(y, mean, rstd, x, w, b, eps);
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        if (f32(dx, dw, db, dy, x, w, mean, rstd)) SimdNorm.layerNormBackward(sc, dx, dw, db, dy, x, w, mean, rstd);
        else super.layerNormBackward(dx, dw, db, dy, x, w, mean, rstd);
    }

    @Override
    public void batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar, Tensor x, Tensor w, Tensor b, double momentum, double eps) {
        if (f32(y, mean, rstd, runningMean, runningVar, x, w, b)) SimdNorm.batchNormTrain(sc, y, mean, rstd, runningMean, runningVar, x, w, b, momentum, eps);
        else super.batchNormTrain(y, mean, rstd, runningMean, runningVar, x, w, b, momentum, eps);
    }

    @Override
    public void batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        if (f32(y, x, runningMean, runningVar, w, b)) SimdNorm.batchNormEval(sc, y, x, runningMean, runningVar, w, b, eps);
        else super.batchNormEval(y, x, runningMean, runningVar, w, b, eps);
    }

    @Override
    public void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        if (f32(dx, dw, db, dy, x, w, mean, rstd)) SimdNorm.batchNormBackward(sc, dx, dw, db, dy, x, w, mean, rstd);
        else super.batchNormBackward(dx, dw, db, dy, x, w, mean, rstd);
    }

    @Override
    public void batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, double eps) {
        if (f32(dx, dw, db, dy, x, runningMean, runningVar, w)) SimdNorm.batchNormEvalBackward(sc, dx, dw, db, dy, x, runningMean, runningVar, w, eps);
        else super.batchNormEvalBackward(dx, dw, db, dy, x, runningMean, runningVar, w, eps);
    }

    @Override
    public void l2Normalize(Tensor y, Tensor norm, Tensor x, double eps) {
        if (f32(y, norm, x)) SimdNorm.l2Normalize(sc, y, norm, x, eps);
        else super.l2Normalize(y, norm, x, eps);
    }

    @Override
    public void l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        if (f32(dx, dy, x, y, norm)) SimdNorm.l2NormalizeBackward(sc, dx, dy, x, y, norm, eps);
        else super.l2NormalizeBackward(dx, dy, x, y, norm, eps);
    }

    @Override
    public void attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        if (f32(out, probs, q, k, v)) SimdAttention.attention(sc, out, probs, q, k, v, scale);
        else super.attention(out, probs, q, k, v, scale);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor probs, double scale) {
        if (f32(dq, dk, dv, dout, q, k, v, probs)) SimdAttention.attentionBackward(sc, dq, dk, dv, dout, q, k, v, probs, scale);
        else super.attentionBackward(dq, dk, dv, dout, q, k, v, probs, scale);
    }

    @Override
    public void attentionLse(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, double scale) {
        if (f32(out, lse, q, k, v)) SimdAttention.attentionLse(sc, out, lse, q, k, v, scale);
        else super.attentionLse(out, lse, q, k, v, scale);
    }

    @Override
    public void attentionLseBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                     double scale) {
        if (f32(dq, dk, dv, dout, q, k, v, out, lse)) SimdAttention.attentionLseBackward(sc, dq, dk, dv, dout, q, k, v, out, lse, scale);
        else super.attentionLseBackward(dq, dk, dv, dout, q, k, v, out, lse, scale);
    }

    @Override
    public void crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        if (f32(losses, probs, logits, labels)) SimdLoss.crossEntropy(sc, losses, probs, logits, labels, smoothing);
        else super.crossEntropy(losses, probs, logits, labels, smoothing);
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        if (f32(dlogits, dlosses, probs, labels)) SimdLoss.crossEntropyBackward(sc, dlogits, dlosses, probs, labels, smoothing);
        else super.crossEntropyBackward(dlogits, dlosses, probs, labels, smoothing);
    }

    @Override
    public void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        if (f32(loss, pred, target, mask)) SimdLoss.maskedMse(sc, loss, pred, target, mask);
        else super.maskedMse(loss, pred, target, mask);
    }

    @Override
    public void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        if (f32(dpred, dtarget, dloss, pred, target, mask)) SimdLoss.maskedMseBackward(sc, dpred, dtarget, dloss, pred, target, mask);
        else super.maskedMseBackward(dpred, dtarget, dloss, pred, target, mask);
    }

    @Override
    public void adamwUpdate(Tensor param, Tensor m, Tensor v, Tensor grad, double lr, double beta1, double beta2,
                            double eps, double weightDecay, long step) {
        if (f32(param, m, v, grad)) SimdOptim.adamwUpdate(sc, param, m, v, grad, lr, beta1, beta2, eps, weightDecay, step);
        else super.adamwUpdate(param, m, v, grad, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void momentumUpdate(Tensor param, Tensor buf, Tensor grad, double lr, double momentum, double weightDecay,
                               double gradScale) {
        if (f32(param, buf, grad)) SimdOptim.momentumUpdate(sc, param, buf, grad, lr, momentum, weightDecay, gradScale);
        else super.momentumUpdate(param, buf, grad, lr, momentum, weightDecay, gradScale);
    }

    @Override
    public void fill(Tensor out, double value) {
        switch (out.storage()) {
            case io.tessera.tensor.Storage.F32 f -> java.util.Arrays.fill(f.data(), out.offset(), out.offset() + out.size(), (float) value);
            case io.tessera.tensor.Storage.F64 f -> java.util.Arrays.fill(f.data(), out.offset(), out.offset() + out.size(), value);
            case io.tessera.tensor.Storage.I32 f -> java.util.Arrays.fill(f.data(), out.offset(), out.offset() + out.size(), (int) value);
            case io.tessera.tensor.Storage.BF16 f -> java.util.Arrays.fill(f.data(), out.offset(), out.offset() + out.size(), BFloat16.fromDouble(value));
            case io.tessera.tensor.Storage.F16 f -> java.util.Arrays.fill(f.data(), out.offset(), out.offset() + out.size(), io.tessera.tensor.Float16.fromDouble(value));
            default -> super.fill(out, value);
        }
    }

    @Override
    public void copy(Tensor out, Tensor x) {
        if (out.dtype() == x.dtype() && out.size() == x.size() && out.dtype() == DType.F32) {
            System.arraycopy(x.f32(), x.offset(), out.f32(), out.offset(), x.size());
        } else if (out.size() == x.size() && out.dtype() == DType.BF16 && x.dtype() == DType.F32) {
            SimdConvert.toBf16(sc, x.f32(), x.offset(), out.bf16(), out.offset(), x.size());
        } else if (out.size() == x.size() && out.dtype() == DType.F32 && x.dtype() == DType.BF16) {
            SimdConvert.fromBf16(sc, x.bf16(), x.offset(), out.f32(), out.offset(), x.size());
        } else if (out.size() == x.size() && out.dtype() == DType.F16 && x.dtype() == DType.F32) {
            SimdConvert.toF16(sc, x.f32(), x.offset(), out.f16(), out.offset(), x.size());
        } else if (out.size() == x.size() && out.dtype() == DType.F32 && x.dtype() == DType.F16) {
            SimdConvert.fromF16(sc, x.f16(), x.offset(), out.f32(), out.offset(), x.size());
        } else {
            super.copy(out, x);
        }
    }

    @Override
    public void roundHalf(Tensor out, Tensor x, DType type) {
        Backend.checkRoundHalf(out, x, type);
        if (type == DType.BF16) SimdConvert.round(sc, x.f32(), x.offset(), out.f32(), out.offset(), x.size());
        else SimdConvert.roundF16(sc, x.f32(), x.offset(), out.f32(), out.offset(), x.size());
    }

    @Override
    public void close() {
        parallel.close();
    }
}
