// The differentiable backward rules of every op, written with Ops calls so that a higher-order tape
// records the backward pass itself (double backward: Hv = ∇θ(∇θL·v)). Fused ops (LayerNorm, BatchNorm,
// softmax, attention, GELU, cross-entropy, masked MSE, L2 normalisation) get the composition of
// primitives that their fused kernel computes; statistics the fused kernels save are recomputed here,
// since a saved statistic is not on the graph. Only Tape.gradGraph runs these; training never does.
package io.tessera.tensor;

import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;

final class Composites {
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    private Composites() {
    }

    static Tape.Composite cast(Ops o, Tensor x) {
        return (g, into) -> into.add(x, o.cast(g, x.dtype()));
    }

    /** c = op(a)·op(b) with a (…, M, K) and b (…, K, N) or 2-D (shared across a's batch). */
    static Tape.Composite matmul(Ops o, Tensor a, Tensor b, boolean transA, boolean transB) {
        return (g, into) -> {
            int batchA = a.size() / (a.dim(-1) * a.dim(-2)), batchB = b.size() / (b.dim(-1) * b.dim(-2));
            int m = g.dim(-2), n = g.dim(-1);
            Tensor g3 = o.reshape(g, batchA, m, n);
            Tensor b3 = batchB == 1 ? o.reshape(b, b.dim(-2), b.dim(-1)) : o.reshape(b, batchB, b.dim(-2), b.dim(-1));
            if (a.requiresGrad()) {
                Tensor da = o.matmul(g3, b3, false, !transB); // dA as op(a) reads it: (batch, M, K)
                if (transA) da = o.transpose(da, 1, 2);
                into.add(a, o.reshape(da, a.shape()));
            }
            if (b.requiresGrad()) {
                Tensor a3 = o.reshape(a, batchA, a.dim(-2), a.dim(-1));
                Tensor db = o.matmul(a3, g3, !transA, false); // dB as op(b) reads it: (batch, K, N)
                if (transB) db = o.transpose(db, 1, 2);
                if (batchB == 1 && batchA > 1) db = o.sum(db, false, 0);
                into.add(b, o.reshape(db, b.shape()));
            }
        };
    }

    /** y = x·Wᵀ + b with x (…, in), W (out, in), b (out). */
    static Tape.Composite linear(Ops o, Tensor x, Tensor w, Tensor b) {
        return (g, into) -> {
            int in = w.dim(1), out = w.dim(0), rows = x.size() / in;
            Tensor g2 = o.reshape(g, rows, out);
            if (x.requiresGrad()) into.add(x, o.reshape(o.matmul(g2, w), x.shape()));
            if (w.requiresGrad()) into.add(w, o.matmul(g2, o.reshape(x, rows, in), true, false));
            if (b != null && b.requiresGrad()) into.add(b, o.sum(g2, false, 0));
        };
    }

    /** dx = dy·f'(x), f' built from primitives (and from constant masks where f' is piecewise constant). */
    static Tape.Composite unary(Ops o, UnaryOp op, Tensor x, Tensor y) {
        return (g, into) -> into.add(x, switch (op) {
            case NEG -> o.neg(g);
            case EXP -> o.mul(g, y);
            case LOG -> o.div(g, x);
            case SQRT -> o.div(o.scale(g, 0.5), y);
            case RSQRT -> o.mul(g, o.scale(o.mul(y, o.square(y)), -0.5));
            case ABS, RELU -> o.mul(g, constantDerivative(o, op, x));
            case SQUARE -> o.mul(g, o.scale(x, 2));
            case GELU -> o.mul(g, o.geluDerivative(x));
            case TANH -> o.mul(g, o.affine(o.square(y), -1, 1));
        });
    }

    /** f'(x) of a piecewise-linear op (sign for |x|, the step for ReLU): a constant, its own derivative is 0. */
    private static Tensor constantDerivative(Ops o, UnaryOp op, Tensor x) {
        Tensor ones = o.full(x.shape(), x.dtype(), 1.0);
        Tensor d = o.zeros(x.shape(), x.dtype());
        o.context().backend().unaryBackward(op, d, ones, x, x);
        return d;
    }

