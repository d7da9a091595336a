/*
 * The GPU kernel catalog: each entry names a kernel function and the .kc file (one per op
 * family) that defines it, with the word the op has everywhere else (Backend.layerNorm ->
 * layernorm_forward in layernorm.kc -> LAYERNORM_FORWARD). Also the launch arithmetic the
 * entries share (broadcast strides for binary_forward).
 *
 * Argument convention of every kernel: each array is passed as two arguments, the buffer and
 * the int element offset of the first element (a task graph binds offset 0; the tensor backend
 * binds the tensor's offset, since parameters are views into flat stores). The argument lists
 * below name arrays once.
 */
package io.tessera.gpu;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Kernel functions and their source files. */
public enum Kernels {
    /** out = f(x) for a {@link io.tessera.tensor.spi.UnaryOp} code; args (out, x, n, op). */
    UNARY_FORWARD("elementwise.kc", "unary_forward"),
    /** out = a ∘ b with broadcasting over ≤ 4 axes; args (out, a, b, n, dims[4], strideA[4], strideB[4], op). */
    BINARY_FORWARD("elementwise.kc", "binary_forward"),
    /** out = alpha·x + beta; args (out, x, n, alpha, beta). */
    AFFINE_FORWARD("elementwise.kc", "affine_forward"),
    /** dst += alpha·src; args (dst, src, n, alpha). */
    ACCUMULATE("elementwise.kc", "accumulate"),
    /** dx += dy·f'(x or y) for a UnaryOp code; args (dx, dy, x, y, n, op). */
    UNARY_BACKWARD("elementwise_backward.kc", "unary_backward"),
    /** Per-element partials of a ∘ b times dy over ≤ 4 broadcast axes; args (ga, gb, dy, a, b, n, dims[4], strideA[4], strideB[4], modeA, modeB, op). */
    BINARY_BACKWARD("elementwise_backward.kc", "binary_backward"),
    /** Sum over reduced axes, one work-group per (output, chunk); args (out, x, nout, nred, chunk, nchunks, kept[4], keptStride[4], red[4], redStride[4], alpha, acc); defines WG. */
    SUM_TO("reduce.kc", "sum_to"),
    /** Sum over reduced axes, one work-item per output; args (out, x, nout, nred, kept[4], keptStride[4], red[4], redStride[4], alpha, acc). */
    SUM_TO_SERIAL("reduce.kc", "sum_to_serial"),
    /** Column sums of a contiguous (n, d) per block of rows; args (out, x, n, d, rowsPerBlock, alpha, acc, round); defines LANES, HALF_IN. */
    COLUMN_SUMS("reduce.kc", "column_sums"),
    /** out[j] = alpha·Σ_b part[b, j] (+ out), rounded to bfloat16 with round; args (out, part, blocks, d, alpha, acc, round); defines LANES. */
    COLUMN_SUMS_FINISH("reduce.kc", "column_sums_finish"),
    /** Max along the middle axis of (outer, len, inner); args (out, x, outer, len, inner). */
    MAX_ALONG("reduce.kc", "max_along"),
    /** out[Σ i·os] = alpha·x[Σ i·xs] (+ out) over ≤ 6 axes; args (out, x, n, dims[6], outStride[6], xStride[6], alpha, acc); defines ELEM_INT. */
    STRIDED_COPY("layout.kc", "strided_copy"),
    /** strided_copy with the innermost axis contiguous on both sides, 4 elements per work-item; args (out, x, rows, runs, d0..d5, os0..os4, xs0..xs4, alpha, acc); defines ELEM_INT. */
    STRIDED_COPY_RUNS("layout.kc", "strided_copy_runs"),
    /** out (I32) = (int) x (F32); args (out, x, n); defines ELEM_INT. */
    CONVERT_F32_TO_I32("layout.kc", "convert_f32_to_i32"),
    /** out (F32) = (float) x (I32); args (out, x, n); defines ELEM_INT. */
    CONVERT_I32_TO_F32("layout.kc", "convert_i32_to_f32"),
    /** out (BF16) = x (F32) rounded to nearest even (NaN kept, quietened); args (out, x, n); defines ELEM_INT. */
    CONVERT_F32_TO_BF16("layout.kc", "convert_f32_to_bf16"),
    /** out (F32) = x (F32) rounded to bfloat16 values, in place allowed; args (out, x, n); defines ELEM_INT. */
    ROUND_F32_TO_BF16("layout.kc", "round_f32_to_bf16"),
    /** out (F32) = x (BF16), exact; args (out, x, n); defines ELEM_INT. */
    CONVERT_BF16_TO_F32("layout.kc", "convert_bf16_to_f32"),
    /** out (F16) = x (F32) rounded to nearest even, overflow to infinity (NaN kept, quietened); args (out, x, n); defines ELEM_INT. */
    CONVERT_F32_TO_F16("layout.kc", "convert_f32_to_f16"),
    /** out (F32) = x (F32) rounded to float16 values, in place allowed; args (out, x, n); defines ELEM_INT. */
    ROUND_F32_TO_F16("layout.kc", "round_f32_to_f16"),
    /** out (F32) = x (F16), exact; args (out, x, n); defines ELEM_INT. */
    CONVERT_F16_TO_F32("layout.kc", "convert_f16_to_f32"),
    /** out = x, both BF16 or both F16, bit for bit; args (out, x, n); defines ELEM_INT. */
    COPY_HALF("layout.kc", "copy_half"),
    /** first_bad = smallest position of an index outside [0, len), else n; args (firstBad, index, n, len); defines ELEM_INT. */
    INDEX_CHECK("layout.kc", "index_check"),
    /** out[a, j, c] = x[a, index[a, j], c]; args (out, x, index, outer, len, k, inner); defines ELEM_INT. */
    GATHER("layout.kc", "gather"),
    /** dx[a, index[a, j], c] += dout[a, j, c], deterministic; args (dx, dout, index, outer, len, k, inner); defines ELEM_INT. */
    SCATTER_ADD("layout.kc", "scatter_add"),
    /** y = softmax(x) over rows of (N, D); args (y, x, n, d); defines WG. */
    SOFTMAX_FORWARD("softmax.kc", "softmax_forward"),
    /** LayerNorm forward over rows of (N, D); args (y, mean, rstd, x, [s, r,] [w, b,] n, d, eps); defines WG, AFFINE, RESIDUAL (normalise s = x + r, written). */
    LAYERNORM_FORWARD("layernorm.kc", "layernorm_forward"),
    // ---- row ops, normalisations, attention, losses, optimizer updates (GpuRowOps) ---------
    /** dx += y ⊙ (dy − Σ dy ⊙ y) over rows of (N, D); args (dx, dy, y, n, d); defines WG. */
    SOFTMAX_BACKWARD("softmax.kc", "softmax_backward"),
    /** LayerNorm dx per row; args (dx, dy, x, [w,] mean, rstd, n, d); defines WG, AFFINE. */
    LAYERNORM_BACKWARD_DX("layernorm.kc", "layernorm_backward_dx"),
    /** Per-row-block column sums for LayerNorm dw, db; args (part, dy, x, mean, rstd, n, d, rowsPerBlock); defines WG, AFFINE, LANES. */
    LAYERNORM_BACKWARD_PARTIALS("layernorm.kc", "layernorm_backward_partials"),
    /** out[j] += Σ_b part[b, j] in block order; args (out, part, blocks, d); defines WG, AFFINE. */
    COLUMN_SUM_ACCUMULATE("layernorm.kc", "column_sum_accumulate"),
    /** dw and db += the column sums of the two halves of a (2, blocks, D) scratch, one launch; args (out0, out1, part, blocks, d). */
    COLUMN_SUM_ACCUMULATE_PAIR("layernorm.kc", "column_sum_accumulate_pair"),
    /** BatchNorm1d training forward; args (y, mean, rstd, runMean, runVar, x, w, b, n, c, momentum, eps, unbias); defines LANES. */
    BATCHNORM_TRAIN_FORWARD("batchnorm.kc", "batchnorm_train_forward"),
    /** BatchNorm1d eval forward; args (y, x, runMean, runVar, w, b, n, c, eps). */
    BATCHNORM_EVAL_FORWARD("batchnorm.kc", "batchnorm_eval_forward"),
    /** BatchNorm1d training backward; args (dx, dw, db, dy, x, w, mean, rstd, n, c); defines LANES. */
    BATCHNORM_TRAIN_BACKWARD("batchnorm.kc", "batchnorm_train_backward"),
    /** BatchNorm1d eval backward; args (dx, dw, db, dy, x, runMean, runVar, w, n, c, eps); defines LANES. */
    BATCHNORM_EVAL_BACKWARD("batchnorm.kc", "batchnorm_eval_backward"),
    /** y = x / max(‖x‖, eps) per row; args (y, norm, x, n, d, eps); defines WG. */
    L2NORM_FORWARD("l2norm.kc", "l2norm_forward"),
    /** Backward of L2NORM_FORWARD; args (dx, dy, y, norm, n, d, eps); defines WG. */
    L2NORM_BACKWARD("l2norm.kc", "l2norm_backward"),
    /** Cross-entropy with label smoothing per row; args (losses, probs, logits, labels, n, v, smoothing); defines WG. */
    CROSS_ENTROPY_FORWARD("losses.kc", "cross_entropy_forward"),
    /** dlogits += dloss·(probs − target); args (dlogits, dlosses, probs, labels, n, v, smoothing); defines WG. */
    CROSS_ENTROPY_BACKWARD("losses.kc", "cross_entropy_backward"),
    /** Masked MSE per-row errors; args (err, pred, target, mask, rows, p); defines WG. */
    MASKED_MSE_ROWS("losses.kc", "masked_mse_rows"),
    /** Masked MSE final sums in one work-group; args (loss, den, err, mask, rows); defines WG. */
    MASKED_MSE_REDUCE("losses.kc", "masked_mse_reduce"),
    /** Masked MSE gradients; args (dpred, dtarget, dloss, den, pred, target, mask, rows, p); defines WG. */
    MASKED_MSE_BACKWARD("losses.kc", "masked_mse_backward"),
    /** Fused attention forward: out and the row log-sum-exp per (head, query tile); args (out, lse, q, k, v, t, s, scale); defines DH, BQ, BK, NT, BACKWARD=0; see {@link AttentionTiling}. */
    ATTENTION_FORWARD("attention.kc", "attention_forward"),
    /** D = Σ dout ⊙ out per row; args (d, dout, out, rows); defines as ATTENTION_BACKWARD_DKDV. */
    ATTENTION_BACKWARD_DELTA("attention.kc", "attention_backward_delta"),
    /** dk, dv accumulated per (head, key tile), probabilities recomputed; args (dk, dv, dout, q, k, v, lse, d, t, s, scale); defines DH, BQ, BK, NT, BACKWARD=1. */
    ATTENTION_BACKWARD_DKDV("attention.kc", "attention_backward_dkdv"),
    /** dq accumulated per (head, query tile), probabilities recomputed; args (dq, dout, q, k, v, lse, d, t, s, scale); defines as ATTENTION_BACKWARD_DKDV. */
    ATTENTION_BACKWARD_DQ("attention.kc", "attention_backward_dq"),
    /** One AdamW step in place; args (param, m, v, grad, n, lr, beta1, beta2, eps, decay, bc1, bc2). */
    ADAMW_UPDATE("optim.kc", "adamw_update"),
    /** AdamW over chunks of a flat store in one launch; one launch per distinct (lr, decay); args (param, m, v, grad, chunks, lr, beta1, beta2, eps, decay, bc1, bc2). */
    ADAMW_UPDATE_CHUNKS("optim.kc", "adamw_update_chunks"),
    /** One heavy-ball momentum step in place; args (param, buf, grad, n, lr, momentum, wd, gradScale). */
    MOMENTUM_UPDATE("optim.kc", "momentum_update"),
    // ---- end of GpuRowOps kernels ---------------------------------------------------------
    /** c = alpha·op(a)·op(b) + beta·c, batched; see {@link SgemmTiling}. */
    SGEMM("sgemm.kc", "sgemm"),
    /** The same product for M, N ≥ 128 on 256-item groups: 128 x 128 tiles, 8 x 8 per work-item; defines TRANS_A, TRANS_B. */
    SGEMM_LARGE("sgemm_large.kc", "sgemm_large");

