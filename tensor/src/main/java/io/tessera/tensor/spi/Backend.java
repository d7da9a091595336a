package io.tessera.tensor.spi;

import io.tessera.tensor.DType;
import io.tessera.tensor.Device;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Storage;
import io.tessera.tensor.Tensor;

/**
 * The kernel set every backend implements: the CPU reference (scalar, float and double), the
 * CPU Vector API backend, and GPU backends in {@code gpu-tasks}. Autograd, models and methods
 * call these only through {@link io.tessera.tensor.Ops}.
 *
 * <p>Conventions (as llm.c): arguments are outputs, then inputs, then saved statistics, then
 * sizes and scalars. Forward kernels overwrite their outputs. Backward kernels
 * <b>accumulate</b> ({@code +=}) into gradient outputs; a null gradient output means "not
 * needed". All tensors are contiguous and row-major, and all floating operands of one call
 * share one dtype. Reductions are deterministic: the result does not depend on the number of
 * threads. Elementwise kernels ({@code unary}, {@code affine}, {@code accumulate}, {@code binary}
 * when out has a's shape, the optimizer updates) may be called with an output aliasing an input
 * (in-place updates such as EMA teachers and gradient clipping rely on this).
 */
public interface Backend extends AutoCloseable {

    /** A short name: "reference", "cpu-simd", "opencl", "cuda". */
    String name();

    Device device();

    // ---- memory ---------------------------------------------------------------------------

    /** New storage for at least {@code size} elements; zero-filled when {@code zeroed}. */
    Storage allocate(DType dtype, int size, boolean zeroed);

    /** Returns storage to the backend's pool. The caller guarantees no tensor uses it. */
    void release(Storage storage);

    /**
     * Copies host data into {@code dst}; {@code src} is a float[], double[], int[] or (for BF16
     * and F16, raw 16-bit patterns) short[] of dst's size.
     */
    void write(Tensor dst, Object src);

    float[] readF32(Tensor src);

    double[] readF64(Tensor src);

    int[] readI32(Tensor src);

    /** out = value everywhere. */
    void fill(Tensor out, double value);

    /**
     * out = x (same size; dtypes may differ between F32, F64, BF16 and F16, converting: narrowing
     * to BF16 or F16 rounds to nearest even, as {@link io.tessera.tensor.BFloat16#fromFloat} and
     * {@link io.tessera.tensor.Float16#fromFloat}).
     */
    void copy(Tensor out, Tensor x);

    // ---- matrix products ------------------------------------------------------------------