    /** gelu''(x) = φ(x)·(2 − x²), from primitives (so GELU is differentiable to any order). */
    static Tensor geluSecond(Ops o, Tensor x) {
        Tensor x2 = o.square(x);
        Tensor phi = o.scale(o.exp(o.scale(x2, -0.5)), INV_SQRT_2PI);
        return o.mul(phi, o.affine(x2, -1, 2));
    }

    static Tape.Composite binary(Ops o, BinaryOp op, Tensor a, Tensor b, Tensor y) {
        return (g, into) -> {
            switch (op) {
                case ADD -> {
                    into.add(a, o.sumTo(g, a.shape()));
                    into.add(b, o.sumTo(g, b.shape()));
                }
                case SUB -> {
                    into.add(a, o.sumTo(g, a.shape()));
                    if (b.requiresGrad()) into.add(b, o.sumTo(o.neg(g), b.shape()));
                }
                case MUL -> {
                    if (a.requiresGrad()) into.add(a, o.sumTo(o.mul(g, b), a.shape()));
                    if (b.requiresGrad()) into.add(b, o.sumTo(o.mul(g, a), b.shape()));
                }
                case DIV -> {
                    if (a.requiresGrad()) into.add(a, o.sumTo(o.div(g, b), a.shape()));
                    if (b.requiresGrad()) into.add(b, o.sumTo(o.neg(o.div(o.mul(g, a), o.square(b))), b.shape()));
                }
                case MAX, MIN -> {
                    Tensor[] masks = selectionMasks(o, op, a, b, y.shape());
                    if (a.requiresGrad()) into.add(a, o.sumTo(o.mul(g, masks[0]), a.shape()));
                    if (b.requiresGrad()) into.add(b, o.sumTo(o.mul(g, masks[1]), b.shape()));
                }
            }
        };
    }

    /** Where max/min selects a and where b, at the output's shape (constants, ties as the kernel breaks them). */
    private static Tensor[] selectionMasks(Ops o, BinaryOp op, Tensor a, Tensor b, Shape out) {
        var be = o.context().backend();
        Tensor af = o.zeros(out, a.dtype()), bf = o.zeros(out, b.dtype());
        be.expand(af, a, 1.0, false);
        be.expand(bf, b, 1.0, false);
        Tensor ma = o.zeros(out, a.dtype()), mb = o.zeros(out, b.dtype());
        be.binaryBackward(op, ma, mb, o.full(out, a.dtype(), 1.0), af, bf);
        return new Tensor[] {ma, mb};
    }

    static Tape.Composite affine(Ops o, Tensor x, double alpha) {
        return (g, into) -> into.add(x, o.scale(g, alpha));
    }

    /** y = alpha·Σ x over some axes, g in y's keep-dims shape. */
    static Tape.Composite reduceSum(Ops o, Tensor x, double alpha) {
        return (g, into) -> {
            Tensor e = o.expand(g, x.shape());
            into.add(x, alpha == 1 ? e : o.scale(e, alpha));
        };
    }

    static Tape.Composite expand(Ops o, Tensor x) {
        return (g, into) -> into.add(x, o.sumTo(g, x.shape()));
    }

    static Tape.Composite sumTo(Ops o, Tensor x) {
        return (g, into) -> into.add(x, o.expand(g, x.shape()));
    }

    static Tape.Composite reshape(Ops o, Tensor x) {
        return (g, into) -> into.add(x, o.reshape(g, x.shape()));
    }

    static Tape.Composite permute(Ops o, Tensor x, int[] inverse) {
        return (g, into) -> into.add(x, o.permute(g, inverse));
    }

