/*
 * Row ops (softmax, LayerNorm), BatchNorm, L2 normalisation, attention, losses and optimizer
 * updates of the GPU backends: argument checks, the choice of kernel variant and launch grid,
 * and the scratch buffers some methods need. The kernels live in softmax.kc, layernorm.kc,
 * batchnorm.kc, l2norm.kc, losses.kc and optim.kc; attention composes batched matrix products
 * with the softmax. Every reduction has a fixed
 * shape and order (row reductions by a tree over one work-group, column reductions by row lanes
 * and then row blocks in order), so results do not depend on scheduling.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.RefLoss;

import java.util.HashMap;
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
        int d = rowLength("softmax", x);
        GpuBackend.requireF32("softmax", y, x);
        sameSize("softmax", y, "y", x, "x");
        if (x.size() == 0) return;
        int n = x.size() / d;
        Variant k = rows(Kernels.SOFTMAX_FORWARD, Defines.none());
        launcher.launch(k.fn(), Grid.rows(n, k.group()), y, x, n, d);
    }

    void softmaxBackward(Tensor dx, Tensor dy, Tensor y) {
        if (dx == null) return;
        int d = rowLength("softmaxBackward", y);
        GpuBackend.requireF32("softmaxBackward", dx, dy, y);
        sameSize("softmaxBackward", dy, "dy", y, "y");
        sameSize("softmaxBackward", dx, "dx", y, "y");
        if (y.size() == 0) return;
        int n = y.size() / d;
        Variant k = rows(Kernels.SOFTMAX_BACKWARD, Defines.none());
        launcher.launch(k.fn(), Grid.rows(n, k.group()), dx, dy, y, n, d);
    }

    // ---- LayerNorm -------------------------------------------------------------------------

    /**
     * LayerNorm forward. A null mean or rstd goes to a scratch buffer; with only one of w, b
     * given, the other is a scratch of ones or zeros (the kernel's affine form needs both).
     */
    void layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        int d = rowLength("layerNorm", x);
        GpuBackend.requireF32("layerNorm", y, mean, rstd, x, w, b);
        sameSize("layerNorm", y, "y", x, "x");
        if (x.size() == 0) return;
        int n = x.size() / d;
        checkRows("layerNorm", x, n, d, w, b, mean, rstd);
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
        Variant k = rows(Kernels.LAYERNORM_FORWARD, Defines.of("AFFINE", affine ? 1 : 0));
        if (affine) launcher.launch(k.fn(), Grid.rows(n, k.group()), y, meanT, rstdT, x, wT, bT, n, d, eps);
        else launcher.launch(k.fn(), Grid.rows(n, k.group()), y, meanT, rstdT, x, n, d, eps);
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
        int d = rowLength("layerNormBackward", x);
        GpuBackend.requireF32("layerNormBackward", dx, dw, db, dy, x, w, mean, rstd);
        sameSize("layerNormBackward", dy, "dy", x, "x");
        sameSize("layerNormBackward", dx, "dx", x, "x");
        if (x.size() == 0) return;
        int n = x.size() / d;
        checkRows("layerNormBackward", x, n, d, w, null, mean, rstd);
        checkRows("layerNormBackward", x, n, d, dw, db, null, null);
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
        Variant sum = flat(Kernels.COLUMN_SUM_ACCUMULATE, dxk.defines());
        if (dw != null) launcher.launch(sum.fn(), Grid.cover(d, sum.group()), dw, view(scratch, 0, blocks * d), blocks, d);
        if (db != null) launcher.launch(sum.fn(), Grid.cover(d, sum.group()), db, view(scratch, blocks * d, blocks * d), blocks, d);
        backend.release(scratch.storage());
    }

    // ---- BatchNorm1d -----------------------------------------------------------------------

    void batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar, Tensor x, Tensor w, Tensor b,
                        double momentum, double eps) {
        int[] nc = nc("batchNormTrain", x);
        int n = nc[0], c = nc[1];
        GpuBackend.requireF32("batchNormTrain", y, mean, rstd, runningMean, runningVar, x, w, b);
        sameSize("batchNormTrain", y, "y", x, "x");
        channels("batchNormTrain", x, c, mean, rstd, runningMean, runningVar, w, b);
        if (x.size() == 0) return;
        double unbias = n > 1 ? (double) n / (n - 1) : 1.0;
        Variant k = columns(Kernels.BATCHNORM_TRAIN_FORWARD, Defines.none());
        launcher.launch(k.fn(), columnGrid(c, k), y, mean, rstd, runningMean, runningVar, x, w, b, n, c, momentum, eps, unbias);
    }

    void batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        int[] nc = nc("batchNormEval", x);
        int n = nc[0], c = nc[1];
        require("batchNormEval", runningMean, "runningMean");
        require("batchNormEval", runningVar, "runningVar");
        GpuBackend.requireF32("batchNormEval", y, x, runningMean, runningVar, w, b);
        sameSize("batchNormEval", y, "y", x, "x");
        channels("batchNormEval", x, c, runningMean, runningVar, w, b);
        if (x.size() == 0) return;
        Variant k = flat(Kernels.BATCHNORM_EVAL_FORWARD, Defines.none());
        launcher.launch(k.fn(), Grid.cover(n * c, k.group()), y, x, runningMean, runningVar, w, b, n, c, eps);
    }

    void batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        if (dx == null && dw == null && db == null) return;
        int[] nc = nc("batchNormBackward", x);
        int n = nc[0], c = nc[1];
        require("batchNormBackward", mean, "mean");
        require("batchNormBackward", rstd, "rstd");
        GpuBackend.requireF32("batchNormBackward", dx, dw, db, dy, x, w, mean, rstd);
        sameSize("batchNormBackward", dy, "dy", x, "x");
        sameSize("batchNormBackward", dx, "dx", x, "x");
        channels("batchNormBackward", x, c, dw, db, w, mean, rstd);
        if (x.size() == 0) return;
        Variant k = columns(Kernels.BATCHNORM_TRAIN_BACKWARD, Defines.none());
        launcher.launch(k.fn(), columnGrid(c, k), dx, dw, db, dy, x, w, mean, rstd, n, c);
    }

    void batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w,
                               double eps) {
        if (dx == null && dw == null && db == null) return;
        int[] nc = nc("batchNormEvalBackward", x);
        int n = nc[0], c = nc[1];
        require("batchNormEvalBackward", runningMean, "runningMean");
        require("batchNormEvalBackward", runningVar, "runningVar");
        GpuBackend.requireF32("batchNormEvalBackward", dx, dw, db, dy, x, runningMean, runningVar, w);
        sameSize("batchNormEvalBackward", dy, "dy", x, "x");
        sameSize("batchNormEvalBackward", dx, "dx", x, "x");
        channels("batchNormEvalBackward", x, c, dw, db, runningMean, runningVar, w);
        if (x.size() == 0) return;
        Variant k = columns(Kernels.BATCHNORM_EVAL_BACKWARD, Defines.none());
        launcher.launch(k.fn(), columnGrid(c, k), dx, dw, db, dy, x, runningMean, runningVar, w, n, c, eps);
    }

    // ---- L2 normalisation ------------------------------------------------------------------

    void l2Normalize(Tensor y, Tensor norm, Tensor x, double eps) {
        int d = rowLength("l2Normalize", x);
        GpuBackend.requireF32("l2Normalize", y, norm, x);
        sameSize("l2Normalize", y, "y", x, "x");
        if (x.size() == 0) return;
        int n = x.size() / d;
        if (norm != null && norm.size() != n) {
            throw new IllegalArgumentException("l2Normalize: norm " + norm.describe() + " must have " + n + " elements for x " + x.describe());
        }
        Variant k = rows(Kernels.L2NORM_FORWARD, Defines.none());
        launcher.launch(k.fn(), Grid.rows(n, k.group()), y, norm, x, n, d, eps);
    }

    void l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        if (dx == null) return;
        int d = rowLength("l2NormalizeBackward", x);
        require("l2NormalizeBackward", norm, "norm");
        GpuBackend.requireF32("l2NormalizeBackward", dx, dy, x, y, norm);
        sameSize("l2NormalizeBackward", dy, "dy", x, "x");
        sameSize("l2NormalizeBackward", y, "y", x, "x");
        sameSize("l2NormalizeBackward", dx, "dx", x, "x");
        if (x.size() == 0) return;
        int n = x.size() / d;
        if (norm.size() != n) {
            throw new IllegalArgumentException("l2NormalizeBackward: norm " + norm.describe() + " must have " + n + " elements for x " + x.describe());
        }
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
        require("attention", probs, "probs");
        int[] z = attentionSizes("attention", q, k, v, probs);
        int heads = z[0], t = z[1], s = z[2], dh = z[3];
        GpuBackend.requireF32("attention", out, probs, q, k, v);
        sameSize("attention", out, "out", q, "q");
        if (heads * t == 0) return;
        if (s == 0) {
            throw new IllegalArgumentException("attention: no keys (S = 0) for q " + q.describe() + "; the softmax is undefined");
        }
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
        if (dq == null && dk == null && dv == null) return;
        require("attentionBackward", probs, "probs");
        int[] z = attentionSizes("attentionBackward", q, k, v, probs);
        int heads = z[0], t = z[1], s = z[2], dh = z[3];
        GpuBackend.requireF32("attentionBackward", dq, dk, dv, dout, q, k, v, probs);
        sameSize("attentionBackward", dout, "dout", q, "q");
        sameSize("attentionBackward", dq, "dq", q, "q");
        sameSize("attentionBackward", dk, "dk", k, "k");
        sameSize("attentionBackward", dv, "dv", v, "v");
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

    /** Throws the reference's error when a label lies outside [0, classes). */
    private void checkLabels(String op, Tensor labels, int classes) {
        int[] bad = backend.firstOutOfRange(labels, classes);
        if (bad != null) RefLoss.checkLabel(op, bad[0], bad[1], classes);
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
        int[] z = crossEntropySizes("crossEntropy", logits, labels);
        int n = z[0], v = z[1];
        GpuBackend.requireF32("crossEntropy", losses, probs, logits);
        require("crossEntropy", losses, "losses");
        if (losses.size() != n) {
            throw new IllegalArgumentException("crossEntropy: losses " + losses.describe() + " must have " + n + " elements for logits " + logits.describe());
        }
        sameSize("crossEntropy", probs, "probs", logits, "logits");
        if (n == 0) return;
        if (v == 0) throw new IllegalArgumentException("crossEntropy: logits " + logits.describe() + " have no classes");
        Variant k = rows(Kernels.CROSS_ENTROPY_FORWARD, Defines.none());
        checkLabels("crossEntropy", labels, v);
        launcher.launch(k.fn(), Grid.rows(n, k.group()), losses, probs, logits, labels, n, v, smoothing);
    }

    /** Cross-entropy backward; a label outside [0, V) makes its row's gradient NaN (see {@link #crossEntropy}). */
    void crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        if (dlogits == null) return;
        int[] z = crossEntropySizes("crossEntropyBackward", probs, labels);
        int n = z[0], v = z[1];
        GpuBackend.requireF32("crossEntropyBackward", dlogits, dlosses, probs);
        sameSize("crossEntropyBackward", dlogits, "dlogits", probs, "probs");
        if (dlosses.size() != n) {
            throw new IllegalArgumentException("crossEntropyBackward: dlosses " + dlosses.describe() + " must have " + n + " elements for probs " + probs.describe());
        }
        if (n * v == 0) return;
        Variant k = flat(Kernels.CROSS_ENTROPY_BACKWARD, rows(Kernels.CROSS_ENTROPY_FORWARD, Defines.none()).defines());
        checkLabels("crossEntropyBackward", labels, v);
        launcher.launch(k.fn(), Grid.cover(n * v, k.group()), dlogits, dlosses, probs, labels, n, v, smoothing);
    }

    /**
     * MAE's masked MSE: per-row errors into a scratch, then one work-group sums the errors and
     * the mask in a fixed order and writes the loss. To throw on an all-zero mask as the
     * reference does, Σ mask is read back to the host: this call waits for the device. When it
     * throws, {@code loss} has already been written with a non-finite value.
     */
    void maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        int[] z = maskedMseSizes("maskedMse", pred, target, mask);
        int rows = z[0], p = z[1];
        require("maskedMse", loss, "loss");
        GpuBackend.requireF32("maskedMse", loss, pred, target, mask);
        if (loss.size() != 1) throw new IllegalArgumentException("maskedMse: loss " + loss.describe() + " must have one element");
        Tensor err = scratch(Math.max(rows, 1));
        Tensor den = scratch(1);
        float maskSum;
        try {
            if (rows > 0 && p > 0) {
                Variant rk = rows(Kernels.MASKED_MSE_ROWS, Defines.none());
                launcher.launch(rk.fn(), Grid.rows(rows, rk.group()), err, pred, target, mask, rows, p);
            } else if (rows > 0) {
                backend.fill(view(err, 0, rows), 0.0);
            }
            Variant red = rows(Kernels.MASKED_MSE_REDUCE, Defines.none());
            launcher.launch(red.fn(), Grid.rows(1, red.group()), loss, den, err, mask, rows);
            maskSum = backend.readF32(den)[0];
        } finally {
            backend.release(err.storage());
            backend.release(den.storage());
        }
        if (maskSum == 0) {
            throw new IllegalArgumentException("maskedMse: mask " + mask.describe() + " marks no patch as masked (Σ mask = 0); the loss is undefined");
        }
    }

    /**
     * Masked MSE backward without waiting for the device: Σ mask is summed into a one-element
     * scratch and the kernel reads it and dloss there. An all-zero mask (refused by
     * {@link #maskedMse}) is not checked again: the gradients then become non-finite.
     */
    void maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        if (dpred == null && dtarget == null) return;
        int[] z = maskedMseSizes("maskedMseBackward", pred, target, mask);
        int rows = z[0], p = z[1];
        require("maskedMseBackward", dloss, "dloss");
        GpuBackend.requireF32("maskedMseBackward", dpred, dtarget, dloss, pred, target, mask);
        if (dloss.size() != 1) throw new IllegalArgumentException("maskedMseBackward: dloss " + dloss.describe() + " must have one element");
        sameSize("maskedMseBackward", dpred, "dpred", pred, "pred");
        sameSize("maskedMseBackward", dtarget, "dtarget", target, "target");
        if (rows * p == 0) return;
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

    private static void require(String op, Tensor t, String name) {
        if (t == null) throw new IllegalArgumentException(op + ": " + name + " must not be null");
    }

    private static int rowLength(String op, Tensor x) {
        if (x.rank() == 0) throw new IllegalArgumentException(op + ": needs rank ≥ 1, got " + x.describe());
        int d = x.dim(-1);
        if (d == 0 && x.size() == 0) return 1; // no rows: nothing to launch
        return d;
    }

    private static void sameSize(String op, Tensor a, String an, Tensor b, String bn) {
        if (a != null && b != null && a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": " + an + " " + a.describe() + " and " + bn + " " + b.describe() + " must have the same size");
        }
    }

    private static void checkRows(String op, Tensor x, int n, int d, Tensor w, Tensor b, Tensor mean, Tensor rstd) {
        if (w != null && w.size() != d) throw new IllegalArgumentException(op + ": " + w.describe() + " must have " + d + " elements for x " + x.describe());
        if (b != null && b.size() != d) throw new IllegalArgumentException(op + ": " + b.describe() + " must have " + d + " elements for x " + x.describe());
        if (mean != null && mean.size() != n) throw new IllegalArgumentException(op + ": mean " + mean.describe() + " must have " + n + " elements for x " + x.describe());
        if (rstd != null && rstd.size() != n) throw new IllegalArgumentException(op + ": rstd " + rstd.describe() + " must have " + n + " elements for x " + x.describe());
    }

    private static int[] nc(String op, Tensor x) {
        if (x.rank() != 2) throw new IllegalArgumentException(op + " expects x (N, C), got " + x.describe());
        return new int[]{x.dim(0), x.dim(1)};
    }

    /** Each given tensor must hold one value per channel. */
    private static void channels(String op, Tensor x, int c, Tensor... perChannel) {
        for (Tensor t : perChannel) {
            if (t != null && t.size() != c) {
                throw new IllegalArgumentException(op + ": " + t.describe() + " must have " + c + " elements (one per channel of x " + x.describe() + ")");
            }
        }
    }

    /** Sizes {B·H, T, S, Dh}. */
    private static int[] attentionSizes(String op, Tensor q, Tensor k, Tensor v, Tensor probs) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || !k.shape().equals(v.shape())
                || q.dim(0) != k.dim(0) || q.dim(1) != k.dim(1) || q.dim(3) != k.dim(3)) {
            throw new IllegalArgumentException(op + " expects q (B, H, T, Dh), k and v (B, H, S, Dh); got q "
                    + q.describe() + ", k " + k.describe() + ", v " + v.describe());
        }
        int heads = q.dim(0) * q.dim(1), t = q.dim(2), s = k.dim(2), dh = q.dim(3);
        if (probs.size() != heads * t * s) {
            throw new IllegalArgumentException(op + ": probs " + probs.describe() + " must be (B, H, T, S) = ("
                    + q.dim(0) + ", " + q.dim(1) + ", " + t + ", " + s + ")");
        }
        return new int[]{heads, t, s, dh};
    }

    /** Sizes {N, V}; labels must be an I32 (N). */
    private static int[] crossEntropySizes(String op, Tensor logits, Tensor labels) {
        if (logits.rank() != 2 || labels.size() != logits.dim(0)) {
            throw new IllegalArgumentException(op + " expects logits (N, V) and labels (N); got " + logits.describe() + ", " + labels.describe());
        }
        if (labels.dtype() != DType.I32) throw new IllegalArgumentException(op + ": labels must be I32, got " + labels.describe());
        return new int[]{logits.dim(0), logits.dim(1)};
    }

    /** Sizes {B·L, P} after checking pred, target (B, L, P) and mask (B, L). */
    private static int[] maskedMseSizes(String op, Tensor pred, Tensor target, Tensor mask) {
        if (pred.rank() != 3 || !pred.shape().equals(target.shape()) || mask.size() != pred.dim(0) * pred.dim(1)) {
            throw new IllegalArgumentException(op + " expects pred and target (B, L, P) and mask (B, L); got "
                    + pred.describe() + ", " + target.describe() + ", " + mask.describe());
        }
        return new int[]{pred.dim(0) * pred.dim(1), pred.dim(2)};
    }

    private static void matchParam(String op, Tensor param, Tensor... others) {
        for (Tensor t : others) {
            if (t.size() != param.size()) {
                throw new IllegalArgumentException(op + ": " + t.describe() + " does not match parameter " + param.describe());
            }
        }
    }
}
