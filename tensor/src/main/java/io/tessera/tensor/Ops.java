package io.tessera.tensor;

import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.spi.Backend;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;

import java.util.Arrays;

/**
 * The op facade: every tensor operation models and methods use, with autograd. Each method
 * validates shapes (messages name the op and the operands), allocates its output in the
 * current scope, runs the backend kernel and, while a {@link Tape} records and an input
 * requires a gradient, records one backward rule. Shape letters: see the README glossary.
 */
public final class Ops {
    private final ExecutionContext ctx;
    private final Backend be;

    Ops(ExecutionContext ctx) {
        this.ctx = ctx;
        this.be = ctx.backend();
    }

    public ExecutionContext context() {
        return ctx;
    }

    // ======================================================================================
    // creation
    // ======================================================================================

    /** An uninitialised F32 tensor (its contents are unspecified). */
    public Tensor empty(Shape s) {
        return ctx.allocate(s, DType.F32, false);
    }

    public Tensor empty(Shape s, DType t) {
        return ctx.allocate(s, t, false);
    }

    public Tensor zeros(int... dims) {
        return ctx.allocate(Shape.of(dims), DType.F32, true);
    }

    public Tensor zeros(Shape s, DType t) {
        return ctx.allocate(s, t, true);
    }

    public Tensor full(Shape s, DType t, double value) {
        Tensor out = ctx.allocate(s, t, false);
        be.fill(out, value);
        return out;
    }

    /** A tensor with the given F32 data (copied). */
    public Tensor tensor(float[] data, int... dims) {
        Shape s = Shape.of(dims);
        requireSize("tensor", data.length, s);
        Tensor out = ctx.allocate(s, DType.F32, false);
        be.write(out, data);
        return out;
    }

    /** A tensor with the given F64 data (copied). */
    public Tensor tensor(double[] data, int... dims) {
        Shape s = Shape.of(dims);
        requireSize("tensor", data.length, s);
        Tensor out = ctx.allocate(s, DType.F64, false);
        be.write(out, data);
        return out;
    }

    /** An I32 tensor (indices, labels) with the given data (copied). */
    public Tensor indices(int[] data, int... dims) {
        Shape s = Shape.of(dims);
        requireSize("indices", data.length, s);
        Tensor out = ctx.allocate(s, DType.I32, false);
        be.write(out, data);
        return out;
    }

    public Tensor scalar(double v, DType t) {
        return full(Shape.scalar(), t, v);
    }

    /** Standard normal draws from {@code rng}, in row-major order (reproducible on any device). */
    public Tensor randn(Rng rng, Shape s, DType t) {
        double[] d = new double[s.size()];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextGaussian();
        return fromDoubles(d, s, t);
    }

    /** Uniform [0, 1) draws from {@code rng}, in row-major order. */
    public Tensor rand(Rng rng, Shape s, DType t) {
        double[] d = new double[s.size()];
        for (int i = 0; i < d.length; i++) d[i] = t == DType.F32 ? rng.nextFloat() : rng.nextDouble();
        return fromDoubles(d, s, t);
    }

    private Tensor fromDoubles(double[] d, Shape s, DType t) {
        Tensor out = ctx.allocate(s, t, false);
        if (t == DType.F64) {
            be.write(out, d);
        } else {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            be.write(out, f);
        }
        return out;
    }

    /**
     * A copy of {@code x} with the given dtype, differentiable between F32 and F64. Narrowing to
     * BF16 or F16 rounds to nearest even; a 16-bit tensor carries no gradient (mixed-precision
     * training differentiates through {@link ExecutionContext#autocast} instead), so casting a
     * tensor that needs one to or from BF16 or F16 while recording is an error.
     */
    public Tensor cast(Tensor x, DType t) {
        if ((t.isHalf() || x.dtype().isHalf()) && (t == DType.I32 || x.dtype() == DType.I32)) {
            throw new IllegalArgumentException("cast: no conversion between " + x.dtype() + " and " + t + " (" + x.describe() + ")");
        }
        if ((t.isHalf() || x.dtype().isHalf()) && recording(x)) {
            throw new IllegalArgumentException("cast: " + x.describe() + " to " + t + " would cut its gradient; " + (t.isHalf() ? t : x.dtype()) + " tensors carry none (use ExecutionContext.autocast)");
        }
        Tensor out = ctx.allocate(x.shape(), t, false);
        be.copy(out, x);
        if (recording(x)) {
            record("cast", out, g -> {
                Tensor tmp = ctx.allocate(x.shape(), x.dtype(), false);
                be.copy(tmp, g);
                be.accumulate(grad(x), tmp, 1.0);
            }, Composites.cast(this, x));
        }
        return out;
    }

    /** A copy of {@code x} (differentiable). */
    public Tensor copy(Tensor x) {
        return cast(x, x.dtype());
    }

    /** Detached view: same data, no gradient flows back (stop-gradient). */
    public Tensor detach(Tensor x) {
        Tensor out = ctx.allocate(x.shape(), x.dtype(), false);
        be.copy(out, x);
        return out;
    }

    // ======================================================================================
    // matrix products
    // ======================================================================================