    /** The gradient of a slice is g padded with zeros back to x's extent along the axis. */
    static Tape.Composite slice(Ops o, Tensor x, int axis, int start) {
        return (g, into) -> {
            int after = x.dim(axis) - start - g.dim(axis);
            if (start == 0 && after == 0) {
                into.add(x, g);
                return;
            }
            java.util.List<Tensor> parts = new java.util.ArrayList<>(3);
            if (start > 0) parts.add(o.zeros(x.shape().with(axis, start), x.dtype()));
            parts.add(g);
            if (after > 0) parts.add(o.zeros(x.shape().with(axis, after), x.dtype()));
            into.add(x, o.concat(axis, parts.toArray(Tensor[]::new)));
        };
    }

    static Tape.Composite concat(Ops o, Tensor[] xs, int axis, int[] starts) {
        return (g, into) -> {
            for (int i = 0; i < xs.length; i++) {
                if (xs[i].requiresGrad()) into.add(xs[i], o.slice(g, axis, starts[i], xs[i].dim(axis)));
            }
        };
    }

    static Tape.Composite gather(Ops o, Tensor x, Tensor index, int axis) {
        return (g, into) -> into.add(x, o.scatterAdd(g, index, axis, x.dim(axis)));
    }

    static Tape.Composite scatterAdd(Ops o, Tensor src, Tensor index, int axis) {
        return (g, into) -> into.add(src, o.gather(g, index, axis));
    }

    /** dx = y ⊙ (dy − Σ_last dy ⊙ y); y is the softmax output (on the graph). */
    static Tape.Composite softmax(Ops o, Tensor x, Tensor y) {
        return (g, into) -> into.add(x, o.mul(y, o.sub(g, o.sum(o.mul(g, y), true, -1))));
    }

    /**
     * LayerNorm over the last axis (or BatchNorm's batch statistics over axis 0, {@code axis} = 0):
     * x̂ = (x − μ)·rstd recomputed from x, dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)) with dx̂ = dy ⊙ w,
     * dw = Σ dy ⊙ x̂, db = Σ dy over every axis but the normalised one's complement.
     */
    static Tape.Composite normalization(Ops o, Tensor x, Tensor w, Tensor b, double eps, int axis) {
        return (g, into) -> {
            Tensor mu = o.mean(x, true, axis);
            Tensor xc = o.sub(x, mu);
            Tensor rstd = o.rsqrt(o.addScalar(o.mean(o.square(xc), true, axis), eps));
            Tensor xhat = o.mul(xc, rstd);
            Shape param = paramShape(x, axis);
            if (w != null && w.requiresGrad()) into.add(w, o.reshape(o.sumTo(o.mul(g, xhat), param), w.shape()));
            if (b != null && b.requiresGrad()) into.add(b, o.reshape(o.sumTo(g, param), b.shape()));
            if (!x.requiresGrad()) return;
            Tensor dxhat = w == null ? g : o.mul(g, o.reshape(w, param));
            Tensor inner = o.sub(o.sub(dxhat, o.mean(dxhat, true, axis)), o.mul(xhat, o.mean(o.mul(dxhat, xhat), true, axis)));
            into.add(x, o.mul(rstd, inner));
        };
    }

    /** The shape of a per-feature parameter broadcast against x: (1, …, 1, D) for LayerNorm, (1, C) for BatchNorm. */
    private static Shape paramShape(Tensor x, int axis) {
        int[] d = new int[x.rank()];
        java.util.Arrays.fill(d, 1);
        if (axis == 0) d[1] = x.dim(1);
        else d[d.length - 1] = x.dim(-1);
        return Shape.of(d);
    }

