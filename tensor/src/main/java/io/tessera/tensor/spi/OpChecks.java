package io.tessera.tensor.spi;

import io.tessera.tensor.DType;
import io.tessera.tensor.Tensor;

/**
 * The argument contract of the fused {@link Backend} ops, written once: every backend (the
 * scalar reference, the Vector API one, the GPU ones) calls the checker of an op before its
 * kernel, so bad arguments fail with the same one-line IllegalArgumentException everywhere.
 * Each checker returns the sizes its kernels run over. Shapes only, not values: a label's range
 * and an all-zero mask are data, checked by the backends through {@link #labelOutOfRange} and
 * {@link #maskSum} for the same messages.
 *
 * <p>Empty tensors: an op with nothing to compute is a no-op (no rows, no channels, no queries)
 * except where the result would be undefined: LayerNorm and L2 normalisation over rows of
 * length 0, training-mode BatchNorm over no samples, cross-entropy over no classes, attention
 * over no keys, and the masked MSE over no patches or empty patches.
 */
public final class OpChecks {
    private OpChecks() {
    }

    /** A tensor viewed as {@code rows} rows of {@code cols} (N, D), (N, C), (N, V) or (B·L, P). */
    public record Sizes(int rows, int cols) {
    }

    /** Attention's sizes: B·H matrices, T queries, S keys, head width Dh. */
    public record AttentionSizes(int heads, int queries, int keys, int width) {
    }

    // ---- softmax ---------------------------------------------------------------------------

    /** softmax: x (N, D) of rank ≥ 1 over its last axis, y the same size. */
    public static Sizes softmax(Tensor y, Tensor x) {
        Sizes s = rows("softmax", x, "x");
        require("softmax", y, "y");
        sameSize("softmax", y, "y", x, "x");
        return s;
    }

    /** softmaxBackward: y (N, D), dy the same size, dx (accumulated, may be null) the same size. */
    public static Sizes softmaxBackward(Tensor dx, Tensor dy, Tensor y) {
        Sizes s = rows("softmaxBackward", y, "y");
        require("softmaxBackward", dy, "dy");
        sameSize("softmaxBackward", dy, "dy", y, "y");
        sameSize("softmaxBackward", dx, "dx", y, "y");
        return s;
    }

    // ---- LayerNorm -------------------------------------------------------------------------

    /** layerNorm: x (N, D) with D &gt; 0, y like x; w, b (D) and mean, rstd (N) may be null; eps ≥ 0. */
    public static Sizes layerNorm(Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor w, Tensor b, double eps) {
        String op = "layerNorm";
        Sizes s = nonEmptyRows(op, x, "the mean and variance are undefined");
        require(op, y, "y");
        sameSize(op, y, "y", x, "x");
        elements(op, w, "weight", s.cols(), x);
        elements(op, b, "bias", s.cols(), x);
        elements(op, mean, "mean", s.rows(), x);
        elements(op, rstd, "rstd", s.rows(), x);
        epsilon(op, eps);
        return s;
    }

    /**
     * addLayerNorm: x, r and s of one shape (N, D), s aliasing neither x nor r (it is written while
     * they are read); y, mean, rstd, w, b as {@link #layerNorm} over s.
     */
    public static Sizes addLayerNorm(Tensor s, Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor r, Tensor w, Tensor b, double eps) {
        String op = "addLayerNorm";
        require(op, x, "x");
        require(op, r, "r");
        require(op, s, "s");
        if (!r.shape().equals(x.shape()) || !s.shape().equals(x.shape())) {
            throw new IllegalArgumentException(op + ": x " + x.describe() + ", r " + r.describe() + " and s " + s.describe() + " must have one shape");
        }
        if (s.storage() == x.storage() || s.storage() == r.storage()) {
            throw new IllegalArgumentException(op + ": s " + s.describe() + " must not share storage with x or r");
        }
        return layerNorm(y, mean, rstd, s, w, b, eps);
    }

