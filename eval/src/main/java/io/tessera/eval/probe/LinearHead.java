// The linear-probe head of MAE's main_linprobe.py: torch.nn.Sequential(BatchNorm1d(D, affine=False,
// eps=1e-6), Linear(D, V)), so its entries are named 0.running_mean, 0.running_var,
// 0.num_batches_tracked, 1.weight, 1.bias (head.* inside the probed model's state dict).
// The Linear weight starts as timm's trunc_normal_(std=0.01) (cut at ±2 absolute), the bias at 0.
package io.tessera.eval.probe;

import io.tessera.nn.BatchNorm1d;
import io.tessera.nn.Init;
import io.tessera.nn.Linear;
import io.tessera.nn.Module;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

/** logits = W·BN(x) + b with BN's batch statistics in training and its running statistics in evaluation. */
public final class LinearHead extends Module {
    /** BatchNorm epsilon of MAE's probe. */
    public static final double BN_EPS = 1e-6;
    /** Standard deviation of the initial Linear weight. */
    public static final double INIT_STD = 0.01;

    private final ParameterStore store;
    private final BatchNorm1d bn;
    private final Linear linear;
    private final int dim, classes;

    /** Registers the head's entries under {@code prefix} (may be "") in {@code store}. */
    public LinearHead(ParameterStore store, String prefix, int dim, int classes) {
        super(prefix);
        if (dim < 1 || classes < 2) throw new IllegalArgumentException("a linear probe needs feature width ≥ 1 and at least 2 classes, got " + dim + ", " + classes);
        this.store = store;
        this.dim = dim;
        this.classes = classes;
        this.bn = child(new BatchNorm1d(store, name("0"), dim, false, BN_EPS, 0.1));
        this.linear = child(new Linear(store, name("1"), dim, classes, true));
    }

    /** A head in its own store (F32), initialised from {@code rng}. */
    public static LinearHead create(ExecutionContext ctx, int dim, int classes, Rng rng) {
        return create(ctx, dim, classes, rng, DType.F32);
    }

    /** A head in its own store of {@code dtype} (F64 for reference checks), initialised from {@code rng}. */
    public static LinearHead create(ExecutionContext ctx, int dim, int classes, Rng rng, DType dtype) {
        ParameterStore s = new ParameterStore();
        LinearHead h = new LinearHead(s, "", dim, classes);
        s.allocate(ctx, dtype);
        h.init(rng);
        return h;
    }

    public ParameterStore store() { return store; }

    public BatchNorm1d batchNorm() { return bn; }

    public Linear linear() { return linear; }

    /** D. */
    public int dim() { return dim; }

    /** V. */
    public int classes() { return classes; }

    /** features (B, D) → logits (B, V). */
    public Tensor forward(Ops ops, Tensor features) {
        return linear.forward(ops, bn.forward(ops, features));
    }

    /** BN statistics (0, 1, 0 batches), weight ~ N(0, 0.01²) kept within [−2, 2] (timm's absolute bounds), bias 0. */
    @Override
    public void init(Rng rng) {
        bn.init(rng);
        double[] w = new double[linear.weight().size()];
        for (int i = 0; i < w.length; i++) {
            double v;
            do {
                v = INIT_STD * rng.nextGaussian();
            } while (Math.abs(v) > 2);
            w[i] = v;
        }
        Init.write(linear.weight().tensor(), w);
        Init.constant(linear.bias().tensor(), 0);
    }
}
