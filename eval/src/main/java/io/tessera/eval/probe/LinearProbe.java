// MAE's linear probing protocol (main_linprobe.py, util/lars.py, util/lr_sched.py): a frozen encoder,
// BatchNorm without affine before a Linear head, plain cross-entropy, LARS (momentum 0.9, trust
// 0.001, no weight decay, 1-D tensors exempt), lr = blr·B/256 with a per-iteration linear warm-up and
// half-cosine, shuffled batches with the last partial one dropped, test top-1/top-5 after each epoch.
// Cached mode trains on features extracted once without augmentation (the head is all that learns,
// so this is exact for the un-augmented recipe); augmented mode runs the encoder on MAE's training
// augmentation (single-draw RandomResizedCrop + flip) for every batch, as the official code does.
package io.tessera.eval.probe;

import io.tessera.eval.downstream.EpochRecord;
import io.tessera.eval.downstream.FeatureSet;
import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.downstream.TopK;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.optim.Lars;
import io.tessera.nn.optim.LrRule;
import io.tessera.nn.optim.LrSchedule;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.train.NonFiniteLossException;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Trains a {@link LinearHead} on a frozen encoder's features and reports test accuracy per epoch. */
public final class LinearProbe {
    /**
     * The probe's recipe.
     *
     * @param epochs       E (MAE: 90 for ViT-B, 50 for L/H)
     * @param batch        B, the effective batch (MAE: 16384)
     * @param baseLr       blr; the peak lr is blr·B/256 (MAE: 0.1)
     * @param warmupEpochs linear warm-up from 0 (MAE: 10)
     * @param minLr        floor of the cosine (MAE: 0)
     * @param weightDecay  LARS weight decay on the Linear weight (MAE: 0)
     * @param momentum     LARS heavy-ball momentum (0.9)
     * @param trust        LARS trust coefficient (0.001)
     * @param pooling      cls token (MAE's and RC-MAE's choice) or average pooling
     * @param augment      run the encoder on RandomResizedCrop + flip every batch instead of cached features
     * @param seed         head initialisation, batch order and augmentation draws
     */
    public record Settings(int epochs, int batch, double baseLr, double warmupEpochs, double minLr, double weightDecay,
                           double momentum, double trust, Pooling pooling, boolean augment, long seed) {
        public Settings {
            if (epochs < 1 || batch < 2) throw new IllegalArgumentException("the probe needs ≥ 1 epoch and a batch of ≥ 2 (BatchNorm), got " + epochs + ", " + batch);
            if (!(baseLr > 0) || Double.isInfinite(baseLr)) throw new IllegalArgumentException("base learning rate must be positive and finite, got " + baseLr);
            if (!(warmupEpochs >= 0 && warmupEpochs <= epochs)) throw new IllegalArgumentException("warm-up epochs must be in [0, " + epochs + "], got " + warmupEpochs);
            if (!(minLr >= 0) || !(weightDecay >= 0)) throw new IllegalArgumentException("min lr and weight decay must be ≥ 0");
            if (pooling == null) throw new IllegalArgumentException("a pooling is needed");
        }

        /** MAE's recipe (blr 0.1, warm-up 10 of 90 epochs, LARS m 0.9 trust 0.001, wd 0, cls token, cached) at batch B. */
        public static Settings mae(int batch) {
            return new Settings(90, batch, 0.1, 10, 0, 0, 0.9, 0.001, Pooling.CLS, false, 0);
        }

        public Settings withEpochs(int e, double warmup) {
            return new Settings(e, batch, baseLr, warmup, minLr, weightDecay, momentum, trust, pooling, augment, seed);
        }

        public Settings withBaseLr(double blr) {
            return new Settings(epochs, batch, blr, warmupEpochs, minLr, weightDecay, momentum, trust, pooling, augment, seed);
        }

        public Settings withPooling(Pooling p) {
            return new Settings(epochs, batch, baseLr, warmupEpochs, minLr, weightDecay, momentum, trust, p, augment, seed);
        }

        public Settings withAugment(boolean on) {
            return new Settings(epochs, batch, baseLr, warmupEpochs, minLr, weightDecay, momentum, trust, pooling, on, seed);
        }

        public Settings withSeed(long s) {
            return new Settings(epochs, batch, baseLr, warmupEpochs, minLr, weightDecay, momentum, trust, pooling, augment, s);
        }

        /** The peak learning rate blr·B/256. */
        public double peakLr() {
            return LrRule.LINEAR.lr(baseLr, batch);
        }

        /** The settings as eval.json records them. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("protocol", "MAE main_linprobe: BatchNorm1d(affine=False, eps=1e-6) + Linear, LARS, cross-entropy");
            m.put("epochs", (long) epochs);
            m.put("batch", (long) batch);
            m.put("blr", baseLr);
            m.put("lr", peakLr());
            m.put("lr_rule", "blr*batch/256");
            m.put("warmup_epochs", warmupEpochs);
            m.put("min_lr", minLr);
            m.put("schedule", "per-iteration linear warm-up, then half-cosine");
            m.put("optimizer", "LARS");
            m.put("momentum", momentum);
            m.put("trust_coefficient", trust);
            m.put("weight_decay", weightDecay);
            m.put("pooling", pooling.label());
            m.put("features", augment ? "encoder run on RandomResizedCrop(scale 0.08-1, single draw) + flip every batch"
                    : "cached once, evaluation transform, no augmentation");
            m.put("drop_last", true);
            return m;
        }
    }

    /** A finished probe: the trained head, the per-epoch records and the number of optimizer steps. */
    public record Result(LinearHead head, List<EpochRecord> epochs, long steps) {
        /** The last epoch. */
        public EpochRecord last() {
            return epochs.get(epochs.size() - 1);
        }
    }

    private final ExecutionContext ctx;
    private final Settings settings;
    private final LinearHead head;
    private final Lars lars;

    /** A fresh F32 head of {@code classes} outputs on {@code dim}-wide features, initialised from the settings' seed. */
    public LinearProbe(ExecutionContext ctx, int dim, int classes, Settings settings) {
        this(ctx, dim, classes, settings, DType.F32);
    }

    /** A fresh head of {@code dtype} (features and steps must then be of that dtype too). */
    public LinearProbe(ExecutionContext ctx, int dim, int classes, Settings settings, DType dtype) {
        this.ctx = ctx;
        this.settings = settings;
        this.head = LinearHead.create(ctx, dim, classes, new Rng(settings.seed()).split("probe-head"), dtype);
        this.lars = new Lars(head.store(), settings.momentum(), settings.weightDecay(), settings.trust());
    }

    public LinearHead head() {
        return head;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * One optimizer step on a batch: BN in training mode (batch statistics, running statistics
     * updated), L = mean cross-entropy, backward, LARS at learning rate {@code lr}. Returns L.
     */
    public double step(Tensor features, Tensor labels, double lr) {
        Ops ops = ctx.ops();
        head.train(true);
        head.store().zeroGrad();
        double loss;
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            Tensor l = ops.crossEntropy(head.forward(ops, features), labels, 0);
            loss = l.item();
            if (!Double.isFinite(loss)) throw new NonFiniteLossException("linear probe: loss " + loss, lars.steps() + 1, lr, null);
            tape.backward(l);
        }
        lars.step(lr);
        return loss;
    }

    /** Mean cross-entropy and top-1/top-5 of the head (BN running statistics) on cached features. */
    public double[] evaluate(FeatureSet test, int batch) {
        Ops ops = ctx.ops();
        head.train(false);
        TopK acc = new TopK();
        double lossSum = 0;
        for (int start = 0; start < test.rows(); start += batch) {
            int rows = Math.min(batch, test.rows() - start);
            try (Scope s = ctx.openScope()) {
                Tensor x = ops.tensor(java.util.Arrays.copyOfRange(test.values(), start * test.dim(), (start + rows) * test.dim()), rows, test.dim());
                int[] y = java.util.Arrays.copyOfRange(test.labels(), start, start + rows);
                Tensor logits = head.forward(ops, x);
                lossSum += ops.crossEntropy(logits, ops.indices(y, rows), 0).item() * rows;
                acc.add(logits.toFloatArray(), y, head.classes());
            }
        }
        return new double[] {lossSum / test.rows(), acc.top1(), acc.top5()};
    }

    /** Cached mode: E epochs over the training features, evaluated on the test features after each. */
    public Result train(FeatureSet train, FeatureSet test, ProgressListener progress) {
        int perEpoch = stepsPerEpoch(train.rows());
        LrSchedule schedule = schedule();
        Rng order = new Rng(settings.seed()).split("probe-order");
        List<EpochRecord> records = new ArrayList<>();
        Ops ops = ctx.ops();
        int b = settings.batch(), d = train.dim();
        float[] xb = new float[b * d];
        int[] yb = new int[b];
        for (int e = 0; e < settings.epochs(); e++) {
            long t0 = System.nanoTime();
            int[] perm = permutation(train.rows(), order.split(e));
            double lossSum = 0, lr = 0;
            for (int it = 0; it < perEpoch; it++) {
                for (int i = 0; i < b; i++) {
                    int r = perm[it * b + i];
                    System.arraycopy(train.values(), r * d, xb, i * d, d);
                    yb[i] = train.labels()[r];
                }
                lr = schedule.at(e, it, perEpoch);
                try (Scope s = ctx.openScope()) {
                    lossSum += step(ops.tensor(xb, b, d), ops.indices(yb, b), lr);
                }
            }
            records.add(epochRecord(e, lr, lossSum / perEpoch, test, t0));
            progress.step("probe epochs", e + 1, settings.epochs());
        }
        return new Result(head, List.copyOf(records), lars.steps());
    }

    /**
     * Augmented mode: every epoch the encoder (frozen, evaluation mode, no tape) pools features of the
     * training images through {@code augmentation}; test features are the cached ones.
     */
    public Result trainAugmented(VisionTransformer encoder, Dataset train, Transform augmentation, int workers, FeatureSet test,
                                 ProgressListener progress) {
        int perEpoch = stepsPerEpoch(train.size());
        LrSchedule schedule = schedule();
        List<EpochRecord> records = new ArrayList<>();
        Ops ops = ctx.ops();
        encoder.eval();
        try (Loader loader = new Loader(train, augmentation, new Rng(settings.seed()).split("probe-data"),
                Loader.Options.train(settings.batch(), workers), ops)) {
            for (int e = 0; e < settings.epochs(); e++) {
                long t0 = System.nanoTime();
                double lossSum = 0, lr = 0;
                int it = 0;
                for (Loader.Batch batch : loader.epoch(e)) {
                    lr = schedule.at(e, it, perEpoch);
                    try (Scope s = ctx.openScope()) {
                        Tensor f = settings.pooling().features(ops, encoder, batch.images());
                        lossSum += step(f, batch.labels(), lr);
                    }
                    it++;
                    progress.step("probe steps (augmented)", e * perEpoch + it, perEpoch * settings.epochs());
                }
                records.add(epochRecord(e, lr, lossSum / perEpoch, test, t0));
            }
        }
        return new Result(head, List.copyOf(records), lars.steps());
    }

    private EpochRecord epochRecord(int e, double lr, double trainLoss, FeatureSet test, long t0) {
        double[] m = evaluate(test, Math.max(settings.batch(), 256));
        return new EpochRecord(e + 1, lr, trainLoss, m[0], m[1], m[2], (System.nanoTime() - t0) / 1e9);
    }

    private int stepsPerEpoch(int n) {
        int per = n / settings.batch();
        if (per < 1) throw new IllegalArgumentException("the probe's batch of " + settings.batch() + " exceeds the " + n + " training images (the last partial batch is dropped)");
        return per;
    }

    private LrSchedule schedule() {
        return new LrSchedule(settings.peakLr(), Math.min(settings.minLr(), settings.peakLr()), settings.warmupEpochs(), settings.epochs());
    }

    /** A uniform permutation of 0…n−1 (Fisher–Yates). */
    static int[] permutation(int n, Rng rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
