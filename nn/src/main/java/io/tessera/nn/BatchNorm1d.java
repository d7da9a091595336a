package io.tessera.nn;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.dist.Collective;

/**
 * BatchNorm1d over x (N, C) with PyTorch semantics: batch statistics and a running-statistics
 * update (momentum, default 0.1) in training, running statistics in evaluation. Optional
 * affine weight/bias (1/0 at init). Buffers {@code running_mean} (0), {@code running_var} (1)
 * and {@code num_batches_tracked} (a one-element counter) live in the store's buffer area. With a
 * process group of several ranks ({@link #synchronize}) training takes the statistics of the
 * group's global batch (PyTorch's SyncBatchNorm, {@link Ops#syncBatchNorm}); alone, or in
 * evaluation, it is the plain fused op.
 */
public final class BatchNorm1d extends Module {
    private final int channels;
    private final double eps;
    private final double momentum;
    private final Parameter weight;      // (C) or null
    private final Parameter bias;        // (C) or null
    private final Parameter runningMean; // (C)
    private final Parameter runningVar;  // (C)
    private final Parameter batches;     // (1)
    private Collective group = Collective.single();

    public BatchNorm1d(ParameterStore store, String prefix, int channels, boolean affine, double eps, double momentum) {
        super(prefix);
        if (channels <= 0 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm1d " + prefix + ": channels " + channels + ", eps " + eps + ", momentum " + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = affine ? store.parameter(name("weight"), Shape.of(channels)) : null;
        this.bias = affine ? store.parameter(name("bias"), Shape.of(channels)) : null;
        this.runningMean = store.buffer(name("running_mean"), Shape.of(channels));
        this.runningVar = store.buffer(name("running_var"), Shape.of(channels));
        this.batches = store.buffer(name("num_batches_tracked"), Shape.of(1));
    }

    /** PyTorch defaults: affine, eps 1e-5, momentum 0.1. */
    public BatchNorm1d(ParameterStore store, String prefix, int channels) {
        this(store, prefix, channels, true, 1e-5, 0.1);
    }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    public Parameter runningMean() { return runningMean; }

    public Parameter runningVar() { return runningVar; }

    public Parameter numBatchesTracked() { return batches; }

    /** The group whose global batch training statistics are taken over (this process alone unless {@link #synchronize}d). */
    public Collective group() { return group; }

    /**
     * Takes the batch statistics of training forwards over {@code group}'s global batch from now
     * on; every rank of the group must then run this layer's forwards and backwards in the same
     * order. {@link Collective#single()} restores the per-process statistics.
     */
    public void synchronize(Collective group) {
        if (group == null) throw new IllegalArgumentException("BatchNorm1d " + prefix() + ": the group is null; Collective.single() is one process");
        this.group = group;
    }

    /**
     * {@link #synchronize}s every BatchNorm1d in the tree under {@code root} (PyTorch's
     * {@code convert_sync_batchnorm}); returns how many there are.
     */
    public static int synchronizeAll(Module root, Collective group) {
        int n = 0;
        if (root instanceof BatchNorm1d bn) {
            bn.synchronize(group);
            n++;
        }
        for (Module m : root.children()) n += synchronizeAll(m, group);
        return n;
    }

    /** x (N, C) → (N, C); in training also updates the running statistics and the batch counter. */
    public Tensor forward(Ops ops, Tensor x) {
        if (x.rank() != 2 || x.dim(1) != channels) {
            throw new IllegalArgumentException("BatchNorm1d " + prefix() + " expects (N, " + channels + "), got " + x.describe());
        }
        Tensor w = weight == null ? null : weight.tensor(), b = bias == null ? null : bias.tensor();
        Tensor y = isTraining() && group.worldSize() > 1
                ? ops.syncBatchNorm(x, w, b, runningMean.tensor(), runningVar.tensor(), momentum, eps, group)
                : ops.batchNorm(x, w, b, runningMean.tensor(), runningVar.tensor(), isTraining(), momentum, eps);
        if (isTraining()) {
            Tensor n = batches.tensor();
            Init.constant(n, n.item() + 1);
        }
        return y;
    }

    @Override
    public void init(Rng rng) {
        if (weight != null) Init.constant(weight.tensor(), 1);
        if (bias != null) Init.constant(bias.tensor(), 0);
        Init.constant(runningMean.tensor(), 0);
        Init.constant(runningVar.tensor(), 1);
        Init.constant(batches.tensor(), 0);
    }
}