    /** layerNormBackward: as {@link #layerNorm}, dy like x, the saved mean and rstd required; dx, dw, db may be null. */
    public static Sizes layerNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        String op = "layerNormBackward";
        Sizes s = nonEmptyRows(op, x, "the mean and variance are undefined");
        require(op, dy, "dy");
        require(op, mean, "mean");
        require(op, rstd, "rstd");
        sameSize(op, dy, "dy", x, "x");
        sameSize(op, dx, "dx", x, "x");
        elements(op, w, "weight", s.cols(), x);
        elements(op, dw, "dw", s.cols(), x);
        elements(op, db, "db", s.cols(), x);
        elements(op, mean, "mean", s.rows(), x);
        elements(op, rstd, "rstd", s.rows(), x);
        return s;
    }

    // ---- BatchNorm1d -----------------------------------------------------------------------

    /**
     * batchNormTrain: x (N, C) with N ≥ 1 (batch statistics of no samples are undefined), y like
     * x; mean, rstd, the running statistics, w and b (C) may be null; momentum in [0, 1]; eps ≥ 0.
     */
    public static Sizes batchNormTrain(Tensor y, Tensor mean, Tensor rstd, Tensor runningMean, Tensor runningVar,
                                       Tensor x, Tensor w, Tensor b, double momentum, double eps) {
        String op = "batchNormTrain";
        Sizes s = channels(op, x);
        if (s.rows() == 0) {
            throw new IllegalArgumentException(op + ": x " + x.describe() + " has no samples (N = 0); the batch statistics are undefined");
        }
        require(op, y, "y");
        sameSize(op, y, "y", x, "x");
        perChannel(op, s.cols(), x, mean, "mean", rstd, "rstd", runningMean, "runningMean", runningVar, "runningVar", w, "weight", b, "bias");
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException(op + ": momentum must be in [0, 1], got " + momentum);
        epsilon(op, eps);
        return s;
    }

    /** batchNormEval: x (N, C), y like x, the running statistics (C) required, w and b (C) may be null; eps ≥ 0. */
    public static Sizes batchNormEval(Tensor y, Tensor x, Tensor runningMean, Tensor runningVar, Tensor w, Tensor b, double eps) {
        String op = "batchNormEval";
        Sizes s = channels(op, x);
        require(op, y, "y");
        require(op, runningMean, "runningMean");
        require(op, runningVar, "runningVar");
        sameSize(op, y, "y", x, "x");
        perChannel(op, s.cols(), x, runningMean, "runningMean", runningVar, "runningVar", w, "weight", b, "bias");
        epsilon(op, eps);
        return s;
    }

    /** batchNormBackward: x (N, C), dy like x, the saved mean and rstd (C) required; dx, dw, db, w may be null. */
    public static Sizes batchNormBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor w, Tensor mean, Tensor rstd) {
        String op = "batchNormBackward";
        Sizes s = channels(op, x);
        require(op, dy, "dy");
        require(op, mean, "mean");
        require(op, rstd, "rstd");
        sameSize(op, dy, "dy", x, "x");
        sameSize(op, dx, "dx", x, "x");
        perChannel(op, s.cols(), x, mean, "mean", rstd, "rstd", w, "weight", dw, "dw", db, "db");
        return s;
    }

    /** batchNormEvalBackward: x (N, C), dy like x, the running statistics (C) required; dx, dw, db, w may be null; eps ≥ 0. */
    public static Sizes batchNormEvalBackward(Tensor dx, Tensor dw, Tensor db, Tensor dy, Tensor x, Tensor runningMean,
                                              Tensor runningVar, Tensor w, double eps) {
        String op = "batchNormEvalBackward";
        Sizes s = channels(op, x);
        require(op, dy, "dy");
        require(op, runningMean, "runningMean");
        require(op, runningVar, "runningVar");
        sameSize(op, dy, "dy", x, "x");
        sameSize(op, dx, "dx", x, "x");
        perChannel(op, s.cols(), x, runningMean, "runningMean", runningVar, "runningVar", w, "weight", dw, "dw", db, "db");
        epsilon(op, eps);
        return s;
    }

    // ---- L2 normalisation ------------------------------------------------------------------

    /** l2Normalize: x (N, D) with D &gt; 0, y like x, norm (N) may be null; eps ≥ 0. */
    public static Sizes l2Normalize(Tensor y, Tensor norm, Tensor x, double eps) {
        String op = "l2Normalize";
        Sizes s = nonEmptyRows(op, x, "there is no direction to normalise");
        require(op, y, "y");
        sameSize(op, y, "y", x, "x");
        elements(op, norm, "norm", s.rows(), x);
        epsilon(op, eps);
        return s;
    }

    /** l2NormalizeBackward: x (N, D) with D &gt; 0, dy and y like x, the saved norm (N) required, dx may be null; eps ≥ 0. */
    public static Sizes l2NormalizeBackward(Tensor dx, Tensor dy, Tensor x, Tensor y, Tensor norm, double eps) {
        String op = "l2NormalizeBackward";
        Sizes s = nonEmptyRows(op, x, "there is no direction to normalise");
        require(op, dy, "dy");
        require(op, y, "y");
        require(op, norm, "norm");
        sameSize(op, dy, "dy", x, "x");
        sameSize(op, y, "y", x, "x");
        sameSize(op, dx, "dx", x, "x");
        elements(op, norm, "norm", s.rows(), x);
        epsilon(op, eps);
        return s;
    }

    // ---- attention -------------------------------------------------------------------------

    /**
     * attention: q (B, H, T, Dh), k and v (B, H, S, Dh), probs (B, H, T, S) and out like q, both
     * required; S = 0 with queries to answer is refused (the softmax over no keys is undefined).
     */
    public static AttentionSizes attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        String op = "attention";
        AttentionSizes z = attentionSizes(op, q, k, v, probs);
        require(op, out, "out");
        sameSize(op, out, "out", q, "q");
        finite(op, "scale", scale);
        if (z.keys() == 0 && z.heads() * z.queries() > 0) {
            throw new IllegalArgumentException(op + ": no keys (S = 0) for q " + q.describe() + "; the softmax is undefined");
        }
        return z;
    }

    /** attentionBackward: as {@link #attention}, dout like q; dq, dk, dv (may be null) like q, k, v. */
    public static AttentionSizes attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                                   Tensor probs, double scale) {
        String op = "attentionBackward";
        AttentionSizes z = attentionSizes(op, q, k, v, probs);
        require(op, dout, "dout");
        sameSize(op, dout, "dout", q, "q");
        sameSize(op, dq, "dq", q, "q");
        sameSize(op, dk, "dk", k, "k");
        sameSize(op, dv, "dv", v, "v");
        finite(op, "scale", scale);
        return z;
    }

    /**
     * attentionLse: q (B, H, T, Dh), k and v (B, H, S, Dh), out like q and lse (B, H, T), both
     * required; S = 0 with queries to answer is refused as in {@link #attention}.
     */
    public static AttentionSizes attentionLse(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, double scale) {
        String op = "attentionLse";
        AttentionSizes z = attentionShapes(op, q, k, v);
        require(op, out, "out");
        sameSize(op, out, "out", q, "q");
        lse(op, lse, q, z);
        finite(op, "scale", scale);
        if (z.keys() == 0 && z.heads() * z.queries() > 0) {
            throw new IllegalArgumentException(op + ": no keys (S = 0) for q " + q.describe() + "; the softmax is undefined");
        }
        return z;
    }

    /** attentionLseBackward: as {@link #attentionLse}, dout like q; dq, dk, dv (may be null) like q, k, v. */
    public static AttentionSizes attentionLseBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v,
                                                      Tensor out, Tensor lse, double scale) {
        String op = "attentionLseBackward";
        AttentionSizes z = attentionShapes(op, q, k, v);
        require(op, dout, "dout");
        sameSize(op, dout, "dout", q, "q");
        require(op, out, "out");
        sameSize(op, out, "out", q, "q");
        lse(op, lse, q, z);
        sameSize(op, dq, "dq", q, "q");
        sameSize(op, dk, "dk", k, "k");
        sameSize(op, dv, "dv", v, "v");
        finite(op, "scale", scale);
        return z;
    }

    /**
     * attentionPackedLse and its backward: qkv (B, T, 3·H·Dh) for {@code heads} heads, out
     * (B, T, H·Dh) and lse (B, H, T), both required. Returns {B, T, Dh}.
     */
    public static int[] attentionPacked(String op, Tensor qkv, int heads, Tensor out, Tensor lse) {
        require(op, qkv, "qkv");
        if (qkv.rank() != 3 || heads < 1 || qkv.dim(2) % (3 * heads) != 0) {
            throw new IllegalArgumentException(op + ": qkv must be (B, T, 3·H·Dh) for " + heads + " heads; got " + qkv.describe());
        }
        int b = qkv.dim(0), t = qkv.dim(1), dh = qkv.dim(2) / (3 * heads);
        require(op, out, "out");
        require(op, lse, "lse");
        if (!out.shape().equals(io.tessera.tensor.Shape.of(b, t, heads * dh)) || !lse.shape().equals(io.tessera.tensor.Shape.of(b, heads, t))) {
            throw new IllegalArgumentException(op + ": out must be (" + b + ", " + t + ", " + heads * dh + ") and lse (" + b + ", " + heads + ", " + t
                    + ") for qkv " + qkv.describe() + "; got " + out.describe() + ", " + lse.describe());
        }
        return new int[] {b, t, dh};
    }

    private static void lse(String op, Tensor lse, Tensor q, AttentionSizes z) {
        require(op, lse, "lse");
        if (lse.size() != z.heads() * z.queries()) {
            throw new IllegalArgumentException(op + ": lse " + lse.describe() + " must be (B, H, T) = ("
                    + q.dim(0) + ", " + q.dim(1) + ", " + z.queries() + ")");
        }
    }

    private static AttentionSizes attentionShapes(String op, Tensor q, Tensor k, Tensor v) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || !k.shape().equals(v.shape())
                || q.dim(0) != k.dim(0) || q.dim(1) != k.dim(1) || q.dim(3) != k.dim(3)) {
            throw new IllegalArgumentException(op + " expects q (B, H, T, Dh), k and v (B, H, S, Dh); got q "
                    + q.describe() + ", k " + k.describe() + ", v " + v.describe());
        }
        return new AttentionSizes(q.dim(0) * q.dim(1), q.dim(2), k.dim(2), q.dim(3));
    }

    private static AttentionSizes attentionSizes(String op, Tensor q, Tensor k, Tensor v, Tensor probs) {
        AttentionSizes z = attentionShapes(op, q, k, v);
        int t = z.queries(), s = z.keys();
        require(op, probs, "probs");
        if (probs.size() != z.heads() * t * s) {
            throw new IllegalArgumentException(op + ": probs " + probs.describe() + " must be (B, H, T, S) = ("
                    + q.dim(0) + ", " + q.dim(1) + ", " + t + ", " + s + ")");
        }
        return z;
    }

    // ---- losses ----------------------------------------------------------------------------

    /**
     * crossEntropy: logits (N, V) with V &gt; 0, I32 labels (N), losses (N) required, probs like
     * logits or null (not kept); smoothing in [0, 1]. The labels' range is checked by the backend
     * ({@link #labelsInRange} or {@link #labelOutOfRange}).
     */
    public static Sizes crossEntropy(Tensor losses, Tensor probs, Tensor logits, Tensor labels, double smoothing) {
        String op = "crossEntropy";
        Sizes s = classes(op, logits, "logits", labels, smoothing);
        require(op, losses, "losses");
        elements(op, losses, "losses", s.rows(), logits, "logits");
        sameSize(op, probs, "probs", logits, "logits");
        return s;
    }

    /** crossEntropyBackward: probs (N, V) with V &gt; 0, I32 labels (N), dlosses (N) required, dlogits (may be null) like probs. */
    public static Sizes crossEntropyBackward(Tensor dlogits, Tensor dlosses, Tensor probs, Tensor labels, double smoothing) {
        String op = "crossEntropyBackward";
        Sizes s = classes(op, probs, "probs", labels, smoothing);
        require(op, dlosses, "dlosses");
        elements(op, dlosses, "dlosses", s.rows(), probs, "probs");
        sameSize(op, dlogits, "dlogits", probs, "probs");
        return s;
    }

    private static Sizes classes(String op, Tensor logits, String name, Tensor labels, double smoothing) {
        require(op, labels, "labels");
        if (logits.rank() != 2 || labels.rank() != 1 || labels.dim(0) != logits.dim(0)) {
            throw new IllegalArgumentException(op + " expects " + name + " (N, V) and labels (N); got " + logits.describe() + ", " + labels.describe());
        }
        if (labels.dtype() != DType.I32) throw new IllegalArgumentException(op + ": labels must be I32, got " + labels.describe());
        if (logits.dim(1) == 0) throw new IllegalArgumentException(op + ": " + name + " " + logits.describe() + " have no classes (V = 0)");
        if (!(smoothing >= 0 && smoothing <= 1)) throw new IllegalArgumentException(op + ": label smoothing must be in [0, 1], got " + smoothing);
        return new Sizes(logits.dim(0), logits.dim(1));
    }

    /** The error for a label outside [0, V), naming the row and the label. */
    public static IllegalArgumentException labelOutOfRange(String op, int row, int label, int classes) {
        return new IllegalArgumentException(op + ": label " + label + " at row " + row + " is outside [0, " + classes + ")");
    }

    /** Throws {@link #labelOutOfRange} for the first of labels[offset + r], r &lt; n, outside [0, classes). */
    public static void labelsInRange(String op, int[] labels, int offset, int n, int classes) {
        for (int r = 0; r < n; r++) {
            int y = labels[offset + r];
            if (y < 0 || y >= classes) throw labelOutOfRange(op, r, y, classes);
        }
    }

    /**
     * maskedMse: pred and target (B, L, P) with B·L &gt; 0 and P &gt; 0, mask (B, L), loss one
     * element, required. Σ mask = 0 is checked by the backend through {@link #maskSum}.
     */
    public static Sizes maskedMse(Tensor loss, Tensor pred, Tensor target, Tensor mask) {
        String op = "maskedMse";
        Sizes s = patches(op, pred, target, mask);
        require(op, loss, "loss");
        if (loss.size() != 1) throw new IllegalArgumentException(op + ": loss " + loss.describe() + " must have one element");
        return s;
    }

    /** maskedMseBackward: as {@link #maskedMse}, dloss one element required; dpred, dtarget (may be null) like pred. */
    public static Sizes maskedMseBackward(Tensor dpred, Tensor dtarget, Tensor dloss, Tensor pred, Tensor target, Tensor mask) {
        String op = "maskedMseBackward";
        Sizes s = patches(op, pred, target, mask);
        require(op, dloss, "dloss");
        if (dloss.size() != 1) throw new IllegalArgumentException(op + ": dloss " + dloss.describe() + " must have one element");
        sameSize(op, dpred, "dpred", pred, "pred");
        sameSize(op, dtarget, "dtarget", target, "target");
        return s;
    }

    private static Sizes patches(String op, Tensor pred, Tensor target, Tensor mask) {
        require(op, target, "target");
        require(op, mask, "mask");
        if (pred.rank() != 3 || !pred.shape().equals(target.shape()) || mask.rank() != 2
                || mask.dim(0) != pred.dim(0) || mask.dim(1) != pred.dim(1)) {
            throw new IllegalArgumentException(op + " expects pred and target (B, L, P) and mask (B, L); got "
                    + pred.describe() + ", " + target.describe() + ", " + mask.describe());
        }
        int rows = pred.dim(0) * pred.dim(1), p = pred.dim(2);
        if (rows == 0) throw new IllegalArgumentException(op + ": pred " + pred.describe() + " has no patches (B·L = 0); the loss is undefined");
        if (p == 0) throw new IllegalArgumentException(op + ": pred " + pred.describe() + " has patches of no values (P = 0); the loss is undefined");
        return new Sizes(rows, p);
    }

    /** Σ mask, throwing when it is zero (no masked patch: the loss would be 0/0). */
    public static double maskSum(String op, double sum, Tensor mask) {
        if (sum == 0) {
            throw new IllegalArgumentException(op + ": mask " + mask.describe() + " marks no patch as masked (Σ mask = 0); the loss is undefined");
        }
        return sum;
    }

    // ---- optimizer updates over segments of a flat store -----------------------------------

    /**
     * A segmented update ({@link Backend#adamwUpdateSegments}): param and each of {@code others}
     * rank-1 of one size and dtype; offsets, sizes and every per-segment array of one length;
     * each segment non-negative, inside param, and after the previous one (so none overlap).
     */
    public static void segments(String op, Tensor param, int[] offsets, int[] sizes, double[] lr, double[] weightDecay, Tensor... others) {
        require(op, param, "param");
        if (param.rank() != 1) throw new IllegalArgumentException(op + ": param " + param.describe() + " must be rank 1 (a flat store)");
        for (Tensor t : others) {
            require(op, t, "state");
            if (t.rank() != 1 || t.size() != param.size() || t.dtype() != param.dtype()) {
                throw new IllegalArgumentException(op + ": " + t.describe() + " does not match the flat parameters " + param.describe());
            }
        }
        if (offsets.length != sizes.length || lr.length != sizes.length || weightDecay.length != sizes.length) {
            throw new IllegalArgumentException(op + ": " + offsets.length + " offsets, " + sizes.length + " sizes, " + lr.length
                    + " learning rates and " + weightDecay.length + " weight decays: one of each per segment");
        }
        long end = 0;
        for (int s = 0; s < offsets.length; s++) {
            if (sizes[s] < 0 || offsets[s] < end || (long) offsets[s] + sizes[s] > param.size()) {
                throw new IllegalArgumentException(op + ": segment " + s + " [" + offsets[s] + ", " + ((long) offsets[s] + sizes[s])
                        + ") has a negative size, starts before the previous one ends, or ends past the " + param.size() + " parameters");
            }
            end = (long) offsets[s] + sizes[s];
        }
    }

    // ---- shared pieces ---------------------------------------------------------------------

    private static void require(String op, Tensor t, String name) {
        if (t == null) throw new IllegalArgumentException(op + ": " + name + " must not be null");
    }

    private static void sameSize(String op, Tensor a, String an, Tensor b, String bn) {
        if (a != null && b != null && a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": " + an + " " + a.describe() + " and " + bn + " " + b.describe() + " must have the same size");
        }
    }

    private static void elements(String op, Tensor t, String name, int n, Tensor x) {
        elements(op, t, name, n, x, "x");
    }

    private static void elements(String op, Tensor t, String name, int n, Tensor x, String xn) {
        if (t != null && t.size() != n) {
            throw new IllegalArgumentException(op + ": " + name + " " + t.describe() + " must have " + n + " elements for " + xn + " " + x.describe());
        }
    }

    /** Pairs of (tensor, name); each non-null tensor must hold one value per channel. */
    private static void perChannel(String op, int c, Tensor x, Object... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            Tensor t = (Tensor) pairs[i];
            if (t != null && t.size() != c) {
                throw new IllegalArgumentException(op + ": " + pairs[i + 1] + " " + t.describe() + " must have " + c
                        + " elements (one per channel of x " + x.describe() + ")");
            }
        }
    }

    /** x of rank ≥ 1 as (N, D): N the product of the leading axes, D the last one. */
    private static Sizes rows(String op, Tensor x, String name) {
        if (x.rank() == 0) throw new IllegalArgumentException(op + ": " + name + " needs rank ≥ 1, got " + x.describe());
        int n = 1;
        for (int i = 0; i < x.rank() - 1; i++) n *= x.dim(i);
        return new Sizes(n, x.dim(-1));
    }

    private static Sizes nonEmptyRows(String op, Tensor x, String why) {
        Sizes s = rows(op, x, "x");
        if (s.cols() == 0) throw new IllegalArgumentException(op + ": x " + x.describe() + " has rows of length 0 (D = 0); " + why);
        return s;
    }

    private static Sizes channels(String op, Tensor x) {
        if (x.rank() != 2) throw new IllegalArgumentException(op + " expects x (N, C), got " + x.describe());
        return new Sizes(x.dim(0), x.dim(1));
    }

    private static void epsilon(String op, double eps) {
        if (!(eps >= 0 && eps < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException(op + ": eps must be finite and ≥ 0, got " + eps);
    }

    private static void finite(String op, String name, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(op + ": " + name + " must be finite, got " + v);
    }
}
