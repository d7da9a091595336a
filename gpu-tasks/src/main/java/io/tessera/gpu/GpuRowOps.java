/*
 * Row ops (softmax, LayerNorm), BatchNorm, L2 normalisation, attention, losses and optimizer
 * updates of the GPU backends: argument checks (the shared ones of spi.OpChecks, then the F32
 * requirement of the kernels), the choice of kernel variant and launch grid,
 * and the scratch buffers some methods need. The kernels live in softmax.kc, layernorm.kc,
 * batchnorm.kc, l2norm.kc, losses.kc and optim.kc; attention composes batched matrix products
 * with the softmax, and its log-sum-exp variant runs the fused kernels of attention.kc. Every reduction has a fixed
 * shape and order (row reductions by a tree over one work-group, column reductions by row lanes
 * and then row blocks in order), so results do not depend on scheduling.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.OpChecks;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Kernel launches for one family of Backend methods (same signatures and contracts as spi.Backend). */
final class GpuRowOps {
    /** Work-items per row of the row kernels (lowered when a kernel allows fewer on the device). */
    private static final int ROW_GROUP = 128;
    /** Work-group size of the one-item-per-element kernels, at most. */
    private static final int FLAT_GROUP = 256;
    /** Columns per work-group of the column kernels (COLS in the .kc files). */
    private static final int COLS = 32;
    /** Row lanes per work-group of the column kernels (the LANES default in the .kc files). */
    private static final int LANES = 8;
    /** LayerNorm's dw, db partials: rows per block at least this, and at most this many blocks. */
    private static final int MIN_BLOCK_ROWS = 64;
    private static final int MAX_BLOCKS = 128;

    /** A built kernel, the defines it was built with, and the group size (WG, LANES or flat size) it runs with. */
    private record Variant(Launcher.Fn fn, Defines defines, int group) {
    }

    private record VariantKey(Kernels kernel, Defines base) {
    }

    private final Launcher launcher;
    private final GpuBackend backend;
    private final Map<VariantKey, Variant> variants = new HashMap<>();

    /** {@code backend} allocates scratch buffers (released before a method returns). */
    GpuRowOps(Launcher launcher, GpuBackend backend) {
        this.launcher = launcher;
        this.backend = backend;
    }

    // ---- softmax ---------------------------------------------------------------------------

    void softmax(Tensor y, Tensor x) {
        OpChecks.Sizes z = OpChecks.softmax(y, x);
        GpuBackend.requireF32("softmax", y, x);
        if (x.size() == 0) return;
        int n = z.rows(), d = z.cols();
        Variant k = rows(Kernels.SOFTMAX_FORWARD, Defines.none());
        launcher.launch(k.fn(), Grid.rows(n, k.group()), y, x, n, d);
    }

    void softmaxBackward(Tensor dx, Tensor dy, Tensor y) {
        OpChecks.Sizes z = OpChecks.softmaxBackward(dx, dy, y);
        if (dx == null) return;
        GpuBackend.requireF32("softmaxBackward", dx, dy, y);
        if (y.size() == 0) return;
        int n = z.rows(), d = z.cols();
        Variant k = rows(Kernels.SOFTMAX_BACKWARD, Defines.none());
        launcher.launch(k.fn(), Grid.rows(n, k.group()), dx, dy, y, n, d);
    }

    // ---- LayerNorm -------------------------------------------------------------------------