    private static final ConcurrentMap<String, KernelSource> SOURCES = new ConcurrentHashMap<>();

    private final String file;
    private final String function;

    Kernels(String file, String function) {
        this.file = file;
        this.function = function;
    }

    /** The .kc file that defines this kernel. */
    public String file() {
        return file;
    }

    /** The kernel function's name in the source. */
    public String function() {
        return function;
    }

    /** The source (loaded once per process). */
    public KernelSource source() {
        return SOURCES.computeIfAbsent(file, KernelSource::load);
    }

    /**
     * Element strides of an input broadcast to an output, over exactly 4 axes (shapes are
     * left-padded with 1s): stride 0 on an axis where the input has size 1 and the output does
     * not. Used for {@link #BINARY_FORWARD}.
     *
     * @param out the output shape (rank ≤ 4)
     * @param in  the input shape, broadcastable to {@code out} (NumPy rules)
     * @return the 4 strides of {@code in}, outermost first
     */
    public static int[] broadcastStrides(int[] out, int[] in) {
        if (out.length > 4 || in.length > out.length) {
            throw new IllegalArgumentException("binary_forward broadcasts input " + Arrays.toString(in) + " to output "
                    + Arrays.toString(out) + ": expected rank ≤ 4 and input rank ≤ output rank");
        }
        int[] o = pad4(out), i = pad4(in), s = new int[4];
        int stride = 1;
        for (int ax = 3; ax >= 0; ax--) {
            if (i[ax] == o[ax]) s[ax] = i[ax] == 1 ? 0 : stride;
            else if (i[ax] == 1) s[ax] = 0;
            else throw new IllegalArgumentException("binary_forward: input " + Arrays.toString(in) + " does not broadcast to "
                        + Arrays.toString(out) + " (axis " + (ax - 4 + in.length) + ")");
            stride *= i[ax];
        }
        return s;
    }

    /** A shape of rank ≤ 4 left-padded with 1s to rank 4. */
    public static int[] pad4(int[] shape) {
        int[] p = {1, 1, 1, 1};
        System.arraycopy(shape, 0, p, 4 - shape.length, shape.length);
        return p;
    }
}