    /** BatchNorm in eval mode: y = (x − μ_run)·rstd_run·w + b with constant running statistics. */
    static Tape.Composite batchNormEval(Ops o, Tensor x, Tensor w, Tensor b, Tensor runningMean, Tensor runningVar, double eps) {
        return (g, into) -> {
            Shape param = Shape.of(1, x.dim(1));
            Tensor rstd = o.reshape(o.rsqrt(o.addScalar(runningVar, eps)), param);
            Tensor mu = o.reshape(runningMean, param);
            if (w != null && w.requiresGrad()) into.add(w, o.reshape(o.sumTo(o.mul(g, o.mul(o.sub(x, mu), rstd)), param), w.shape()));
            if (b != null && b.requiresGrad()) into.add(b, o.reshape(o.sumTo(g, param), b.shape()));
            if (x.requiresGrad()) into.add(x, o.mul(g, w == null ? rstd : o.mul(rstd, o.reshape(w, param))));
        };
    }

    /** y = x / d with d = max(‖x‖, eps) per row: dx = dy/d − m ⊙ x·(Σ dy ⊙ x)/d³, m = [‖x‖ ≥ eps]. */
    static Tape.Composite l2Normalize(Ops o, Tensor x, double eps) {
        return (g, into) -> {
            Tensor norm = o.sqrt(o.sum(o.square(x), true, -1));
            Tensor floor = o.full(norm.shape(), norm.dtype(), eps);
            Tensor d = o.maximum(norm, floor);
            Tensor m = selectionMasks(o, BinaryOp.MAX, norm, floor, norm.shape())[0];
            Tensor dot = o.mul(o.sum(o.mul(g, x), true, -1), m);
            Tensor d3 = o.mul(d, o.square(d));
            into.add(x, o.sub(o.div(g, d), o.mul(x, o.div(dot, d3))));
        };
    }

    /** out = softmax(scale·q·kᵀ)·v, with the probabilities recomputed on the graph. */
    static Tape.Composite attention(Ops o, Tensor q, Tensor k, Tensor v, double scale) {
        return (g, into) -> {
            Tensor p = o.softmax(o.scale(o.matmul(q, k, false, true), scale));
            if (v.requiresGrad()) into.add(v, o.matmul(p, g, true, false));
            if (!q.requiresGrad() && !k.requiresGrad()) return;
            Tensor dp = o.matmul(g, v, false, true);
            Tensor ds = o.scale(o.mul(p, o.sub(dp, o.sum(o.mul(dp, p), true, -1))), scale);
            if (q.requiresGrad()) into.add(q, o.matmul(ds, k));
            if (k.requiresGrad()) into.add(k, o.matmul(ds, q, true, false));
        };
    }

    /** losses_i = −Σ_v t_iv·log softmax(x_i)_v with t = (1 − s)·onehot + s/V: dx_i = (softmax(x_i) − t_i)·dloss_i. */
    static Tape.Composite crossEntropy(Ops o, Tensor logits, Tensor labels, double smoothing) {
        return (g, into) -> {
            int n = logits.dim(0), classes = logits.dim(1);
            int[] lab = labels.toIntArray();
            double[] t = new double[n * classes];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < classes; c++) t[i * classes + c] = smoothing / classes;
                t[i * classes + lab[i]] += 1 - smoothing;
            }
            Tensor target = o.zeros(logits.shape(), logits.dtype());
            o.context().backend().write(target, logits.dtype() == DType.F64 ? t : toFloats(t));
            Tensor p = o.softmax(logits);
            into.add(logits, o.mul(o.sub(p, target), o.reshape(g, n, 1)));
        };
    }

    /** loss = Σ m·mean_P (pred − target)² / Σ m: dpred = dloss·2(pred − target)·m/(P·Σ m), dtarget its negation. */
    static Tape.Composite maskedMse(Ops o, Tensor pred, Tensor target, Tensor mask) {
        return (g, into) -> {
            int p = pred.dim(2);
            double total = 0;
            for (double v : mask.toDoubleArray()) total += v;
            Tensor coef = o.reshape(o.scale(mask, 2 / (p * total)), pred.dim(0), pred.dim(1), 1);
            Tensor dpred = o.mul(o.mul(o.sub(pred, target), coef), g);
            into.add(pred, dpred);
            if (target.requiresGrad()) into.add(target, o.neg(dpred));
        };
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