    /**
     * Batched matrix product {@code c = alpha · op(a) · op(b) + beta · c}.
     * a: (Ba, M, K), or (Ba, K, M) when {@code transA}; b: (Bb, K, N), or (Bb, N, K) when
     * {@code transB}; c: (Bc, M, N); Ba and Bb are 1 or Bc (a batch of 1 is shared).
     * The caller passes rank-3 views. With beta = 0, c is not read (NaNs in it are ignored).
     * One mixed-precision form: a and b of one 16-bit type (BF16 or F16) with c F32, the products
     * summed in float32 (autocast); {@link MixedPrecision#matmulViaF32} is its portable implementation.
     */
    void matmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta);

    /**
     * A linear layer's product with its bias: {@code c = op(a) · op(b) + bias}, bias (N) broadcast
     * over c's rows and batches; shapes as {@link #matmul} (including its one mixed form), bias of
     * c's dtype. This default broadcasts the bias into c and adds the product onto it (beta = 1);
     * a backend may add the bias in its product's epilogue instead, with the same result.
     */
    default void matmulBias(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, Tensor bias) {
        int n = c.dim(-1);
        if (bias.size() != n || bias.dtype() != c.dtype()) {
            throw new IllegalArgumentException("matmulBias: bias " + bias.describe() + " must have " + n + " elements of c's dtype (c " + c.describe() + ")");
        }
        expand(c, bias.view(Shape.of(1, 1, n)), 1.0, false);
        matmul(c, a, b, transA, transB, 1, 1);
    }

    /**
     * Autocast's product, rounded: a and b of one 16-bit type (BF16 or F16), c F32 (the mixed form
     * of {@link #matmul}); round() rounds to that type ({@link #roundHalf}). With a bias (F32, N
     * elements; {@code accumulate} false): c = round(op(a)·op(b) + round(bias)). Without:
     * c = round(op(a)·op(b)), or c += round(op(a)·op(b)) when {@code accumulate}. This default runs
     * the product into c (or a float32 temporary), rounds it and adds it; a backend may round in its
     * product's epilogue, with the same bits.
     */
    default void matmulHalf(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, Tensor bias, boolean accumulate) {
        if (!MixedPrecision.isHalfProduct(c, a, b)) {
            throw new IllegalArgumentException("matmulHalf takes BF16 or F16 a and b and an F32 c; got c " + c.describe() + ", a " + a.describe() + ", b " + b.describe());
        }
        if (bias != null && accumulate) throw new IllegalArgumentException("matmulHalf: a bias is added to a fresh product, not accumulated");
        DType type = a.dtype();
        Tensor t = accumulate ? new Tensor(this, c.shape(), DType.F32, allocate(DType.F32, c.size(), false), 0) : c;
        Tensor br = bias != null ? new Tensor(this, bias.shape(), DType.F32, allocate(DType.F32, bias.size(), false), 0) : null;
        try {
            if (br != null) {
                roundHalf(br, bias, type);
                matmulBias(t, a, b, transA, transB, br);
            } else {
                matmul(t, a, b, transA, transB, 1, 0);
            }
            roundHalf(t, t, type);
            if (accumulate) accumulate(c, t, 1.0);
        } finally {
            if (accumulate) release(t.storage());
            if (br != null) release(br.storage());
        }
    }

    /**
     * Autocast's bias gradient: out (D, F32) += round(Σ rows of x), x (N, D) BF16 or F16, round()
     * to x's type as {@link #roundHalf}. This default widens x, sums its rows into a float32
     * temporary ({@link #sumTo}), rounds it and adds it; a backend may read x directly and round its
     * final sums, with the same bits.
     */
    default void sumRowsHalf(Tensor out, Tensor x) {
        if (!x.dtype().isHalf() || x.rank() != 2 || out.dtype() != DType.F32 || out.size() != x.dim(1)) {
            throw new IllegalArgumentException("sumRowsHalf takes a BF16 or F16 x (N, D) and an F32 out of D elements; got " + x.describe() + " into " + out.describe());
        }
        int n = x.dim(0), d = x.dim(1);
        Tensor w = MixedPrecision.widened(this, x), t = new Tensor(this, Shape.of(d), DType.F32, allocate(DType.F32, d, false), 0);
        try {
            sumTo(t.view(Shape.of(1, 1, d)), w.view(Shape.of(1, n, d)), 1.0, false);
            roundHalf(t, t, x.dtype());
            accumulate(out, t, 1.0);
        } finally {
            release(w.storage());
            release(t.storage());
        }
    }

    /**
     * out = x rounded to the nearest value of {@code type} (BF16 or F16; ties to even, overflow to
     * infinity, NaN kept and quietened), both F32 of one size, in place allowed: the value a copy of
     * x in that type holds, widened back. This default goes through a temporary of that type.
     */
    default void roundHalf(Tensor out, Tensor x, DType type) {
        checkRoundHalf(out, x, type);
        Tensor h = new Tensor(this, x.shape(), type, allocate(type, x.size(), false), 0);
        try {
            copy(h, x);
            copy(out, h);
        } finally {
            release(h.storage());
        }
    }

    /** The argument contract of {@link #roundHalf}: throws with a one-line message when it is broken. */
    static void checkRoundHalf(Tensor out, Tensor x, DType type) {
        if (!type.isHalf()) throw new IllegalArgumentException("roundHalf rounds to BF16 or F16, got " + type);
        if (out.size() != x.size() || out.dtype() != DType.F32 || x.dtype() != DType.F32) {
            throw new IllegalArgumentException("roundHalf takes two F32 tensors of one size; got " + x.describe() + " into " + out.describe());
        }
    }

    /**
     * A linear layer and its exact GELU: {@link #matmulBias} into c (the pre-activation, which
     * GELU's backward reads) and act = gelu(c), act of c's size and overlapping no operand. The
     * result is those two calls' bits; this default makes them (a GPU backend writes both from
     * one epilogue).
     */
    default void matmulBiasGelu(Tensor c, Tensor act, Tensor a, Tensor b, boolean transA, boolean transB, Tensor bias) {
        if (act.size() != c.size() || act.dtype() != c.dtype()) {
            throw new IllegalArgumentException("matmulBiasGelu: act " + act.describe() + " must match c " + c.describe());
        }
        matmulBias(c, a, b, transA, transB, bias);
        unary(UnaryOp.GELU, act, c);
    }

    // ---- elementwise ----------------------------------------------------------------------

    /** out = f(x), same shape. */
    void unary(UnaryOp op, Tensor out, Tensor x);

    /**
     * dx += dy · f'(x), with y = f(x) supplied. Only y is read when {@code op.backwardUsesOutput()},
     * only x otherwise, neither for NEG: autograd may have freed the other one.
     */
    void unaryBackward(UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y);

    /** out = a ∘ b with NumPy broadcasting; out has the broadcast shape. */
    void binary(BinaryOp op, Tensor out, Tensor a, Tensor b);

    /**
     * Gradients of {@link #binary}: da += reduce(dy · ∂(a∘b)/∂a) summed down to a's shape,
     * likewise db. Either gradient may be null. For ADD and SUB only the shapes of a and b are
     * used, never their data (autograd may have freed it).
     */
    void binaryBackward(BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b);

    /** out = alpha · x + beta. */
    void affine(Tensor out, Tensor x, double alpha, double beta);

    /** dst += alpha · src (same size). */
    void accumulate(Tensor dst, Tensor src, double alpha);

    // ---- reductions and broadcasts --------------------------------------------------------

    /**
     * Sums x down to out's shape, which must broadcast to x's shape (the backward of a
     * broadcast, and sum along any set of axes with keep-dims): out = alpha · Σ x (+ out when
     * {@code accumulate}).
     */
    void sumTo(Tensor out, Tensor x, double alpha, boolean accumulate);

    /** out = alpha · broadcast(x) (+ out when {@code accumulate}); x broadcasts to out's shape. */
    void expand(Tensor out, Tensor x, double alpha, boolean accumulate);

    /** out = max along the middle axis of x viewed as (outer, len, inner); out: (outer, inner). */
    void maxAlong(Tensor out, Tensor x, int outer, int len, int inner);

    // ---- layout ---------------------------------------------------------------------------

    /** out = x with axes permuted: out.dim(i) = x.dim(perm[i]) (+ out when {@code accumulate}). */
    void permute(Tensor out, Tensor x, int[] perm, boolean accumulate);

    /**
     * Copies x into out along {@code axis} at {@code start}: out[..., start + j, ...] = x[..., j, ...]
     * (+= when {@code accumulate}). The other dimensions must match. Concat and slice backward.
     */
    void writeSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate);

    /** out = x[..., start : start + out.dim(axis), ...] (+ out when {@code accumulate}). */
    void readSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate);

    /**
     * Gather by index along {@code axis}: x (A..., L, R...), index I32 (A..., K),
     * out (A..., K, R...): out[a, k, r] = x[a, index[a, k], r]. Indices out of range throw.
     */
    void gather(Tensor out, Tensor x, Tensor index, int axis);

    /** Backward of gather: dx[a, index[a, k], r] += dout[a, k, r]. */
    void scatterAdd(Tensor dx, Tensor dout, Tensor index, int axis);

    // ---- fused row ops (last axis) --------------------------------------------------------

    /** y = softmax(x) along the last axis, computed with the row max subtracted. */
    void softmax(Tensor y, Tensor x);

    /** dx += y ⊙ (dy − Σ(dy ⊙ y)) along the last axis. */
    void softmaxBackward(Tensor dx, Tensor dy, Tensor y);

    /**
     * LayerNorm over the last axis D: y = (x − μ) · rstd · w + b, rstd = 1/√(σ² + eps) with the
     * biased variance. x, y: (N, D); w, b: (D) (null for no affine); mean, rstd: (N), written.
     */
    void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps);

    /**
     * A pre-norm block's residual add and the LayerNorm after it, in one call: s = x + r, then
     * {@link #layerNorm} of s into y, mean and rstd. x, r, s, y: (N, D), s aliasing neither x nor
     * r. The result is that of {@link #binary} ADD followed by {@link #layerNorm}, bit for bit (a
     * GPU backend runs both in one launch, reading x and r once); this default makes those two calls.
     */
    default void addLayerNorm(Tensor s, Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor r, Tensor w, Tensor b, double eps) {
        OpChecks.addLayerNorm(s, y, mean, rstd, x, r, w, b, eps);
        binary(BinaryOp.ADD, s, x, r);
        layerNorm(y, mean, rstd, s, w, b, eps);
    }

    /** Accumulates dx, dw, db (each may be null) from dy and the saved mean and rstd. */
    void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd);

    /**
     * BatchNorm1d in training mode over x: (N, C) with batch statistics: y = (x − μ_c)·rstd_c·w + b;
     * writes mean and rstd (C) for backward; updates the running statistics (if non-null) as
     * PyTorch does: run = (1 − momentum)·run + momentum·stat, with the unbiased variance.
     */
    void batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar,
                        Tensor x, Tensor w, Tensor b, double momentum, double eps);

    /** BatchNorm1d in eval mode: y = (x − runningMean)/√(runningVar + eps)·w + b. */
    void batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps);

    /** Backward of training-mode BatchNorm; accumulates dx, dw, db (each may be null). */
    void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd);

    /** Backward of eval-mode BatchNorm (a per-channel affine map); accumulates dx, dw, db. */
    void batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean,
                               Tensor runningVar, Tensor w, double eps);

    /**
     * y = x / max(‖x‖₂, eps) along the last axis (torch.nn.functional.normalize); norm: (N)
     * receives ‖x‖₂.
     */
    void l2Normalize(Tensor y, Tensor norm, Tensor x, double eps);

    /** Accumulates dx for {@link #l2Normalize}. */
    void l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps);

    // ---- attention ------------------------------------------------------------------------

    /**
     * Scaled dot-product attention: q (B, H, T, Dh), k and v (B, H, S, Dh),
     * probs (B, H, T, S) = softmax(q·kᵀ·scale) written, out (B, H, T, Dh) = probs·v.
     */
    void attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale);

    /** Accumulates dq, dk, dv from dout and the saved probabilities. */
    void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                           Tensor probs, double scale);

    /**
     * The same attention keeping the row log-sum-exp instead of the probabilities:
     * out (B, H, T, Dh) = softmax(q·kᵀ·scale)·v and lse (B, H, T) = log Σ_S exp(q·kᵀ·scale)
     * written; no (B, H, T, S) tensor is formed (a fused backend never writes one).
     */
    void attentionLse(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, double scale);

    /**
     * Accumulates dq, dk, dv for {@link #attentionLse} from dout, its output and its lse:
     * P = exp(q·kᵀ·scale − lse) recomputed, D = Σ_Dh dout ⊙ out; dv += Pᵀ·dout;
     * dZ = P ⊙ (dout·vᵀ − D); dq += scale·dZ·k; dk += scale·dZᵀ·q.
     */
    void attentionLseBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                              Tensor out, Tensor lse, double scale);

    /**
     * {@link #attentionLse} on the heads of a packed projection: qkv (B, T, 3·D) as a qkv linear
     * layer writes it (q, k and v side by side, each (T, H, Dh) per image), out (B, T, D) with the
     * heads merged as the output projection reads them, lse (B, H, T). The result is the bits of
     * the layout copies around attentionLse: qkv permuted to (3, B, H, T, Dh), attentionLse on its
     * three slices, the output permuted back. This default makes those copies; a backend whose
     * fused kernels take strided heads reads and writes them in place.
     */
    default void attentionPackedLse(Tensor out, Tensor lse, Tensor qkv, int heads, double scale) {
        int[] s = OpChecks.attentionPacked("attentionPackedLse", qkv, heads, out, lse);
        int b = s[0], t = s[1], dh = s[2];
        Tensor p = PackedHeads.split(this, qkv, heads, dh), o = PackedHeads.temp(this, Shape.of(b, heads, t, dh), false);
        try {
            attentionLse(o, lse, PackedHeads.part(p, 0), PackedHeads.part(p, 1), PackedHeads.part(p, 2), scale);
            permute(out.view(Shape.of(b, t, heads, dh)), o, new int[] {0, 2, 1, 3}, false);
        } finally {
            release(p.storage());
            release(o.storage());
        }
    }

    /**
     * Accumulates dqkv (B, T, 3·D) for {@link #attentionPackedLse} from dout (B, T, D), its output
     * and its lse: {@link #attentionLseBackward} on the permuted heads, its three gradients
     * permuted back and added. This default makes the copies; a backend that adds in place gives
     * their bits into a zero dqkv (the tape's case: attention is a qkv projection's one reader) and
     * may round a non-zero one's sums once instead of twice.
     */
    default void attentionPackedLseBackward(Tensor dqkv, Tensor dout, Tensor qkv, Tensor out, Tensor lse, int heads, double scale) {
        int[] s = OpChecks.attentionPacked("attentionPackedLseBackward", qkv, heads, out, lse);
        int b = s[0], t = s[1], dh = s[2];
        if (!dqkv.shape().equals(qkv.shape()) || !dout.shape().equals(out.shape())) {
            throw new IllegalArgumentException("attentionPackedLseBackward: dqkv must match qkv and dout out; got " + dqkv.describe() + ", " + dout.describe());
        }
        Tensor p = PackedHeads.split(this, qkv, heads, dh), dp = PackedHeads.temp(this, p.shape(), true);
        Tensor o = PackedHeads.temp(this, Shape.of(b, heads, t, dh), false), g = PackedHeads.temp(this, o.shape(), false);
        try {
            permute(o, out.view(Shape.of(b, t, heads, dh)), new int[] {0, 2, 1, 3}, false);
            permute(g, dout.view(Shape.of(b, t, heads, dh)), new int[] {0, 2, 1, 3}, false);
            attentionLseBackward(PackedHeads.part(dp, 0), PackedHeads.part(dp, 1), PackedHeads.part(dp, 2), g,
                    PackedHeads.part(p, 0), PackedHeads.part(p, 1), PackedHeads.part(p, 2), o, lse, scale);
            permute(dqkv.view(Shape.of(b, t, 3, heads, dh)), dp, new int[] {1, 3, 0, 2, 4}, true);
        } finally {
            for (Tensor x : new Tensor[] {p, dp, o, g}) release(x.storage());
        }
    }

    /**
     * True when this backend runs attention fused ({@link #attentionLse}), so that
     * {@link io.tessera.tensor.Ops#attentionOutput} keeps the row log-sum-exp rather than the
     * probabilities; false (the default) keeps the probabilities of {@link #attention}.
     */
    default boolean fusedAttention() {
        return false;
    }

    // ---- losses ---------------------------------------------------------------------------

    /**
     * Cross-entropy with label smoothing ε per row: logits (N, V), labels I32 (N);
     * target = (1 − ε)·onehot + ε/V; losses (N) written; probs (N, V) = softmax(logits) written.
     */
    void crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing);

    /** dlogits += dlosses[n] · (probs − target). */
    void crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing);

    /**
     * MAE's loss: pred, target (B, L, P), mask (B, L) with 1 = masked;
     * loss (scalar) = Σ_{b,l} mask·mean_p (pred − target)² / Σ mask. An all-zero mask throws.
     */
    void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask);

    /** Accumulates dpred and dtarget (either may be null) given the scalar dloss. */
    void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask);

    // ---- optimizer updates (in place, one parameter tensor per call) ----------------------

    /**
     * One AdamW step (Loshchilov &amp; Hutter; PyTorch's AdamW) on a parameter tensor, in place:
     * p ← p·(1 − lr·wd); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
     * p ← p − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + eps), with t = {@code step} ≥ 1.
     */
    void adamwUpdate(Tensor param, Tensor m, Tensor v, Tensor grad, double lr, double beta1, double beta2,
                     double eps, double weightDecay, long step);

    /**
     * {@link #adamwUpdate} on many parameter tensors of one flat store at once (PyTorch's
     * multi-tensor AdamW): param, m, v and grad are rank-1 and aligned; segment s is the elements
     * [offsets[s], offsets[s] + sizes[s]), updated with learning rate lr[s] and weight decay
     * weightDecay[s]. Segments do not overlap. The result is that of one {@link #adamwUpdate} per
     * segment, bit for bit (a GPU backend runs them all in one launch); this default makes those calls.
     */
    default void adamwUpdateSegments(Tensor param, Tensor m, Tensor v, Tensor grad, int[] offsets, int[] sizes, double[] lr,
                                     double[] weightDecay, double beta1, double beta2, double eps, long step) {
        OpChecks.segments("adamwUpdateSegments", param, offsets, sizes, lr, weightDecay, m, v, grad);
        for (int s = 0; s < offsets.length; s++) {
            if (sizes[s] == 0) continue;
            int o = offsets[s], n = sizes[s];
            adamwUpdate(param.narrow0(o, n), m.narrow0(o, n), v.narrow0(o, n), grad.narrow0(o, n), lr[s], beta1, beta2, eps,
                    weightDecay[s], step);
        }
    }

    /**
     * Heavy-ball momentum step, in place (PyTorch SGD without dampening or Nesterov, and the
     * LARS update of MoCo v3 / MAE with {@code gradScale} = trust ratio):
     * d = gradScale·(g + wd·p); buf ← μ·buf + d; p ← p − lr·buf. buf starts at zero.
     */
    void momentumUpdate(Tensor param, Tensor buf, Tensor grad, double lr, double momentum, double weightDecay,
                        double gradScale);

    @Override
    default void close() {
    }
}