    /**
     * LayerNorm forward. A null mean or rstd goes to a scratch buffer; with only one of w, b
     * given, the other is a scratch of ones or zeros (the kernel's affine form needs both).
     */
    void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        OpChecks.Sizes z = OpChecks.layerNorm(y, mean, rstd, x, w, b, eps);
        GpuBackend.requireF32("layerNorm", y, mean, rstd, x, w, b);
        layerNormForward(z, null, null, y, mean, rstd, x, w, b, eps);
    }

    /** s = x + r and LayerNorm(s) in one launch of layernorm_forward with RESIDUAL=1. */
    void addLayerNorm(Tensor s, Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor r, Tensor w, Tensor b, double eps) {
        OpChecks.Sizes z = OpChecks.addLayerNorm(s, y, mean, rstd, x, r, w, b, eps);
        GpuBackend.requireF32("addLayerNorm", s, y, mean, rstd, x, r, w, b);
        layerNormForward(z, s, r, y, mean, rstd, x, w, b, eps);
    }

    /** The LayerNorm launch; with s and r non-null the kernel normalises s = x + r and writes s. */
    private void layerNormForward(OpChecks.Sizes z, Tensor s, Tensor r, Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b,
                                  double eps) {
        if (x.size() == 0) return;
        int n = z.rows(), d = z.cols();
        boolean affine = w != null || b != null;
        Tensor meanT = mean != null ? mean : scratch(n);
        Tensor rstdT = rstd != null ? rstd : scratch(n);
        Tensor wT = w, bT = b;
        if (affine && w == null) {
            wT = scratch(d);
            backend.fill(wT, 1.0);
        }
        if (affine && b == null) {
            bT = scratch(d);
            backend.fill(bT, 0.0);
        }
        Defines defines = Defines.of("AFFINE", affine ? 1 : 0);
        List<Object> args = new java.util.ArrayList<>(List.of(y, meanT, rstdT, x));
        if (s != null) {
            defines = defines.with("RESIDUAL", 1);
            args.add(s);
            args.add(r);
        }
        if (affine) {
            args.add(wT);
            args.add(bT);
        }
        args.addAll(List.of(n, d, eps));
        Variant k = rows(Kernels.LAYERNORM_FORWARD, defines);
        launcher.launch(k.fn(), Grid.rows(n, k.group()), args.toArray());
        releaseScratch(meanT, mean);
        releaseScratch(rstdT, rstd);
        releaseScratch(wT, w);
        releaseScratch(bT, b);
    }

    /**
     * LayerNorm backward. dx per row; dw and db as column sums: per block of rows into a
     * scratch (2, blocks, D), then summed over the blocks in order (blocks depend on N only).
     */
    void layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        OpChecks.Sizes z = OpChecks.layerNormBackward(dx, dw, db, dy, x, w, mean, rstd);
        GpuBackend.requireF32("layerNormBackward", dx, dw, db, dy, x, w, mean, rstd);
        if (x.size() == 0) return;
        int n = z.rows(), d = z.cols();
        Variant dxk = rows(Kernels.LAYERNORM_BACKWARD_DX, Defines.of("AFFINE", w != null ? 1 : 0));
        if (dx != null) {
            if (w != null) launcher.launch(dxk.fn(), Grid.rows(n, dxk.group()), dx, dy, x, w, mean, rstd, n, d);
            else launcher.launch(dxk.fn(), Grid.rows(n, dxk.group()), dx, dy, x, mean, rstd, n, d);
        }
        if (dw == null && db == null) return;
        int blocks = Math.min(MAX_BLOCKS, Math.max(1, n / MIN_BLOCK_ROWS));
        int rowsPerBlock = (n + blocks - 1) / blocks;
        blocks = (n + rowsPerBlock - 1) / rowsPerBlock;
        Variant part = columns(Kernels.LAYERNORM_BACKWARD_PARTIALS, dxk.defines());
        Tensor scratch = scratch(2 * blocks * d);
        launcher.launch(part.fn(), Grid.groups(new int[]{Grid.ceilDiv(d, COLS), blocks}, new int[]{COLS, part.group()}),
                scratch, dy, x, mean, rstd, n, d, rowsPerBlock);
        if (dw != null && db != null) {
            Variant pair = flat(Kernels.COLUMN_SUM_ACCUMULATE_PAIR, dxk.defines());
            launcher.launch(pair.fn(), Grid.cover(2 * d, pair.group()), dw, db, scratch, blocks, d);
        } else {
            Variant sum = flat(Kernels.COLUMN_SUM_ACCUMULATE, dxk.defines());
            if (dw != null) launcher.launch(sum.fn(), Grid.cover(d, sum.group()), dw, view(scratch, 0, blocks * d), blocks, d);
            if (db != null) launcher.launch(sum.fn(), Grid.cover(d, sum.group()), db, view(scratch, blocks * d, blocks * d), blocks, d);
        }
        backend.release(scratch.storage());
    }

    // ---- BatchNorm1d -----------------------------------------------------------------------

    void batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar, Tensor x, Tensor w, Tensor b,
                        double momentum, double eps) {
        OpChecks.Sizes z = OpChecks.batchNormTrain(y, mean, rstd, runningMean, runningVar, x, w, b, momentum, eps);
        int n = z.rows(), c = z.cols();
        GpuBackend.requireF32("batchNormTrain", y, mean, rstd, runningMean, runningVar, x, w, b);
        if (x.size() == 0) return;
        double unbias = n > 1 ? (double) n / (n - 1) : 1.0;
        Variant k = columns(Kernels.BATCHNORM_TRAIN_FORWARD, Defines.none());
        launcher.launch(k.fn(), columnGrid(c, k), y, mean, rstd, runningMean, runningVar, x, w, b, n, c, momentum, eps, unbias);
    }

    void batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        OpChecks.Sizes z = OpChecks.batchNormEval(y, x, runningMean, runningVar, w, b, eps);
        int n = z.rows(), c = z.cols();
        GpuBackend.requireF32("batchNormEval", y, x, runningMean, runningVar, w, b);
        if (x.size() == 0) return;
        Variant k = flat(Kernels.BATCHNORM_EVAL_FORWARD, Defines.none());
        launcher.launch(k.fn(), Grid.cover(n * c, k.group()), y, x, runningMean, runningVar, w, b, n, c, eps);
    }

    void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        OpChecks.Sizes z = OpChecks.batchNormBackward(dx, dw, db, dy, x, w, mean, rstd);
        int n = z.rows(), c = z.cols();
        if (dx == null && dw == null && db == null) return;
        GpuBackend.requireF32("batchNormBackward", dx, dw, db, dy, x, w, mean, rstd);
        if (x.size() == 0) return;
        Variant k = columns(Kernels.BATCHNORM_TRAIN_BACKWARD, Defines.none());
        launcher.launch(k.fn(), columnGrid(c, k), dx, dw, db, dy, x, w, mean, rstd, n, c);
    }

    void batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w,
                               double eps) {
        OpChecks.Sizes z = OpChecks.batchNormEvalBackward(dx, dw, db, dy, x, runningMean, runningVar, w, eps);
        int n = z.rows(), c = z.cols();
        if (dx == null && dw == null && db == null) return;
        GpuBackend.requireF32("batchNormEvalBackward", dx, dw, db, dy, x, runningMean, runningVar, w);
        if (x.size() == 0) return;
        Variant k = columns(Kernels.BATCHNORM_EVAL_BACKWARD, Defines.none());
        launcher.launch(k.fn(), columnGrid(c, k), dx, dw, db, dy, x, runningMean, runningVar, w, n, c, eps);
    }

    // ---- L2 normalisation ------------------------------------------------------------------

    void l2Normalize(Tensor y, Tensor norm, Tensor x, double eps) {
        OpChecks.Sizes z = OpChecks.l2Normalize(y, norm, x, eps);
        GpuBackend.requireF32("l2Normalize", y, norm, x);
        if (x.size() == 0) return;
        int n = z.rows(), d = z.cols();
        Variant k = rows(Kernels.L2NORM_FORWARD, Defines.none());
        launcher.launch(k.fn(), Grid.rows(n, k.group()), y, norm, x, n, d, eps);
    }

    void l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        OpChecks.Sizes z = OpChecks.l2NormalizeBackward(dx, dy, x, y, norm, eps);
        if (dx == null) return;
        GpuBackend.requireF32("l2NormalizeBackward", dx, dy, x, y, norm);
        if (x.size() == 0) return;
        int n = z.rows(), d = z.cols();
        Variant k = rows(Kernels.L2NORM_BACKWARD, Defines.none());
        launcher.launch(k.fn(), Grid.rows(n, k.group()), dx, dy, y, norm, n, d, eps);
    }

    // ---- attention -------------------------------------------------------------------------

    /**
     * Attention forward as three passes over (B·H) batched matrices: probs = scale·q·kᵀ (one
     * batched product), the row softmax in place, out = probs·v (one batched product). The
     * products run on the backend's matrix-product engine (the tiled kernel or the vendor BLAS).
     */
    void attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attention(out, probs, q, k, v, scale);
        int heads = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        GpuBackend.requireF32("attention", out, probs, q, k, v);
        if (heads * t == 0) return;
        Tensor p = matrices(probs, heads, t, s);
        backend.matmul(p, matrices(q, heads, t, dh), matrices(k, heads, s, dh), false, true, scale, 0);
        softmax(p, p);
        backend.matmul(matrices(out, heads, t, dh), p, matrices(v, heads, s, dh), false, false, 1, 0);
    }

    /**
     * Attention backward from the saved probabilities P, accumulating: dv += Pᵀ·dout;
     * dP = dout·vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dq += scale·dS·k; dk += scale·dSᵀ·q. dP and
     * dS live in (B, H, T, S) scratch buffers released before returning.
     */
    void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor probs, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attentionBackward(dq, dk, dv, dout, q, k, v, probs, scale);
        int heads = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        if (dq == null && dk == null && dv == null) return;
        GpuBackend.requireF32("attentionBackward", dq, dk, dv, dout, q, k, v, probs);
        if (heads == 0 || t == 0 || s == 0 || dh == 0) return;
        Tensor p = matrices(probs, heads, t, s), g = matrices(dout, heads, t, dh);
        if (dv != null) backend.matmul(matrices(dv, heads, s, dh), p, g, true, false, 1, 1);
        if (dq == null && dk == null) return;
        Tensor dp = matrices(scratch(heads * t * s), heads, t, s), ds = null;
        try {
            ds = matrices(scratch(heads * t * s, true), heads, t, s); // softmaxBackward accumulates into it
            backend.matmul(dp, g, matrices(v, heads, s, dh), false, true, 1, 0);
            softmaxBackward(ds, dp, p);
            if (dq != null) backend.matmul(matrices(dq, heads, t, dh), ds, matrices(k, heads, s, dh), false, false, scale, 1);
            if (dk != null) backend.matmul(matrices(dk, heads, s, dh), ds, matrices(q, heads, t, dh), true, false, scale, 1);
        } finally {
            backend.release(dp.storage());
            if (ds != null) backend.release(ds.storage());
        }
    }

    /**
     * Fused attention forward (attention.kc): out and lse (B, H, T) from one kernel over (head,
     * query tile), key and value tiles staged in local memory, online softmax; no (T, S) array.
     */
    void attentionLse(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attentionLse(out, lse, q, k, v, scale);
        int heads = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        GpuBackend.requireF32("attentionLse", out, lse, q, k, v);
        if (heads * t == 0) return;
        if (dh == 0) {
            backend.fill(out, 0.0); // no columns: lse is still log S
            backend.fill(lse, Math.log(s));
            return;
        }
        Attn f = attentionKernel(Kernels.ATTENTION_FORWARD, dh, false);
        launcher.launch(f.fn(), f.tiling().queryGrid(heads, t), with(HeadLayout.contiguous(t, s, dh), out, lse, q, k, v, t, s, scale));
    }

    /**
     * Where the heads of attention's operands are (see attention.kc): head g = b·heads + h starts
     * at b·bs + h·hs with rows ld apart, for Q (q, dq), K (k, v, dk, dv) and O (out, dout).
     */
    record HeadLayout(int heads, int qLd, int qHs, int qBs, int kLd, int kHs, int kBs, int oLd, int oHs, int oBs) {
        /** (B·H, T, Dh) queries and outputs, (B·H, S, Dh) keys and values, each contiguous. */
        static HeadLayout contiguous(int t, int s, int dh) {
            return new HeadLayout(1, dh, 0, t * dh, dh, 0, s * dh, dh, 0, t * dh);
        }

        /** The heads of a packed qkv (B, T, 3·H·Dh) read in place; outputs (B, T, H·Dh). */
        static HeadLayout packed(int t, int heads, int dh) {
            int d = heads * dh;
            return new HeadLayout(heads, 3 * d, dh, 3 * d * t, 3 * d, dh, 3 * d * t, d, dh, d * t);
        }

        Object[] args() {
            return new Object[] {heads, qLd, qHs, qBs, kLd, kHs, kBs, oLd, oHs, oBs};
        }
    }

    /** The kernel arguments followed by the layout's. */
    private static Object[] with(HeadLayout layout, Object... args) {
        Object[] l = layout.args(), all = java.util.Arrays.copyOf(args, args.length + l.length);
        System.arraycopy(l, 0, all, args.length, l.length);
        return all;
    }

    /**
     * {@link #attentionLse} on the heads of a packed qkv (B, T, 3·D), read in place, writing out
     * (B, T, D) merged in place (see Backend#attentionPackedLse): one launch, no layout copies.
     */
    void attentionPackedLse(Tensor out, Tensor lse, Tensor qkv, int heads, double scale) {
        int[] z = OpChecks.attentionPacked("attentionPackedLse", qkv, heads, out, lse);
        int b = z[0], t = z[1], dh = z[2], d = heads * dh;
        GpuBackend.requireF32("attentionPackedLse", out, lse, qkv);
        if (b * t == 0) return;
        if (dh == 0) {
            backend.fill(lse, Math.log(t));
            return;
        }
        Attn f = attentionKernel(Kernels.ATTENTION_FORWARD, dh, false);
        int qo = qkv.offset();
        launcher.launch(f.fn(), f.tiling().queryGrid(b * heads, t), with(HeadLayout.packed(t, heads, dh), out, lse,
                at(qkv, qo), at(qkv, qo + d), at(qkv, qo + 2 * d), t, t, scale));
    }

    /** The backward of {@link #attentionPackedLse}, accumulating into dqkv (B, T, 3·D) in place. */
    void attentionPackedLseBackward(Tensor dqkv, Tensor dout, Tensor qkv, Tensor out, Tensor lse, int heads, double scale) {
        int[] z = OpChecks.attentionPacked("attentionPackedLseBackward", qkv, heads, out, lse);
        int b = z[0], t = z[1], dh = z[2], d = heads * dh;
        if (!dqkv.shape().equals(qkv.shape()) || !dout.shape().equals(out.shape())) {
            throw new IllegalArgumentException("attentionPackedLseBackward: dqkv must match qkv and dout out; got " + dqkv.describe() + ", " + dout.describe());
        }
        GpuBackend.requireF32("attentionPackedLseBackward", dqkv, dout, qkv, out, lse);
        if (b * t == 0 || dh == 0) return;
        int qo = qkv.offset(), go = dqkv.offset(), rows = b * heads * t;
        HeadLayout layout = HeadLayout.packed(t, heads, dh);
        Tensor q = at(qkv, qo), k = at(qkv, qo + d), v = at(qkv, qo + 2 * d);
        Tensor d_ = scratch(rows);
        try {
            Attn delta = attentionKernel(Kernels.ATTENTION_BACKWARD_DELTA, dh, true);
            launcher.launch(delta.fn(), Grid.cover(rows, Math.min(FLAT_GROUP, delta.tiling().nt())), d_, dout, out, rows, t,
                    layout.heads(), layout.oLd(), layout.oHs(), layout.oBs());
            Attn dkdv = attentionKernel(Kernels.ATTENTION_BACKWARD_DKDV, dh, true);
            launcher.launch(dkdv.fn(), dkdv.tiling().keyGrid(b * heads, t), with(layout, at(dqkv, go + d), at(dqkv, go + 2 * d), dout, q, k, v, lse, d_, t, t, scale));
            Attn dqk = attentionKernel(Kernels.ATTENTION_BACKWARD_DQ, dh, true);
            launcher.launch(dqk.fn(), dqk.tiling().queryGrid(b * heads, t), with(layout, at(dqkv, go), dout, q, k, v, lse, d_, t, t, scale));
        } finally {
            backend.release(d_.storage());
        }
    }

    /** A flat view of x's storage starting at element {@code offset} (the kernels take a buffer and an offset). */
    private static Tensor at(Tensor x, int offset) {
        return new Tensor(x.backend(), Shape.of(x.storage().capacity() - offset), x.dtype(), x.storage(), offset);
    }

    /**
     * Fused attention backward, accumulating: D = rowsum(dout ⊙ out) (one pass over rows), then
     * dk and dv per key tile and dq per query tile (two kernels, so every gradient element has
     * one owner and the result is deterministic), each recomputing P = exp(scale·q·kᵀ − lse)
     * tile by tile. Only D (B·H·T floats) is scratch.
     */
    void attentionLseBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                              double scale) {
        OpChecks.AttentionSizes z = OpChecks.attentionLseBackward(dq, dk, dv, dout, q, k, v, out, lse, scale);
        int heads = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        if (dq == null && dk == null && dv == null) return;
        GpuBackend.requireF32("attentionLseBackward", dq, dk, dv, dout, q, k, v, out, lse);
        if (heads == 0 || t == 0 || s == 0 || dh == 0) return;
        Attn dkdv = attentionKernel(Kernels.ATTENTION_BACKWARD_DKDV, dh, true);
        Tensor d = null;
        try {
            if (dq != null || dk != null) {
                d = scratch(heads * t);
                Attn delta = attentionKernel(Kernels.ATTENTION_BACKWARD_DELTA, dh, true);
                launcher.launch(delta.fn(), Grid.cover(heads * t, Math.min(FLAT_GROUP, delta.tiling().nt())), d, dout, out, heads * t, t,
                        1, dh, 0, t * dh);
            }
            HeadLayout layout = HeadLayout.contiguous(t, s, dh);
            if (dk != null || dv != null) {
                launcher.launch(dkdv.fn(), dkdv.tiling().keyGrid(heads, s), with(layout, dk, dv, dout, q, k, v, lse, d, t, s, scale));
            }
            if (dq != null) {
                Attn dqk = attentionKernel(Kernels.ATTENTION_BACKWARD_DQ, dh, true);
                launcher.launch(dqk.fn(), dqk.tiling().queryGrid(heads, t), with(layout, dq, dout, q, k, v, lse, d, t, s, scale));
            }
        } finally {
            if (d != null) backend.release(d.storage());
        }
    }

    /** A fused attention kernel and its tiling. */
    private record Attn(Launcher.Fn fn, AttentionTiling tiling) {
    }

    private record AttnKey(Kernels kernel, int dh) {
    }

    private final Map<AttnKey, Attn> attention = new HashMap<>();

    /**
     * The kernel for head width {@code dh}. The tiling is chosen for the device's group size and
     * lowered (fewer work-items, BQ at most that) while a built kernel allows fewer work-items;
     * the three backward kernels share one tiling and one build.
     */
    private Attn attentionKernel(Kernels kernel, int dh, boolean backward) {
        Attn have = attention.get(new AttnKey(kernel, dh));
        if (have != null) return have;
        List<Kernels> set = backward
                ? List.of(Kernels.ATTENTION_BACKWARD_DKDV, Kernels.ATTENTION_BACKWARD_DQ, Kernels.ATTENTION_BACKWARD_DELTA)
                : List.of(Kernels.ATTENTION_FORWARD);
        AttentionTiling tl = AttentionTiling.choose(dh, backward, backend.maxWorkGroupSize());
        while (true) {
            Map<AttnKey, Attn> built = new HashMap<>();
            boolean fits = true;
            for (Kernels each : set) {
                Launcher.Fn fn = launcher.fn(each, tl.defines());
                fits &= launcher.maxGroupSize(fn) >= tl.nt();
                built.put(new AttnKey(each, dh), new Attn(fn, tl));
            }
            if (fits || tl.nt() == 1) {
                attention.putAll(built);
                return built.get(new AttnKey(kernel, dh));
            }
            tl = tl.withGroup(tl.nt() / 2);
        }
    }

    /** Throws the CPU backends' error (from {@link OpChecks}) for the first label outside [0, classes). */
    private void checkLabels(String op, Tensor labels, int classes) {
        int[] bad = backend.firstOutOfRange(labels, classes);
        if (bad != null) throw OpChecks.labelOutOfRange(op, bad[0], bad[1], classes);
    }

    /** {@code t} (B, H, R, C) viewed as B·H row-major (R, C) matrices, for the batched products. */
    private Tensor matrices(Tensor t, int batch, int rows, int cols) {
        return new Tensor(backend, Shape.of(batch, rows, cols), t.dtype(), t.storage(), t.offset());
    }

    // ---- losses ----------------------------------------------------------------------------

    /**
     * Cross-entropy forward. Labels are checked on the device first (one int read back, so one
     * wait for the queue per call); a label outside [0, V) throws as on the CPU backends.
     */
    void crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        OpChecks.Sizes z = OpChecks.crossEntropy(losses, probs, logits, labels, smoothing);
        int n = z.rows(), v = z.cols();
        GpuBackend.requireF32("crossEntropy", losses, probs, logits);
        if (n == 0) return;
        Variant k = rows(Kernels.CROSS_ENTROPY_FORWARD, Defines.none());
        checkLabels("crossEntropy", labels, v);
        launcher.launch(k.fn(), Grid.rows(n, k.group()), losses, probs, logits, labels, n, v, smoothing);
    }

    /** Cross-entropy backward; labels are checked on the device first, as in {@link #crossEntropy}. */
    void crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        OpChecks.Sizes z = OpChecks.crossEntropyBackward(dlogits, dlosses, probs, labels, smoothing);
        int n = z.rows(), v = z.cols();
        if (n == 0) return;
        checkLabels("crossEntropyBackward", labels, v);
        if (dlogits == null) return;
        GpuBackend.requireF32("crossEntropyBackward", dlogits, dlosses, probs);
        Variant k = flat(Kernels.CROSS_ENTROPY_BACKWARD, rows(Kernels.CROSS_ENTROPY_FORWARD, Defines.none()).defines());
        launcher.launch(k.fn(), Grid.cover(n * v, k.group()), dlogits, dlosses, probs, labels, n, v, smoothing);
    }

    /**
     * MAE's masked MSE: per-row errors into a scratch, then one work-group sums the errors and
     * the mask in a fixed order and writes the loss. To throw on an all-zero mask as the
     * reference does, Σ mask is read back to the host: this call waits for the device. When it
     * throws, {@code loss} has already been written with a non-finite value.
     */
    void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        OpChecks.Sizes z = OpChecks.maskedMse(loss, pred, target, mask);
        int rows = z.rows(), p = z.cols();
        GpuBackend.requireF32("maskedMse", loss, pred, target, mask);
        Tensor err = scratch(rows);
        Tensor den = scratch(1);
        float maskSum;
        try {
            Variant rk = rows(Kernels.MASKED_MSE_ROWS, Defines.none());
            launcher.launch(rk.fn(), Grid.rows(rows, rk.group()), err, pred, target, mask, rows, p);
            Variant red = rows(Kernels.MASKED_MSE_REDUCE, Defines.none());
            launcher.launch(red.fn(), Grid.rows(1, red.group()), loss, den, err, mask, rows);
            maskSum = backend.readF32(den)[0];
        } finally {
            backend.release(err.storage());
            backend.release(den.storage());
        }
        OpChecks.maskSum("maskedMse", maskSum, mask);
    }

    /**
     * Masked MSE backward without waiting for the device: Σ mask is summed into a one-element
     * scratch and the kernel reads it and dloss there. An all-zero mask (refused by
     * {@link #maskedMse}) is not checked again: the gradients then become non-finite.
     */
    void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        OpChecks.Sizes z = OpChecks.maskedMseBackward(dpred, dtarget, dloss, pred, target, mask);
        int rows = z.rows(), p = z.cols();
        if (dpred == null && dtarget == null) return;
        GpuBackend.requireF32("maskedMseBackward", dpred, dtarget, dloss, pred, target, mask);
        Tensor den = scratch(1);
        Variant red = rows(Kernels.MASKED_MSE_REDUCE, Defines.none());
        launcher.launch(red.fn(), Grid.rows(1, red.group()), null, den, null, mask, rows);
        Variant k = flat(Kernels.MASKED_MSE_BACKWARD, red.defines());
        launcher.launch(k.fn(), Grid.cover(rows * p, k.group()), dpred, dtarget, dloss, den, pred, target, mask, rows, p);
        backend.release(den.storage());
    }

    // ---- optimizer updates -----------------------------------------------------------------

    /** AdamW in place; the bias corrections 1 − βᵗ and the decay factor 1 − lr·wd are computed here in double. */
    void adamwUpdate(Tensor param, Tensor m, Tensor v, Tensor grad, double lr, double beta1, double beta2, double eps, double weightDecay,
                     long step) {
        GpuBackend.requireF32("adamwUpdate", param, m, v, grad);
        matchParam("adamwUpdate", param, m, v, grad);
        if (step < 1) throw new IllegalArgumentException("adamwUpdate: step must be ≥ 1, got " + step);
        int n = param.size();
        if (n == 0) return;
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        double decay = 1 - lr * weightDecay;
        Variant k = flat(Kernels.ADAMW_UPDATE, Defines.none());
        launcher.launch(k.fn(), Grid.cover(n, k.group()), param, m, v, grad, n, lr, beta1, beta2, eps, decay, bc1, bc2);
    }

    /**
     * Multi-tensor AdamW: the segments are cut into chunks of at most {@link #ADAMW_CHUNK} elements,
     * one work-group each, and launched once per distinct (lr, decay) pair (two for MAE's decay
     * groups) with the same float arguments as one {@link #adamwUpdate} per segment, so the bits
     * agree. The chunk tables of the last few segmentations stay on the device.
     */
    void adamwUpdateSegments(Tensor param, Tensor m, Tensor v, Tensor grad, int[] offsets, int[] sizes, double[] lr,
                             double[] weightDecay, double beta1, double beta2, double eps, long step) {
        OpChecks.segments("adamwUpdateSegments", param, offsets, sizes, lr, weightDecay, m, v, grad);
        GpuBackend.requireF32("adamwUpdateSegments", param, m, v, grad);
        if (step < 1) throw new IllegalArgumentException("adamwUpdateSegments: step must be ≥ 1, got " + step);
        int n = offsets.length;
        // the kernel's float arguments per segment, exactly as adamwUpdate passes them
        float[] lrF = new float[n], decayF = new float[n];
        int[] pair = new int[n];
        Map<Long, Integer> pairs = new java.util.LinkedHashMap<>();
        for (int s = 0; s < n; s++) {
            lrF[s] = (float) lr[s];
            decayF[s] = (float) (1 - lr[s] * weightDecay[s]);
            long key = ((long) Float.floatToRawIntBits(lrF[s]) << 32) | (Float.floatToRawIntBits(decayF[s]) & 0xffffffffL);
            pair[s] = pairs.computeIfAbsent(key, k -> pairs.size());
        }
        ChunkTable table = chunkTable(offsets, sizes, pair, pairs.size());
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        Variant k = flat(Kernels.ADAMW_UPDATE_CHUNKS, Defines.none());
        for (int c = 0; c < table.count().length; c++) {
            if (table.count()[c] == 0) continue;
            int s = table.firstSegment()[c];
            Tensor chunks = view(table.chunks(), 2 * table.first()[c], 2 * table.count()[c]);
            launcher.launch(k.fn(), Grid.groups(new int[]{table.count()[c]}, new int[]{k.group()}), param, m, v, grad, chunks,
                    lrF[s], beta1, beta2, eps, decayF[s], bc1, bc2);
        }
    }

    /** Elements per work-group of the multi-tensor AdamW. */
    static final int ADAMW_CHUNK = 4096;

    /**
     * The device chunk table of one segmentation: (start, length) int pairs grouped by the
     * segments' (lr, decay) pair; pair c owns chunks [first[c], first[c] + count[c]) and is
     * launched with the arguments of its first segment, firstSegment[c].
     */
    private record ChunkTable(int[] offsets, int[] sizes, int[] pair, Tensor chunks, int[] first, int[] count, int[] firstSegment) {
    }

    /** The chunk tables of the last few segmentations (one per optimizer in use), most recently used last. */
    private final java.util.ArrayDeque<ChunkTable> chunkTables = new java.util.ArrayDeque<>();
    private static final int CHUNK_TABLES = 4;

    private ChunkTable chunkTable(int[] offsets, int[] sizes, int[] pair, int pairs) {
        for (ChunkTable t : chunkTables) {
            if (java.util.Arrays.equals(t.offsets(), offsets) && java.util.Arrays.equals(t.sizes(), sizes) && java.util.Arrays.equals(t.pair(), pair)) {
                chunkTables.remove(t);
                chunkTables.addLast(t);
                return t;
            }
        }
        int[] count = new int[pairs], first = new int[pairs], firstSegment = new int[pairs];
        java.util.Arrays.fill(firstSegment, -1);
        for (int s = 0; s < offsets.length; s++) {
            count[pair[s]] += Grid.ceilDiv(sizes[s], ADAMW_CHUNK);
            if (firstSegment[pair[s]] < 0) firstSegment[pair[s]] = s;
        }
        int total = 0;
        for (int c = 0; c < pairs; c++) {
            first[c] = total;
            total += count[c];
        }
        int[] host = new int[2 * Math.max(1, total)], next = first.clone();
        for (int s = 0; s < offsets.length; s++) {
            for (int o = 0; o < sizes[s]; o += ADAMW_CHUNK) {
                int at = 2 * next[pair[s]]++;
                host[at] = offsets[s] + o;
                host[at + 1] = Math.min(ADAMW_CHUNK, sizes[s] - o);
            }
        }
        Tensor chunks = new Tensor(backend, Shape.of(host.length), DType.I32, backend.allocate(DType.I32, host.length, false), 0);
        backend.write(chunks, host);
        if (chunkTables.size() == CHUNK_TABLES) backend.release(chunkTables.removeFirst().chunks().storage());
        ChunkTable t = new ChunkTable(offsets.clone(), sizes.clone(), pair, chunks, first, count, firstSegment);
        chunkTables.addLast(t);
        return t;
    }

    void momentumUpdate(Tensor param, Tensor buf, Tensor grad, double lr, double momentum, double weightDecay, double gradScale) {
        GpuBackend.requireF32("momentumUpdate", param, buf, grad);
        matchParam("momentumUpdate", param, buf, grad);
        int n = param.size();
        if (n == 0) return;
        Variant k = flat(Kernels.MOMENTUM_UPDATE, Defines.none());
        launcher.launch(k.fn(), Grid.cover(n, k.group()), param, buf, grad, n, lr, momentum, weightDecay, gradScale);
    }

    // ---- kernel variants -------------------------------------------------------------------

    /** A row kernel built with WG = the largest power of two ≤ ROW_GROUP that the device runs it with. */
    private Variant rows(Kernels kernel, Defines base) {
        return variants.computeIfAbsent(new VariantKey(kernel, base), key -> {
            for (int wg = ROW_GROUP; ; wg /= 2) {
                Defines d = base.with("WG", wg);
                Launcher.Fn fn = launcher.fn(kernel, d);
                if (wg == 1 || launcher.maxGroupSize(fn) >= wg) return new Variant(fn, d, wg);
            }
        });
    }

    /**
     * A column kernel with work-groups of COLS × lanes: lanes = LANES (the source's default, so
     * the build is shared with the other kernels of the file) unless the device allows fewer.
     */
    private Variant columns(Kernels kernel, Defines base) {
        return variants.computeIfAbsent(new VariantKey(kernel, base), key -> {
            for (int lanes = LANES; ; lanes /= 2) {
                Defines d = lanes == LANES ? base : base.with("LANES", lanes);
                Launcher.Fn fn = launcher.fn(kernel, d);
                if (lanes == 1 || launcher.maxGroupSize(fn) >= (long) COLS * lanes) return new Variant(fn, d, lanes);
            }
        });
    }

    /** A one-item-per-element kernel built with {@code defines}, in groups of at most FLAT_GROUP. */
    private Variant flat(Kernels kernel, Defines defines) {
        return variants.computeIfAbsent(new VariantKey(kernel, defines), key -> {
            Launcher.Fn fn = launcher.fn(kernel, defines);
            int group = Integer.highestOneBit((int) Math.max(1, Math.min(FLAT_GROUP, launcher.maxGroupSize(fn))));
            return new Variant(fn, defines, group);
        });
    }

    private static Grid columnGrid(int columns, Variant k) {
        return Grid.groups(new int[]{Grid.ceilDiv(columns, COLS), 1}, new int[]{COLS, k.group()});
    }

    // ---- scratch buffers -------------------------------------------------------------------

    /** A fresh F32 scratch of {@code n} elements (release its storage when done). */
    private Tensor scratch(int n) {
        return scratch(n, false);
    }

    private Tensor scratch(int n, boolean zeroed) {
        return new Tensor(backend, Shape.of(n), DType.F32, backend.allocate(DType.F32, n, zeroed), 0);
    }

    /** Releases {@code used} when it is a scratch standing in for the caller's {@code given} (null). */
    private void releaseScratch(Tensor used, Tensor given) {
        if (used != null && given == null) backend.release(used.storage());
    }

    /** Elements [start, start + count) of a rank-1 tensor, as a view. */
    private Tensor view(Tensor t, int start, int count) {
        return new Tensor(backend, Shape.of(count), t.dtype(), t.storage(), t.offset() + start);
    }


    // ---- argument checks -------------------------------------------------------------------

    private static void matchParam(String op, Tensor param, Tensor... others) {
        for (Tensor t : others) {
            if (t.size() != param.size()) {
                throw new IllegalArgumentException(op + ": " + t.describe() + " does not match parameter " + param.describe());
            }
        }
    }
}
