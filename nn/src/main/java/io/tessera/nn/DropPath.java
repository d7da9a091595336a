package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

/**
 * Stochastic depth (timm DropPath): in training each sample of the batch keeps its residual
 * branch with probability 1 − p, survivors scaled by 1/(1 − p); identity in evaluation mode or
 * when p = 0. Draws come from a stream set with {@link #setRng}: each call draws one uniform per
 * sample of the (global) batch, in sample order. Has no parameters.
 */
public final class DropPath extends Module {
    private final double p;
    private Rng rng;
    private int firstSample;
    private int globalBatch; // 0: each call's batch is the whole batch

    public DropPath(String prefix, double p) {
        super(prefix);
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("DropPath " + prefix + ": rate must be in [0, 1), got " + p);
        this.p = p;
    }

    public double rate() { return p; }

    /** The stream the per-sample keep decisions are drawn from (one uniform per sample and call). */
    public void setRng(Rng rng) {
        setRng(rng, 0, 0);
    }

    /**
     * The stream for a slice of a global batch: each call's x holds samples {@code [firstSample,
     * firstSample + B)} of {@code globalBatch}; the call draws the uniforms of those samples from
     * the global batch's draws (those of sample i are draw i of the call) and moves the stream past
     * the whole global batch's, so a data-parallel rank drops what one process drops for its samples.
     * {@code globalBatch} 0 means every call's batch is the whole one ({@link #setRng(Rng)}).
     */
    public void setRng(Rng rng, int firstSample, int globalBatch) {
        if (firstSample < 0 || globalBatch < 0 || (globalBatch == 0 && firstSample != 0)) {
            throw new IllegalArgumentException("DropPath " + prefix() + ": first sample " + firstSample + " of a global batch of " + globalBatch);
        }
        this.rng = rng;
        this.firstSample = firstSample;
        this.globalBatch = globalBatch;
    }

    public Rng rng() { return rng; }

    /** x (B, ...) → x ⊙ m with m_b ∈ {0, 1/(1 − p)}, m_b = 1/(1 − p) with probability 1 − p. */
    public Tensor forward(Ops ops, Tensor x) {
        if (!isTraining() || p == 0) return x;
        if (rng == null) {
            throw new IllegalStateException("DropPath " + prefix() + " with rate " + p + " is in training mode but has no random stream (setRng)");
        }
        int b = x.dim(0), global = globalBatch == 0 ? b : globalBatch;
        if ((long) firstSample + b > global) {
            throw new IllegalArgumentException("DropPath " + prefix() + ": " + b + " samples from position " + firstSample + " exceed the global batch of " + global);
        }
        double keep = 1 - p;
        int[] dims = new int[x.rank()];
        java.util.Arrays.fill(dims, 1);
        dims[0] = b;
        double[] m = new double[b];
        Rng rows = rng.advanced(firstSample);
        for (int i = 0; i < b; i++) m[i] = rows.nextDouble() < keep ? 1 / keep : 0;
        rng = rng.advanced(global);
        Tensor mask;
        if (x.dtype() == DType.F64) {
            mask = ops.tensor(m, dims);
        } else {
            float[] f = new float[b];
            for (int i = 0; i < b; i++) f[i] = (float) m[i];
            mask = ops.tensor(f, dims);
        }
        return ops.mul(x, mask);
    }

    @Override
    public void init(Rng r) {
        // no parameters
    }
}