    /**
     * Matrix product with batch broadcasting: a (..., M, K) · b (..., K, N) → (..., M, N).
     * b may be 2-D (shared across a's batch). {@code transA}/{@code transB} read a as
     * (..., K, M) and b as (..., N, K).
     */
    public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        sameFloat("matmul", a, b);
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException("matmul needs rank ≥ 2 operands, got a " + a.shape() + ", b " + b.shape());
        }
        int m = transA ? a.dim(-1) : a.dim(-2), k = transA ? a.dim(-2) : a.dim(-1);
        int kb = transB ? b.dim(-1) : b.dim(-2), n = transB ? b.dim(-2) : b.dim(-1);
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner sizes differ: a " + a.shape() + (transA ? "ᵀ" : "") + " · b " + b.shape() + (transB ? "ᵀ" : "") + " (" + k + " vs " + kb + ")");
        }
        int batchA = a.size() / (a.dim(-1) * a.dim(-2));
        int batchB = b.size() / (b.dim(-1) * b.dim(-2));
        if (batchB != 1 && batchB != batchA) {
            throw new IllegalArgumentException("matmul: batch of b " + b.shape() + " must be 1 or match a " + a.shape());
        }
        int[] od = a.shape().dims();
        od[od.length - 2] = m;
        od[od.length - 1] = n;
        DType half = autocastHalf(a);
        if (half != null) return matmulHalf(a, b, transA, transB, Shape.of(od), half);
        Tensor c = ctx.allocate(Shape.of(od), a.dtype(), false);
        Tensor a3 = as3(a), b3 = as3(b), c3 = as3(c);
        be.matmul(c3, a3, b3, transA, transB, 1, 0);
        if (recording(a, b)) {
            record("matmul", c, g -> {
                Tensor ga = grad(a), gb = grad(b);
                matmulBackward(ga == null ? null : as3(ga), gb == null ? null : as3(gb), a3, b3, as3(g), transA, transB);
            }, Composites.matmul(this, a, b, transA, transB), a.requiresGrad() ? b : null, b.requiresGrad() ? a : null);
        }
        return c;
    }

    /**
     * The backward of c = op(a)·op(b) on rank-3 views of a, b and dC: adds dA to ga and dB to gb
     * (either may be null). A shared b (batch 1 against a's batch) gets the sum over a's batch,
     * folded into the rows of one product where a is not transposed.
     */
    private void matmulBackward(Tensor ga, Tensor gb, Tensor a3, Tensor b3, Tensor g3, boolean transA, boolean transB) {
        if (ga != null) {
            // dA = dC·Bᵀ (or B·dCᵀ when transA)
            if (transA) be.matmul(ga, b3, g3, transB, true, 1, 1);
            else be.matmul(ga, g3, b3, false, !transB, 1, 1);
        }
        if (gb == null) return;
        int batchA = a3.dim(0);
        Tensor aa = a3, gg = g3;
        if (b3.dim(0) == 1 && batchA > 1) { // shared b: fold a's batch into rows
            if (transA) { // rare: reduce per batch
                for (int i = 0; i < batchA; i++) {
                    Tensor ai = a3.narrow0(i, 1), gi = g3.narrow0(i, 1);
                    if (transB) be.matmul(gb, gi, ai, true, true, 1, 1);
                    else be.matmul(gb, ai, gi, false, false, 1, 1);
                }
                return;
            }
            aa = a3.view(Shape.of(1, batchA * a3.dim(1), a3.dim(2)));
            gg = g3.view(Shape.of(1, batchA * g3.dim(1), g3.dim(2)));
        }
        // dB = Aᵀ·dC (or dCᵀ·A when transB)
        if (transB) be.matmul(gb, gg, aa, true, transA, 1, 1);
        else be.matmul(gb, aa, gg, !transA, false, 1, 1);
    }

    public Tensor matmul(Tensor a, Tensor b) {
        return matmul(a, b, false, false);
    }

    /**
     * Linear layer in PyTorch's layout: y = x·Wᵀ + b with x (..., in), W (out, in), b (out) or null.
     */
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        checkLinear(x, w, b);
        DType half = autocastHalf(x);
        if (half != null) return linearHalf(x, w, b, half);
        int in = w.dim(1), out = w.dim(0), rows = x.size() / in;
        Tensor y = ctx.allocate(x.shape().with(-1, out), x.dtype(), false);
        Tensor x3 = x.view(Shape.of(1, rows, in)), w3 = w.view(Shape.of(1, out, in)), y3 = y.view(Shape.of(1, rows, out));
        if (b != null) be.matmulBias(y3, x3, w3, false, true, b); // the backend adds the bias in the product's epilogue or beforehand
        else be.matmul(y3, x3, w3, false, true, 1, 0);
        recordLinear(y, x, w, b);
        return y;
    }

    /**
     * gelu(linear(x, w, b)), exact erf: with a bias, outside autocast, one backend call that writes
     * the pre-activation and its GELU together (a GPU backend: one launch). On the tape a linear
     * and a gelu, so every derivative is that of the composition; the pre-activation is kept only
     * for GELU's backward.
     */
    public Tensor linearGelu(Tensor x, Tensor w, Tensor b) {
        if (b == null || ctx.autocastType() != null) {
            Tensor h = linear(x, w, b), y = gelu(h);
            drop(h);
            return y;
        }
        checkLinear(x, w, b);
        int in = w.dim(1), out = w.dim(0), rows = x.size() / in;
        Shape s = x.shape().with(-1, out), flat = Shape.of(1, rows, out);
        Tensor h = ctx.allocate(s, x.dtype(), false), y = ctx.allocate(s, x.dtype(), false);
        be.matmulBiasGelu(h.view(flat), y.view(flat), x.view(Shape.of(1, rows, in)), w.view(Shape.of(1, out, in)), false, true, b);
        recordLinear(h, x, w, b);
        recordUnary(UnaryOp.GELU, y, h);
        drop(h);
        return y;
    }

    private void checkLinear(Tensor x, Tensor w, Tensor b) {
        sameFloat("linear", x, w);
        if (w.rank() != 2 || x.rank() < 1 || x.dim(-1) != w.dim(1)) {
            throw new IllegalArgumentException("linear: input " + x.shape() + " does not match weight " + w.shape() + " (out, in)");
        }
        if (b != null && (b.rank() != 1 || b.dim(0) != w.dim(0) || b.dtype() != w.dtype())) {
            throw new IllegalArgumentException("linear: bias " + b.describe() + " does not match weight " + w.describe());
        }
    }

    private void recordLinear(Tensor y, Tensor x, Tensor w, Tensor b) {
        if (!recording(x, w, b)) return;
        int in = w.dim(1), out = w.dim(0), rows = x.size() / in;
        Tensor x3 = x.view(Shape.of(1, rows, in)), w3 = w.view(Shape.of(1, out, in));
        record("linear", y, g -> {
            Tensor g3 = g.view(Shape.of(1, rows, out));
            Tensor gx = grad(x), gw = grad(w), gb = grad(b);
            if (gx != null) be.matmul(gx.view(Shape.of(1, rows, in)), g3, w3, false, false, 1, 1); // dX = dY·W
            if (gw != null) be.matmul(gw.view(Shape.of(1, out, in)), g3, x3, true, false, 1, 1);   // dW = dYᵀ·X
            if (gb != null) be.sumTo(gb.view(Shape.of(1, 1, out)), g3, 1.0, true);                  // db = Σ rows of dY
        }, Composites.linear(this, x, w, b), x.requiresGrad() ? w : null, w.requiresGrad() ? x : null);
    }

    // ======================================================================================
    // autocast (see ExecutionContext#autocast): bf16 or fp16
    // ======================================================================================

    /**
     * The 16-bit type the (F32) operands are to be multiplied in when autocast is on (BF16 or
     * F16), else null.
     */
    private DType autocastHalf(Tensor x) {
        DType t = ctx.autocastType();
        if (t == null || x.dtype() != DType.F32) return null;
        if (ctx.tape() != null && ctx.tape().higherOrder()) {
            throw new IllegalStateException("autocast has no differentiable backward rules; record a higher-order tape outside autocast");
        }
        return t;
    }

    /** A copy of x in the 16-bit type t, rounded to nearest even. */
    private Tensor toHalf(Tensor x, DType t) {
        Tensor h = ctx.allocate(x.shape(), t, false);
        be.copy(h, x);
        return h;
    }

    /** A float32 copy of x holding x rounded to the 16-bit type t. */
    private Tensor roundedCopy(Tensor x, DType t) {
        Tensor r = ctx.allocate(x.shape(), DType.F32, false);
        be.roundHalf(r, x, t);
        return r;
    }

    /** {@code into += round_t(tmp)}, then tmp is dropped. */
    private void accumulateRounded(Tensor into, Tensor tmp, DType t) {
        be.roundHalf(tmp, tmp, t);
        be.accumulate(into, tmp, 1.0);
        drop(tmp);
    }

    /** The name an op records under autocast, e.g. {@code linear[bf16]}. */
    private static String autocastName(String op, DType t) {
        return op + (t == DType.BF16 ? "[bf16]" : "[fp16]");
    }

    /**
     * y = x·Wᵀ + b as PyTorch's autocast runs it in the 16-bit type t (bfloat16 or float16): x, W
     * and b rounded to t, the products summed in float32 onto the bias, the result rounded to t
     * (held in a float32 tensor; in float16 a result beyond ±65504 becomes infinite, as on CUDA).
     * The tape keeps the 16-bit copies of x and W (half the bytes of float32). Backward rounds the
     * incoming gradient to t, multiplies in t with float32 sums, and rounds dX, dW and db to t
     * before adding them to the float32 gradients.
     */
    private Tensor linearHalf(Tensor x, Tensor w, Tensor b, DType t) {
        int in = w.dim(1), out = w.dim(0), rows = x.size() / in;
        Tensor x16 = toHalf(x, t), w16 = toHalf(w, t);
        Tensor y = ctx.allocate(x.shape().with(-1, out), DType.F32, false);
        Tensor x3 = x16.view(Shape.of(1, rows, in)), w3 = w16.view(Shape.of(1, out, in)), y3 = y.view(Shape.of(1, rows, out));
        be.matmulHalf(y3, x3, w3, false, true, b, false); // y = round(x·Wᵀ + round(b))
        if (recording(x, w, b)) {
            record(autocastName("linear", t), y, g -> {
                Tensor gx = grad(x), gw = grad(w), gb = grad(b);
                Tensor g16 = toHalf(g, t), g3 = g16.view(Shape.of(1, rows, out));
                if (gx != null) be.matmulHalf(gx.view(Shape.of(1, rows, in)), g3, w3, false, false, null, true); // dX += round(dY·W)
                if (gw != null) be.matmulHalf(gw.view(Shape.of(1, out, in)), g3, x3, true, false, null, true);   // dW += round(dYᵀ·X)
                if (gb != null) be.sumRowsHalf(gb, g16.view(Shape.of(rows, out))); // db += round(Σ rows of dY)
                drop(g16);
            }, null, x.requiresGrad() ? w16 : null, w.requiresGrad() ? x16 : null);
        }
        drop(x16, w16);
        return y;
    }

    /** {@link #matmul} under autocast: operands rounded to the 16-bit type t, float32 sums, result rounded to t. */
    private Tensor matmulHalf(Tensor a, Tensor b, boolean transA, boolean transB, Shape cShape, DType t) {
        Tensor a16 = toHalf(a, t), b16 = toHalf(b, t);
        Tensor c = ctx.allocate(cShape, DType.F32, false);
        Tensor a3 = as3(a16), b3 = as3(b16);
        be.matmulHalf(as3(c), a3, b3, transA, transB, null, false);
        if (recording(a, b)) {
            record(autocastName("matmul", t), c, g -> {
                Tensor ga = grad(a), gb = grad(b);
                Tensor g16 = toHalf(g, t);
                Tensor ta = ga == null ? null : ctx.allocate(a.shape(), DType.F32, true), tb = gb == null ? null : ctx.allocate(b.shape(), DType.F32, true);
                matmulBackward(ta == null ? null : as3(ta), tb == null ? null : as3(tb), a3, b3, as3(g16), transA, transB);
                drop(g16);
                if (ta != null) accumulateRounded(ga, ta, t);
                if (tb != null) accumulateRounded(gb, tb, t);
            }, null, a.requiresGrad() ? b16 : null, b.requiresGrad() ? a16 : null);
        }
        drop(a16, b16);
        return c;
    }

    // ======================================================================================
    // elementwise
    // ======================================================================================

    public Tensor unary(UnaryOp op, Tensor x) {
        requireFloat(op.name().toLowerCase(), x);
        Tensor y = ctx.allocate(x.shape(), x.dtype(), false);
        be.unary(op, y, x);
        recordUnary(op, y, x);
        return y;
    }

    private void recordUnary(UnaryOp op, Tensor y, Tensor x) {
        if (recording(x)) {
            Tensor reads = op == UnaryOp.NEG ? null : op.backwardUsesOutput() ? y : x;
            record(op.name().toLowerCase(), y, g -> be.unaryBackward(op, grad(x), g, x, y), Composites.unary(this, op, x, y), reads);
        }
    }

    public Tensor neg(Tensor x) { return unary(UnaryOp.NEG, x); }
    public Tensor exp(Tensor x) { return unary(UnaryOp.EXP, x); }
    public Tensor log(Tensor x) { return unary(UnaryOp.LOG, x); }
    public Tensor sqrt(Tensor x) { return unary(UnaryOp.SQRT, x); }
    public Tensor rsqrt(Tensor x) { return unary(UnaryOp.RSQRT, x); }
    public Tensor abs(Tensor x) { return unary(UnaryOp.ABS, x); }
    public Tensor square(Tensor x) { return unary(UnaryOp.SQUARE, x); }
    public Tensor relu(Tensor x) { return unary(UnaryOp.RELU, x); }
    /** GELU with the exact erf, as torch.nn.GELU(). */
    public Tensor gelu(Tensor x) { return unary(UnaryOp.GELU, x); }
    public Tensor tanh(Tensor x) { return unary(UnaryOp.TANH, x); }

    /**
     * gelu'(x) = Φ(x) + x·φ(x), differentiable (its derivative is gelu''(x) = φ(x)·(2 − x²)): what
     * GELU's differentiable backward rule multiplies by, so second derivatives through GELU are exact.
     */
    public Tensor geluDerivative(Tensor x) {
        requireFloat("geluDerivative", x);
        Tensor y = ctx.allocate(x.shape(), x.dtype(), true);
        be.unaryBackward(UnaryOp.GELU, y, full(x.shape(), x.dtype(), 1.0), x, x);
        if (recording(x)) {
            record("geluDerivative", y, g -> {
                // dx += g·φ(x)·(2 − x²), with kernels (a backward rule must not record)
                Tensor x2 = ctx.allocate(x.shape(), x.dtype(), false), t = ctx.allocate(x.shape(), x.dtype(), false);
                be.unary(UnaryOp.SQUARE, x2, x);
                be.affine(t, x2, -0.5, 0);
                Tensor phi = ctx.allocate(x.shape(), x.dtype(), false);
                be.unary(UnaryOp.EXP, phi, t);
                be.affine(t, x2, -1 / Math.sqrt(2 * Math.PI), 2 / Math.sqrt(2 * Math.PI));
                be.binary(BinaryOp.MUL, x2, phi, t);
                be.binary(BinaryOp.MUL, t, x2, g);
                be.accumulate(grad(x), t, 1.0);
            }, (g, into) -> into.add(x, mul(g, Composites.geluSecond(this, x))), x);
        }
        return y;
    }

    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        sameFloat(op.name().toLowerCase(), a, b);
        Tensor y = ctx.allocate(Shape.broadcast(a.shape(), b.shape()), a.dtype(), false);
        be.binary(op, y, a, b);
        recordBinary(op, y, a, b);
        return y;
    }

    private void recordBinary(BinaryOp op, Tensor y, Tensor a, Tensor b) {
        if (recording(a, b)) {
            boolean linear = op == BinaryOp.ADD || op == BinaryOp.SUB; // their gradients do not read a or b
            record(op.name().toLowerCase(), y, g -> be.binaryBackward(op, grad(a), grad(b), g, a, b),
                    Composites.binary(this, op, a, b, y), linear ? null : a, linear ? null : b);
        }
    }

    public Tensor add(Tensor a, Tensor b) { return binary(BinaryOp.ADD, a, b); }
    public Tensor sub(Tensor a, Tensor b) { return binary(BinaryOp.SUB, a, b); }
    public Tensor mul(Tensor a, Tensor b) { return binary(BinaryOp.MUL, a, b); }
    public Tensor div(Tensor a, Tensor b) { return binary(BinaryOp.DIV, a, b); }
    public Tensor maximum(Tensor a, Tensor b) { return binary(BinaryOp.MAX, a, b); }
    public Tensor minimum(Tensor a, Tensor b) { return binary(BinaryOp.MIN, a, b); }

    /** alpha·x + beta. */
    public Tensor affine(Tensor x, double alpha, double beta) {
        requireFloat("affine", x);
        Tensor y = ctx.allocate(x.shape(), x.dtype(), false);
        be.affine(y, x, alpha, beta);
        if (recording(x)) record("affine", y, g -> be.accumulate(grad(x), g, alpha), Composites.affine(this, x, alpha));
        return y;
    }

    public Tensor scale(Tensor x, double alpha) { return affine(x, alpha, 0); }
    public Tensor addScalar(Tensor x, double beta) { return affine(x, 1, beta); }

    // ======================================================================================
    // reductions
    // ======================================================================================

    /** Sum over {@code axes} (all axes when none are given); {@code keepDims} keeps them as size 1. */
    public Tensor sum(Tensor x, boolean keepDims, int... axes) {
        return reduceSum("sum", x, keepDims, 1.0, axes);
    }

    /** Sum of all elements, as a scalar. */
    public Tensor sum(Tensor x) {
        return sum(x, false);
    }

    /** Mean over {@code axes} (all when none are given). */
    public Tensor mean(Tensor x, boolean keepDims, int... axes) {
        return reduceSum("mean", x, keepDims, 1.0 / countOver(x, axes), axes);
    }

    public Tensor mean(Tensor x) {
        return mean(x, false);
    }

    /**
     * Variance over {@code axes}: Σ(x − mean)² / (n − ddof); ddof = 1 gives torch.var's
     * unbiased default (MAE's norm-pix target), ddof = 0 the biased one.
     */
    public Tensor var(Tensor x, boolean keepDims, int ddof, int... axes) {
        int n = countOver(x, axes);
        if (n - ddof <= 0) {
            throw new IllegalArgumentException("var over " + n + " element(s) with ddof " + ddof + " of " + x.describe());
        }
        Tensor centred = sub(x, mean(x, true, axes));
        return reduceSum("var", square(centred), keepDims, 1.0 / (n - ddof), axes);
    }

    private Tensor reduceSum(String op, Tensor x, boolean keepDims, double alpha, int... axes) {
        requireFloat(op, x);
        boolean[] reduced = reducedAxes(x.shape(), axes);
        int[] kd = x.shape().dims();
        int outRank = 0;
        for (int i = 0; i < kd.length; i++) {
            if (reduced[i]) kd[i] = 1;
            else outRank++;
        }
        Shape keep = Shape.of(kd);
        Tensor y = ctx.allocate(keep, x.dtype(), false);
        be.sumTo(y, x, alpha, false);
        if (recording(x)) record(op, y, g -> be.expand(grad(x), g, alpha, true), Composites.reduceSum(this, x, alpha));
        if (keepDims) return y;
        int[] od = new int[outRank];
        for (int i = 0, j = 0; i < kd.length; i++) if (!reduced[i]) od[j++] = kd[i];
        return reshape(y, Shape.of(od));
    }

    /** Broadcasts x to {@code shape} (a copy; its gradient sums back). */
    public Tensor expand(Tensor x, Shape shape) {
        requireFloat("expand", x);
        if (!Shape.broadcast(x.shape(), shape).equals(shape)) {
            throw new IllegalArgumentException("expand: " + x.shape() + " does not broadcast to " + shape);
        }
        Tensor y = ctx.allocate(shape, x.dtype(), false);
        be.expand(y, x, 1.0, false);
        if (recording(x)) record("expand", y, g -> be.sumTo(grad(x), g, 1.0, true), Composites.expand(this, x));
        return y;
    }

    /** Sums x down to {@code shape}, which must broadcast to x's shape (the adjoint of {@link #expand}). */
    public Tensor sumTo(Tensor x, Shape shape) {
        requireFloat("sumTo", x);
        if (!Shape.broadcast(shape, x.shape()).equals(x.shape())) {
            throw new IllegalArgumentException("sumTo: " + shape + " does not broadcast to " + x.shape());
        }
        if (shape.equals(x.shape())) return x;
        Tensor y = ctx.allocate(shape, x.dtype(), false);
        be.sumTo(y, x, 1.0, false);
        if (recording(x)) record("sumTo", y, g -> be.expand(grad(x), g, 1.0, true), Composites.sumTo(this, x));
        return y;
    }

    /** Maximum along {@code axis} (not differentiable; used for statistics and argmax-free checks). */
    public Tensor max(Tensor x, int axis) {
        rejectHalf("max", x);
        int a = x.shape().axis(axis);
        Tensor y = ctx.allocate(x.shape().without(a), x.dtype(), false);
        be.maxAlong(y, x, x.shape().outer(a), x.dim(a), x.shape().inner(a));
        return y;
    }

    // ======================================================================================
    // layout
    // ======================================================================================

    /** A view with a new shape of the same size; -1 in one place is inferred. */
    public Tensor reshape(Tensor x, int... dims) {
        int infer = -1, known = 1;
        int[] d = dims.clone();
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(dims));
                infer = i;
            } else {
                known *= d[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.size() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Arrays.toString(dims) + " for " + x.describe());
            }
            d[infer] = x.size() / known;
        }
        return reshape(x, Shape.of(d));
    }

    public Tensor reshape(Tensor x, Shape s) {
        if (s.size() != x.size()) {
            throw new IllegalArgumentException("reshape: " + x.describe() + " has " + x.size() + " elements, " + s + " needs " + s.size());
        }
        if (s.equals(x.shape())) return x;
        Tensor y = x.view(s);
        if (recording(x)) {
            record("reshape", y, g -> {
                Tensor gx = grad(x);
                // y's gradient is usually x's under another shape (Tape#shareGradient): already in place
                if (gx != null && !(g.storage() == gx.storage() && g.offset() == gx.offset())) be.accumulate(gx, g, 1.0);
            }, Composites.reshape(this, x));
            ctx.tape().shareGradient(y, x, 0);
        }
        return y;
    }

    /** Permutes axes: out.dim(i) = x.dim(perm[i]); a copy. */
    public Tensor permute(Tensor x, int... perm) {
        rejectHalf("permute", x);
        if (perm.length != x.rank()) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " for " + x.describe());
        }
        int[] inv = new int[perm.length];
        boolean[] seen = new boolean[perm.length];
        int[] od = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = x.shape().axis(perm[i]);
            if (seen[p]) throw new IllegalArgumentException("permute: axis " + p + " repeated in " + Arrays.toString(perm));
            seen[p] = true;
            inv[p] = i;
            od[i] = x.dim(p);
        }
        int[] pn = new int[perm.length];
        for (int i = 0; i < perm.length; i++) pn[i] = x.shape().axis(perm[i]);
        Tensor y = ctx.allocate(Shape.of(od), x.dtype(), false);
        be.permute(y, x, pn, false);
        if (recording(x)) record("permute", y, g -> be.permute(grad(x), g, inv, true), Composites.permute(this, x, inv));
        return y;
    }

    /** Swaps two axes (a copy). */
    public Tensor transpose(Tensor x, int a0, int a1) {
        int[] p = new int[x.rank()];
        for (int i = 0; i < p.length; i++) p[i] = i;
        int i0 = x.shape().axis(a0), i1 = x.shape().axis(a1);
        p[i0] = i1;
        p[i1] = i0;
        return permute(x, p);
    }

    /**
     * x[..., start : start + length, ...] along {@code axis}: a view sharing x's storage when the
     * slice is contiguous (every dimension before {@code axis} is 1), otherwise a copy.
     */
    public Tensor slice(Tensor x, int axis, int start, int length) {
        rejectHalf("slice", x);
        int a = x.shape().axis(axis);
        if (start < 0 || length < 0 || start + length > x.dim(a)) {
            throw new IllegalArgumentException("slice [" + start + ", " + (start + length) + ") out of range on axis " + a + " of " + x.describe());
        }
        Tensor y;
        boolean view = x.shape().outer(a) == 1;
        int at = view ? start * x.shape().inner(a) : 0;
        if (view) { // contiguous: a view, no copy
            y = x.view(Shape.of(x.size())).narrow0(at, length * x.shape().inner(a)).view(x.shape().with(a, length));
        } else {
            y = ctx.allocate(x.shape().with(a, length), x.dtype(), false);
            be.readSlice(y, x, a, start, false);
        }
        if (recording(x)) {
            record("slice", y, g -> {
                Tensor gx = grad(x);
                // a view's gradient is usually the matching view of x's (Tape#shareGradient): already in place
                if (gx != null && !(view && g.storage() == gx.storage() && g.offset() == gx.offset() + at)) be.writeSlice(gx, g, a, start, true);
            }, Composites.slice(this, x, a, start));
            if (view) ctx.tape().shareGradient(y, x, at);
        }
        return y;
    }

    /** Concatenation along {@code axis}; all other dimensions must match. */
    public Tensor concat(int axis, Tensor... xs) {
        for (Tensor x : xs) rejectHalf("concat", x);
        if (xs.length == 0) throw new IllegalArgumentException("concat of nothing");
        int a = xs[0].shape().axis(axis), total = 0;
        for (Tensor x : xs) {
            if (x.rank() != xs[0].rank() || !x.shape().with(a, 1).equals(xs[0].shape().with(a, 1)) || x.dtype() != xs[0].dtype()) {
                throw new IllegalArgumentException("concat along " + a + ": " + x.describe() + " does not match " + xs[0].describe());
            }
            total += x.dim(a);
        }
        Tensor y = ctx.allocate(xs[0].shape().with(a, total), xs[0].dtype(), false);
        int[] starts = new int[xs.length];
        for (int i = 0, s = 0; i < xs.length; s += xs[i].dim(a), i++) {
            starts[i] = s;
            be.writeSlice(y, xs[i], a, s, false);
        }
        if (recording(xs)) {
            record("concat", y, g -> {
                for (int i = 0; i < xs.length; i++) {
                    Tensor gi = grad(xs[i]);
                    if (gi != null) be.readSlice(gi, g, a, starts[i], true);
                }
            }, Composites.concat(this, xs, a, starts));
        }
        return y;
    }

    /**
     * Gathers along {@code axis} by an I32 index of shape (A..., K) (the dims before axis, then
     * K): out[a, k, r] = x[a, index[a, k], r]. Masking keeps tokens this way.
     */
    public Tensor gather(Tensor x, Tensor index, int axis) {
        rejectHalf("gather", x);
        int a = x.shape().axis(axis);
        if (index.dtype() != DType.I32 || index.rank() != a + 1) {
            throw new IllegalArgumentException("gather on axis " + a + " of " + x.describe() + " needs an I32 index of rank " + (a + 1) + ", got " + index.describe());
        }
        for (int i = 0; i < a; i++) {
            if (index.dim(i) != x.dim(i)) {
                throw new IllegalArgumentException("gather: index " + index.shape() + " does not match " + x.shape() + " before axis " + a);
            }
        }
        Tensor y = ctx.allocate(x.shape().with(a, index.dim(a)), x.dtype(), false);
        be.gather(y, x, index, a);
        if (recording(x)) record("gather", y, g -> be.scatterAdd(grad(x), g, index, a), Composites.gather(this, x, index, a), index);
        return y;
    }

    /**
     * The adjoint of {@link #gather}: a zero tensor of src's shape with axis {@code axis} of length
     * {@code size}, and out[a, index[a, k], r] += src[a, k, r].
     */
    public Tensor scatterAdd(Tensor src, Tensor index, int axis, int size) {
        requireFloat("scatterAdd", src);
        int a = src.shape().axis(axis);
        boolean fits = index.dtype() == DType.I32 && index.rank() == a + 1;
        for (int i = 0; fits && i <= a; i++) fits = index.dim(i) == src.dim(i);
        if (!fits) {
            throw new IllegalArgumentException("scatterAdd on axis " + a + " of " + src.describe() + " needs an I32 index of its first " + (a + 1) + " dims, got " + index.describe());
        }
        Tensor y = ctx.allocate(src.shape().with(a, size), src.dtype(), true);
        be.scatterAdd(y, src, index, a);
        if (recording(src)) {
            record("scatterAdd", y, g -> {
                Tensor tmp = ctx.allocate(src.shape(), src.dtype(), false);
                be.gather(tmp, g, index, a);
                be.accumulate(grad(src), tmp, 1.0);
            }, Composites.scatterAdd(this, src, index, a), index);
        }
        return y;
    }

    // ======================================================================================
    // fused row ops
    // ======================================================================================

    /** Softmax along the last axis. */
    public Tensor softmax(Tensor x) {
        requireFloat("softmax", x);
        Tensor y = ctx.allocate(x.shape(), x.dtype(), false);
        be.softmax(y, x);
        if (recording(x)) record("softmax", y, g -> be.softmaxBackward(grad(x), g, y), Composites.softmax(this, x, y), y);
        return y;
    }

    /** LayerNorm over the last axis with affine weight and bias (either may be null). */
    public Tensor layerNorm(Tensor x, Tensor w, Tensor b, double eps) {
        checkLayerNorm(x, w, b);
        int d = x.dim(-1), n = x.size() / d;
        Tensor y = ctx.allocate(x.shape(), x.dtype(), false);
        Tensor mean = ctx.allocate(Shape.of(n), x.dtype(), false), rstd = ctx.allocate(Shape.of(n), x.dtype(), false);
        Shape flat = Shape.of(n, d);
        be.layerNorm(y.view(flat), mean, rstd, x.view(flat), w, b, eps);
        recordLayerNorm(y, x, w, b, mean, rstd, eps);
        return y;
    }

    /** A residual sum and the LayerNorm of it: {@code sum} = x + r, {@code norm} = LayerNorm(sum). */
    public record AddNorm(Tensor sum, Tensor norm) {
    }

    /**
     * {@code add(x, r)} and {@code layerNorm} of that sum, as one backend call (a pre-norm block's
     * h = x + attn(·) followed by LN2(h); a GPU backend runs one launch). x and r must have one
     * shape (no broadcasting; other shapes run the two ops). On the tape they are the add and the
     * layerNorm, so every derivative, higher-order ones included, is that of the composition.
     */
    public AddNorm addLayerNorm(Tensor x, Tensor r, Tensor w, Tensor b, double eps) {
        sameFloat("add", x, r);
        checkLayerNorm(x, w, b);
        if (!x.shape().equals(r.shape())) {
            Tensor sum = add(x, r);
            return new AddNorm(sum, layerNorm(sum, w, b, eps));
        }
        int d = x.dim(-1), n = x.size() / d;
        Tensor sum = ctx.allocate(x.shape(), x.dtype(), false), y = ctx.allocate(x.shape(), x.dtype(), false);
        Tensor mean = ctx.allocate(Shape.of(n), x.dtype(), false), rstd = ctx.allocate(Shape.of(n), x.dtype(), false);
        Shape flat = Shape.of(n, d);
        be.addLayerNorm(sum.view(flat), y.view(flat), mean, rstd, x.view(flat), r.view(flat), w, b, eps);
        recordBinary(BinaryOp.ADD, sum, x, r);
        recordLayerNorm(y, sum, w, b, mean, rstd, eps);
        return new AddNorm(sum, y);
    }

    private void checkLayerNorm(Tensor x, Tensor w, Tensor b) {
        int d = x.dim(-1);
        if (w != null) sameFloat("layerNorm", x, w);
        if ((w != null && !w.shape().equals(Shape.of(d))) || (b != null && !b.shape().equals(Shape.of(d)))) {
            throw new IllegalArgumentException("layerNorm: weight/bias must be (" + d + ") for input " + x.shape());
        }
    }

    private void recordLayerNorm(Tensor y, Tensor x, Tensor w, Tensor b, Tensor mean, Tensor rstd, double eps) {
        if (recording(x, w, b)) {
            Shape flat = Shape.of(mean.size(), x.dim(-1));
            record("layerNorm", y, g -> {
                Tensor gx = grad(x);
                be.layerNormBackward(gx == null ? null : gx.view(flat), grad(w), grad(b), g.view(flat), x.view(flat), w, mean, rstd);
            }, Composites.normalization(this, x, w, b, eps, -1), x, w, mean, rstd);
        }
    }

    /**
     * BatchNorm1d over x (N, C). In training mode it normalises with batch statistics and
     * updates the running ones (momentum as in PyTorch, 0.1 by default); in eval mode it uses
     * the running statistics. Affine weight and bias may be null.
     */
    public Tensor batchNorm(Tensor x, Tensor w, Tensor b, Tensor runningMean, Tensor runningVar,
                            boolean training, double momentum, double eps) {
        rejectHalf("batchNorm", x);
        if (x.rank() != 2) throw new IllegalArgumentException("batchNorm expects (N, C), got " + x.describe());
        int c = x.dim(1);
        Tensor y = ctx.allocate(x.shape(), x.dtype(), false);
        if (training) {
            if (x.dim(0) < 2) {
                throw new IllegalArgumentException("batchNorm in training mode needs more than one sample per channel, got " + x.shape());
            }
            Tensor mean = ctx.allocate(Shape.of(c), x.dtype(), false), rstd = ctx.allocate(Shape.of(c), x.dtype(), false);
            be.batchNormTrain(y, mean, rstd, runningMean, runningVar, x, w, b, momentum, eps);
            if (recording(x, w, b)) {
                record("batchNorm", y, g -> be.batchNormBackward(grad(x), grad(w), grad(b), g, x, w, mean, rstd),
                        Composites.normalization(this, x, w, b, eps, 0), x, w, mean, rstd);
            }
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batchNorm in eval mode needs running statistics");
            }
            be.batchNormEval(y, x, runningMean, runningVar, w, b, eps);
            if (recording(x, w, b)) {
                record("batchNormEval", y, g -> be.batchNormEvalBackward(grad(x), grad(w), grad(b), g, x, runningMean, runningVar, w, eps),
                        Composites.batchNormEval(this, x, w, b, runningMean, runningVar, eps), x, runningMean, runningVar, w);
            }
        }
        return y;
    }

    /**
     * Training-mode BatchNorm1d over the global batch of {@code group} (PyTorch's SyncBatchNorm): x
     * (N_r, C) is this rank's part, the mean and biased variance are those of all ranks' rows, the
     * running statistics move with them (unbiased with the global count), and the backward
     * all-reduces the sums of dy and dy·x̂ (see {@code SyncBatchNorm}). Collective: every rank
     * calls it, and later its backward, in the same order. A group of one runs
     * {@link #batchNorm} in training mode, bit for bit; no double backward on more ranks.
     */
    public Tensor syncBatchNorm(Tensor x, Tensor w, Tensor b, Tensor runningMean, Tensor runningVar, double momentum, double eps,
                                Collective group) {
        rejectHalf("syncBatchNorm", x);
        if (group.worldSize() == 1) return batchNorm(x, w, b, runningMean, runningVar, true, momentum, eps);
        if (x.rank() != 2) throw new IllegalArgumentException("syncBatchNorm expects (N, C), got " + x.describe());
        Tensor y = ctx.allocate(x.shape(), x.dtype(), false);
        SyncBatchNorm.Statistics st = SyncBatchNorm.forward(be, group, y, runningMean, runningVar, x, w, b, momentum, eps);
        if (recording(x, w, b)) {
            record("syncBatchNorm", y, g -> SyncBatchNorm.backward(ctx, group, grad(x), grad(w), grad(b), g, x, w, st), null, x, w);
        }
        return y;
    }

    /** x / max(‖x‖₂, eps) along the last axis. */
    public Tensor l2Normalize(Tensor x, double eps) {
        requireFloat("l2Normalize", x);
        int d = x.dim(-1), n = x.size() / d;
        Shape flat = Shape.of(n, d);
        Tensor y = ctx.allocate(x.shape(), x.dtype(), false);
        Tensor norm = ctx.allocate(Shape.of(n), x.dtype(), false);
        be.l2Normalize(y.view(flat), norm, x.view(flat), eps);
        if (recording(x)) {
            record("l2Normalize", y, g -> be.l2NormalizeBackward(grad(x).view(flat), g.view(flat), x.view(flat), y.view(flat), norm, eps),
                    Composites.l2Normalize(this, x, eps), x, y, norm);
        }
        return y;
    }

    /** Cosine similarity along the last axis: Σ normalize(a)·normalize(b) (eps 1e-8 per norm). */
    public Tensor cosineSimilarity(Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException("cosineSimilarity: " + a.describe() + " vs " + b.describe());
        }
        return sum(mul(l2Normalize(a, 1e-8), l2Normalize(b, 1e-8)), false, -1);
    }

    // ======================================================================================
    // attention and losses
    // ======================================================================================

    /** The output of attention and its probabilities (B, H, T, S), for analysis. */
    public record Attention(Tensor out, Tensor probs) {
    }

    /**
     * Fused scaled dot-product attention: q (B, H, T, Dh), k, v (B, H, S, Dh) → (B, H, T, Dh),
     * softmax(q·kᵀ·scale)·v. The probabilities are kept for backward and returned.
     */
    public Attention attention(Tensor q, Tensor k, Tensor v, double scale) {
        attentionOperands(q, k, v);
        DType half = autocastHalf(q);
        if (half != null) return attentionHalf(q, k, v, scale, true, half);
        Tensor out = ctx.allocate(q.shape(), q.dtype(), false);
        Tensor probs = ctx.allocate(Shape.of(q.dim(0), q.dim(1), q.dim(2), k.dim(2)), q.dtype(), false);
        be.attention(out, probs, q, k, v, scale);
        if (recording(q, k, v)) {
            record("attention", out, g -> be.attentionBackward(grad(q), grad(k), grad(v), g, q, k, v, probs, scale),
                    Composites.attention(this, q, k, v, scale), q, k, v, probs);
        }
        return new Attention(out, probs);
    }

    /**
     * The output of {@link #attention} without its probabilities: softmax(q·kᵀ·scale)·v,
     * q (B, H, T, Dh), k, v (B, H, S, Dh) → (B, H, T, Dh). On a backend that fuses attention
     * ({@link io.tessera.tensor.spi.Backend#fusedAttention}) the tape keeps the output and the
     * row log-sum-exp (B, H, T) for backward, which recomputes the probabilities; elsewhere it
     * keeps the probabilities, as {@link #attention} does.
     */
    public Tensor attentionOutput(Tensor q, Tensor k, Tensor v, double scale) {
        if (!be.fusedAttention()) {
            Attention a = attention(q, k, v, scale);
            drop(a.probs());
            return a.out();
        }
        attentionOperands(q, k, v);
        DType half = autocastHalf(q);
        if (half != null) return attentionHalf(q, k, v, scale, false, half).out();
        Tensor out = ctx.allocate(q.shape(), q.dtype(), false);
        Tensor lse = ctx.allocate(Shape.of(q.dim(0), q.dim(1), q.dim(2)), q.dtype(), false);
        be.attentionLse(out, lse, q, k, v, scale);
        if (recording(q, k, v)) {
            record("attention", out, g -> be.attentionLseBackward(grad(q), grad(k), grad(v), g, q, k, v, out, lse, scale),
                    Composites.attention(this, q, k, v, scale), q, k, v, out, lse);
        }
        drop(lse);
        return out;
    }

    /**
     * Multi-head attention on a packed projection: qkv (B, T, 3·D) as a qkv linear layer writes it
     * (q, k and v side by side, each split into {@code heads} heads of D / heads), the output
     * (B, T, D) with the heads merged as the output projection reads them: the value of splitting
     * the heads (reshape, permute, slices), {@link #attentionOutput} (or {@link #attention} with
     * {@code keepProbs}, whose probabilities (B, H, T, T) are returned) and merging them back.
     * Without {@code keepProbs}, on a backend that fuses attention, one backend call reads the
     * heads in place and writes the merged output
     * ({@link io.tessera.tensor.spi.Backend#attentionPackedLse}; a GPU saves the layout copies),
     * with the same bits; elsewhere, and on a higher-order tape, it is that composition.
     */
    public Attention attentionPacked(Tensor qkv, int heads, double scale, boolean keepProbs) {
        requireFloat("attentionPacked", qkv);
        if (qkv.rank() != 3 || heads < 1 || qkv.dim(2) % (3 * heads) != 0) {
            throw new IllegalArgumentException("attentionPacked expects qkv (B, T, 3·H·Dh) for " + heads + " heads; got " + qkv.describe());
        }
        int b = qkv.dim(0), t = qkv.dim(1), d = qkv.dim(2) / 3, dh = d / heads;
        boolean higherOrder = ctx.tape() != null && ctx.tape().higherOrder();
        if (keepProbs || !be.fusedAttention() || higherOrder || qkv.dtype() != DType.F32) {
            // intermediates are dropped as soon as they are consumed: those no backward rule reads go
            // back to the pool at once, the others right after their rule has run (see drop)
            Tensor y = permute(reshape(qkv, b, t, 3, heads, dh), 2, 0, 3, 1, 4); // (3, B, H, T, Dh)
            Tensor q = reshape(slice(y, 0, 0, 1), b, heads, t, dh), k = reshape(slice(y, 0, 1, 1), b, heads, t, dh),
                    v = reshape(slice(y, 0, 2, 1), b, heads, t, dh);          // views of y
            Attention a = keepProbs ? attention(q, k, v, scale) : new Attention(attentionOutput(q, k, v, scale), null);
            drop(y);
            Tensor merged = reshape(permute(a.out(), 0, 2, 1, 3), b, t, d);
            drop(a.out());
            return new Attention(merged, a.probs());
        }
        DType half = autocastHalf(qkv);
        Tensor in = half == null ? qkv : roundedCopy(qkv, half);
        Tensor raw = ctx.allocate(Shape.of(b, t, d), DType.F32, false), lse = ctx.allocate(Shape.of(b, heads, t), DType.F32, false);
        be.attentionPackedLse(raw, lse, in, heads, scale);
        Tensor out = half == null ? raw : roundedCopy(raw, half);
        if (recording(qkv)) {
            if (half == null) {
                record("attention", out, g -> be.attentionPackedLseBackward(grad(qkv), g, qkv, out, lse, heads, scale), null, qkv, out, lse);
            } else {
                record(autocastName("attention", half), out, g -> {
                    Tensor gr = roundedCopy(g, half), d16 = ctx.allocate(qkv.shape(), DType.F32, true);
                    be.attentionPackedLseBackward(d16, gr, in, raw, lse, heads, scale);
                    drop(gr);
                    accumulateRounded(grad(qkv), d16, half);
                }, null, in, raw, lse);
            }
        }
        drop(lse);
        if (half != null) drop(in, raw);
        return new Attention(out, null);
    }

    /**
     * Attention under autocast in the 16-bit type t, as a fused kernel computes it (PyTorch's
     * scaled_dot_product_attention on bf16 or fp16 operands): q, k and v rounded to t, scores,
     * softmax and the sums of P·V in float32, the output rounded to t. Backward rounds the
     * incoming gradient and dq, dk, dv to t. Without {@code keepProbs} a fusing backend keeps
     * the row log-sum-exp instead of the probabilities (which are then null).
     */
    private Attention attentionHalf(Tensor q, Tensor k, Tensor v, double scale, boolean keepProbs, DType t) {
        Tensor qr = roundedCopy(q, t), kr = roundedCopy(k, t), vr = roundedCopy(v, t);
        boolean fused = !keepProbs && be.fusedAttention();
        Tensor raw = ctx.allocate(q.shape(), DType.F32, false);
        Tensor probs = fused ? null : ctx.allocate(Shape.of(q.dim(0), q.dim(1), q.dim(2), k.dim(2)), DType.F32, false);
        Tensor lse = fused ? ctx.allocate(Shape.of(q.dim(0), q.dim(1), q.dim(2)), DType.F32, false) : null;
        if (fused) be.attentionLse(raw, lse, qr, kr, vr, scale);
        else be.attention(raw, probs, qr, kr, vr, scale);
        Tensor out = roundedCopy(raw, t);
        if (recording(q, k, v)) {
            record(autocastName("attention", t), out, g -> {
                Tensor gr = roundedCopy(g, t);
                Tensor gq = grad(q), gk = grad(k), gv = grad(v);
                Tensor dq = gq == null ? null : ctx.allocate(q.shape(), DType.F32, true);
                Tensor dk = gk == null ? null : ctx.allocate(k.shape(), DType.F32, true);
                Tensor dv = gv == null ? null : ctx.allocate(v.shape(), DType.F32, true);
                if (fused) be.attentionLseBackward(dq, dk, dv, gr, qr, kr, vr, raw, lse, scale);
                else be.attentionBackward(dq, dk, dv, gr, qr, kr, vr, probs, scale);
                drop(gr);
                if (dq != null) accumulateRounded(gq, dq, t);
                if (dk != null) accumulateRounded(gk, dk, t);
                if (dv != null) accumulateRounded(gv, dv, t);
            }, null, qr, kr, vr, fused ? raw : probs, lse);
        }
        drop(qr, kr, vr, raw, lse);
        if (keepProbs) return new Attention(out, probs);
        drop(probs);
        return new Attention(out, null);
    }

    private static void attentionOperands(Tensor q, Tensor k, Tensor v) {
        sameFloat("attention", q, k);
        sameFloat("attention", q, v);
        if (q.rank() != 4 || k.rank() != 4 || !k.shape().equals(v.shape()) || q.dim(0) != k.dim(0)
                || q.dim(1) != k.dim(1) || q.dim(3) != k.dim(3)) {
            throw new IllegalArgumentException("attention expects q (B, H, T, Dh), k and v (B, H, S, Dh); got q " + q.shape() + ", k " + k.shape() + ", v " + v.shape());
        }
    }

    /** Mean cross-entropy over rows of logits (N, V) with I32 labels (N) and label smoothing. */
    public Tensor crossEntropy(Tensor logits, Tensor labels, double smoothing) {
        requireFloat("crossEntropy", logits);
        if (logits.rank() != 2 || labels.dtype() != DType.I32 || !labels.shape().equals(Shape.of(logits.dim(0)))) {
            throw new IllegalArgumentException("crossEntropy expects logits (N, V) and I32 labels (N); got " + logits.describe() + ", " + labels.describe());
        }
        if (smoothing < 0 || smoothing >= 1) throw new IllegalArgumentException("label smoothing must be in [0, 1): " + smoothing);
        int n = logits.dim(0);
        Tensor losses = ctx.allocate(Shape.of(n), logits.dtype(), false);
        Tensor probs = ctx.allocate(logits.shape(), logits.dtype(), false);
        be.crossEntropy(losses, probs, logits, labels, smoothing);
        if (recording(logits)) {
            // the differentiable rule recomputes the probabilities from the logits, so a higher-order tape keeps them
            Tensor keep = ctx.tape().higherOrder() ? logits : null;
            record("crossEntropy", losses, g -> be.crossEntropyBackward(grad(logits), g, probs, labels, smoothing),
                    Composites.crossEntropy(this, logits, labels, smoothing), probs, labels, keep);
        }
        return mean(losses);
    }

    /**
     * MAE's reconstruction loss: mean over masked patches of the per-patch mean squared error.
     * pred, target (B, L, P); mask (B, L), 1 = masked.
     */
    public Tensor maskedMse(Tensor pred, Tensor target, Tensor mask) {
        sameFloat("maskedMse", pred, target);
        if (!pred.shape().equals(target.shape()) || pred.rank() != 3
                || !mask.shape().equals(Shape.of(pred.dim(0), pred.dim(1))) || mask.dtype() != pred.dtype()) {
            throw new IllegalArgumentException("maskedMse expects pred and target (B, L, P) and mask (B, L) of the same dtype; got "
                    + pred.describe() + ", " + target.describe() + ", " + mask.describe());
        }
        Tensor loss = ctx.allocate(Shape.scalar(), pred.dtype(), false);
        be.maskedMse(loss, pred, target, mask);
        if (recording(pred, target)) {
            record("maskedMse", loss, g -> be.maskedMseBackward(grad(pred), grad(target), g, pred, target, mask),
                    Composites.maskedMse(this, pred, target, mask), pred, target, mask);
        }
        return loss;
    }

    // ======================================================================================
    // images
    // ======================================================================================

    /**
     * MAE's patchify: images (B, C, H, W) → (B, L, P·P·C) with L = (H/P)(W/P), inside a patch
     * the index is (py·P + px)·C + c (channel fastest).
     */
    public Tensor patchify(Tensor imgs, int p) {
        rejectHalf("patchify", imgs);
        if (imgs.rank() != 4 || imgs.dim(2) % p != 0 || imgs.dim(3) % p != 0) {
            throw new IllegalArgumentException("patchify with patch " + p + " needs (B, C, H, W) with H and W divisible by it, got " + imgs.describe());
        }
        int b = imgs.dim(0), c = imgs.dim(1), h = imgs.dim(2) / p, w = imgs.dim(3) / p;
        Tensor x = reshape(imgs, b, c, h, p, w, p);
        x = permute(x, 0, 2, 4, 3, 5, 1); // (B, h, w, P, P, C)
        return reshape(x, b, h * w, p * p * c);
    }

    /** Inverse of {@link #patchify}: (B, L, P·P·C) → (B, C, h·P, w·P) for a grid of h × w patches. */
    public Tensor unpatchify(Tensor x, int p, int c, int h, int w) {
        rejectHalf("unpatchify", x);
        if (x.rank() != 3 || x.dim(1) != h * w || x.dim(2) != p * p * c) {
            throw new IllegalArgumentException("unpatchify to a " + h + "×" + w + " grid of " + p + "-pixel patches with " + c + " channels does not fit " + x.describe());
        }
        int b = x.dim(0);
        Tensor y = reshape(x, b, h, w, p, p, c);
        y = permute(y, 0, 5, 1, 3, 2, 4); // (B, C, h, P, w, P)
        return reshape(y, b, c, h * p, w * p);
    }

    // ======================================================================================
    // checks and helpers
    // ======================================================================================

    /**
     * Declares that the caller will not read {@code ts} (nor views of them) again, so their memory
     * can go back to the pool before the step's scope closes: at once when no recorded backward
     * rule reads them, else right after the last such rule has run during backward. This is how a
     * training step holds only what backward needs, as PyTorch frees activations that no
     * gradient formula saved. Tensors no scope owns (parameters, buffers, data made outside the
     * step's scope) and tensors whose gradient is retained are left alone, and null is ignored;
     * reading a freed tensor afterwards throws.
     */
    public void drop(Tensor... ts) {
        for (Tensor t : ts) if (t != null) ctx.drop(t);
    }

    /** True when every element is finite. */
    public boolean allFinite(Tensor x) {
        for (double v : be.readF64(x)) if (!Double.isFinite(v)) return false;
        return true;
    }

    private boolean recording(Tensor... xs) {
        if (ctx.tape() == null) return false;
        for (Tensor x : xs) if (x != null && x.requiresGrad()) return true;
        return false;
    }

    /** Records {@code rule} for {@code out}; {@code saved} are the tensors whose data the rule reads (see {@link #drop}). */
    private void record(String op, Tensor out, Tape.Backward rule, Tape.Composite composite, Tensor... saved) {
        out.requiresGrad(true);
        ctx.tape().record(op, out, rule, composite, saved);
    }

    private Tensor grad(Tensor x) {
        return ctx.gradOf(ctx.backwardTape(), x);
    }

    private static Tensor as3(Tensor t) {
        int r = t.dim(-2), c = t.dim(-1);
        return t.view(Shape.of(t.size() / (r * c), r, c));
    }

    private static int countOver(Tensor x, int... axes) {
        boolean[] red = reducedAxes(x.shape(), axes);
        int n = 1;
        for (int i = 0; i < red.length; i++) if (red[i]) n *= x.dim(i);
        return n;
    }

    private static boolean[] reducedAxes(Shape s, int... axes) {
        boolean[] r = new boolean[s.rank()];
        if (axes.length == 0) Arrays.fill(r, true);
        for (int a : axes) {
            int n = s.axis(a);
            if (r[n] && axes.length > 0) throw new IllegalArgumentException("axis " + a + " given twice for " + s);
            r[n] = true;
        }
        return r;
    }

    private static void requireSize(String op, int n, Shape s) {
        if (n != s.size()) throw new IllegalArgumentException(op + ": " + n + " values for shape " + s + " (" + s.size() + " needed)");
    }

    private static void requireFloat(String op, Tensor x) {
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(op + " needs a floating tensor, got " + x.describe());
        if (x.dtype().isHalf()) {
            throw new IllegalArgumentException(op + ": " + x.dtype() + " tensors are storage for autocast's matrix products; cast " + x.describe() + " to F32 (or run the op under ExecutionContext.autocast)");
        }
    }

    /** BF16 and F16 tensors exist only inside autocast's matrix products; every other op takes F32. */
    private static void rejectHalf(String op, Tensor x) {
        if (x != null && x.dtype().isHalf()) requireFloat(op, x);
    }

    private static void sameFloat(String op, Tensor a, Tensor b) {
        requireFloat(op, a);
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.describe() + " vs " + b.describe());
        }
    }
}
