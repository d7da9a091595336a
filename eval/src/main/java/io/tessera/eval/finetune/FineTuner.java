// MAE's end-to-end fine-tuning recipe (main_finetune.py, engine_finetune.py, models_vit.py,
// util/lr_decay.py, util/datasets.py → timm create_transform): the pre-trained encoder in a ViT with
// global average pooling + fresh fc_norm (the final norm dropped) or the cls token, a head initialised
// with std 2e-5, a learnable position table started from the fixed one, drop path rising linearly
// over the blocks; RandomResizedCrop + flip + RandAugment + normalise + random erasing; batch-mode
// Mixup/CutMix with label smoothing folded into soft targets; AdamW (0.9, 0.999) with layer-wise lr
// decay and no weight decay on 1-D tensors, cls_token and pos_embed; per-iteration warm-up + cosine
// to min_lr; top-1/top-5 on the test split after every epoch.
package io.tessera.eval.finetune;

import io.tessera.eval.downstream.ClassifierMetrics;
import io.tessera.eval.downstream.EpochRecord;
import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.downstream.WeightTransfer;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.nn.Init;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.nn.optim.AdamW;
import io.tessera.nn.optim.LayerDecay;
import io.tessera.nn.optim.LrRule;
import io.tessera.nn.optim.LrSchedule;
import io.tessera.nn.optim.ParamGroups;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Draws;
import io.tessera.ssl.data.HorizontalFlip;
import io.tessera.ssl.data.Interpolation;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Mixup;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.RandAugment;
import io.tessera.ssl.data.RandomErasing;
import io.tessera.ssl.data.RandomResizedCrop;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.train.NonFiniteLossException;
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

/** Fine-tunes a pre-trained encoder end to end and reports test accuracy per epoch. */
public final class FineTuner {
    /**
     * The recipe (defaults: main_finetune.py with FINETUNE.md's mixup and cutmix).
     *
     * @param epochs       E (MAE ViT-B: 100; main_finetune default 50)
     * @param batch        B, the effective batch (MAE: 1024); must be even for mixup
     * @param baseLr       blr (MAE ViT-B: 5e-4; default 1e-3)
     * @param lrRule       blr·B/256 (MAE, RC-MAE) or blr·√B/8 (LUT)
     * @param layerDecay   layer-wise lr decay (ViT-B 0.65; default 0.75)
     * @param weightDecay  AdamW weight decay (0.05)
     * @param warmupEpochs linear warm-up (5)
     * @param minLr        cosine floor (1e-6)
     * @param dropPath     stochastic depth at the last block (0.1)
     * @param pooling      global average pooling + fc_norm (MAE's default) or the cls token
     * @param mixup        mixup α (0.8; 0 turns it off)
     * @param cutmix       CutMix α (1.0; 0 turns it off)
     * @param smoothing    label smoothing (0.1)
     * @param randAugment  timm RandAugment config ("rand-m9-mstd0.5-inc1"), or null for none
     * @param reprob       random-erasing probability (0.25; mode pixel, one box)
     * @param seed         head initialisation, data order, augmentation, mixing and drop path
     */
    public record Settings(int epochs, int batch, double baseLr, LrRule lrRule, double layerDecay, double weightDecay, double warmupEpochs,
                           double minLr, double dropPath, Pooling pooling, double mixup, double cutmix, double smoothing, String randAugment,
                           double reprob, long seed) {
        public Settings {
            if (epochs < 1 || batch < 2) throw new IllegalArgumentException("fine-tuning needs ≥ 1 epoch and a batch of ≥ 2, got " + epochs + ", " + batch);
            if ((mixup > 0 || cutmix > 0) && batch % 2 != 0) throw new IllegalArgumentException("mixup and cutmix need an even batch, got " + batch);
            if (!(baseLr > 0) || Double.isInfinite(baseLr)) throw new IllegalArgumentException("base learning rate must be positive and finite, got " + baseLr);
            if (lrRule == LrRule.SQRT_PRETRAIN) throw new IllegalArgumentException("fine-tuning scales lr linearly (MAE) or by √B/8 (LUT), not by LUT's pre-training rule");
            if (!(layerDecay > 0 && layerDecay <= 1)) throw new IllegalArgumentException("layer decay must be in (0, 1], got " + layerDecay);
            if (!(weightDecay >= 0) || !(minLr >= 0)) throw new IllegalArgumentException("weight decay and min lr must be ≥ 0");
            if (!(warmupEpochs >= 0 && warmupEpochs <= epochs)) throw new IllegalArgumentException("warm-up epochs must be in [0, " + epochs + "], got " + warmupEpochs);
            if (!(dropPath >= 0 && dropPath < 1)) throw new IllegalArgumentException("drop path must be in [0, 1), got " + dropPath);
            if (!(mixup >= 0) || !(cutmix >= 0)) throw new IllegalArgumentException("mixup and cutmix alphas must be ≥ 0");
            if (!(smoothing >= 0 && smoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
            if (!(reprob >= 0 && reprob <= 1)) throw new IllegalArgumentException("random-erasing probability must be in [0, 1], got " + reprob);
            if (randAugment != null) RandAugment.Policy.parse(randAugment);
            if (pooling == null) throw new IllegalArgumentException("a pooling is needed");
        }

        /** main_finetune.py's defaults with FINETUNE.md's mixup 0.8 / cutmix 1.0, at batch B and E epochs. */
        public static Settings mae(int epochs, int batch) {
            return new Settings(epochs, batch, 1e-3, LrRule.LINEAR, 0.75, 0.05, Math.min(5, epochs), 1e-6, 0.1, Pooling.AVG, 0.8, 1.0, 0.1,
                    "rand-m9-mstd0.5-inc1", 0.25, 0);
        }

        /** Without RandAugment, random erasing, mixup, CutMix and drop path (a plain supervised run). */
        public Settings plain() {
            return new Settings(epochs, batch, baseLr, lrRule, layerDecay, weightDecay, warmupEpochs, minLr, 0, pooling, 0, 0, smoothing, null, 0, seed);
        }

        public Settings withBaseLr(double blr) {
            return new Settings(epochs, batch, blr, lrRule, layerDecay, weightDecay, warmupEpochs, minLr, dropPath, pooling, mixup, cutmix, smoothing, randAugment, reprob, seed);
        }

        public Settings withSeed(long s) {
            return new Settings(epochs, batch, baseLr, lrRule, layerDecay, weightDecay, warmupEpochs, minLr, dropPath, pooling, mixup, cutmix, smoothing, randAugment, reprob, s);
        }

        /** The peak learning rate of the lr rule at batch B. */
        public double peakLr() {
            return lrRule.lr(baseLr, batch);
        }

        /** Whether batches are mixed. */
        public boolean mixes() {
            return mixup > 0 || cutmix > 0;
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("protocol", "MAE main_finetune: models_vit + param_groups_lrd + AdamW, timm create_transform, Mixup/CutMix");
            m.put("epochs", (long) epochs);
            m.put("batch", (long) batch);
            m.put("blr", baseLr);
            m.put("lr", peakLr());
            m.put("lr_rule", lrRule == LrRule.LINEAR ? "blr*batch/256" : "blr*sqrt(batch)/8");
            m.put("layer_decay", layerDecay);
            m.put("weight_decay", weightDecay);
            m.put("optimizer", "AdamW betas (0.9, 0.999), eps 1e-8; no decay for 1-D tensors, cls_token, pos_embed");
            m.put("warmup_epochs", warmupEpochs);
            m.put("min_lr", minLr);
            m.put("drop_path", dropPath);
            m.put("pooling", pooling.label());
            m.put("head_init_std", HEAD_INIT_STD);
            m.put("mixup", mixup);
            m.put("cutmix", cutmix);
            m.put("mixup_mode", "batch, prob 1.0, switch prob 0.5");
            m.put("smoothing", smoothing);
            m.put("rand_augment", randAugment == null ? "none" : randAugment);
            m.put("reprob", reprob);
            m.put("remode", "pixel, one box");
            m.put("train_crop", "RandomResizedCrop(scale 0.08-1, ratio 3/4-4/3, bicubic, 10 attempts) + horizontal flip 0.5");
            return m;
        }
    }

    /** A finished run: the fine-tuned model, per-epoch records, optimizer steps. */
    public record Result(VisionTransformer model, List<EpochRecord> epochs, long steps) {
        public EpochRecord last() {
            return epochs.get(epochs.size() - 1);
        }
    }

    /** MAE's head initialisation: trunc_normal_(std = 2e-5). */
    public static final double HEAD_INIT_STD = 2e-5;

    private final ExecutionContext ctx;
    private final Settings settings;

    public FineTuner(ExecutionContext ctx, Settings settings) {
        this.ctx = ctx;
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The fine-tuning model of {@code encoder} (models_vit): same geometry and blocks, learnable
     * pos_embed copied from the encoder's table, average pooling with a fresh fc_norm (the final norm
     * is dropped) or the cls token with the pre-trained norm, a V-way head N(0, (2e-5)²) cut at ±2 with
     * bias 0, and drop path rising to {@code dropPath}.
     */
    public static VisionTransformer model(ExecutionContext ctx, VisionTransformer encoder, int classes, Pooling pooling, double dropPath, long seed) {
        VitConfig c = encoder.config().withPooling(pooling == Pooling.AVG ? VitConfig.Pooling.MEAN : VitConfig.Pooling.CLS)
                .withPosEmbed(VitConfig.PosEmbed.LEARNABLE).withClasses(classes).withDropPath(dropPath);
        VisionTransformer v = WeightTransfer.copyAs(ctx, encoder, c, WeightTransfer.FRESH);
        Rng rng = new Rng(seed).split("finetune-head");
        double[] w = new double[v.headLayer().weight().size()];
        for (int i = 0; i < w.length; i++) {
            double z;
            do {
                z = HEAD_INIT_STD * rng.nextGaussian();
            } while (Math.abs(z) > 2);
            w[i] = z;
        }
        Init.write(v.headLayer().weight().tensor(), w);
        Init.constant(v.headLayer().bias().tensor(), 0);
        return v;
    }

    /**
     * timm's training transform for images of side {@code size}: RandomResizedCrop (bicubic) + flip,
     * RandAugment (fill = the dataset mean), normalise, random erasing.
     */
    public Transform trainTransform(int size, Normalize normalize) {
        List<Transform> steps = new ArrayList<>();
        steps.add(new RandomResizedCrop(size, 0.08, 1.0, 3.0 / 4, 4.0 / 3, Interpolation.BICUBIC, RandomResizedCrop.Mode.TORCHVISION));
        steps.add(HorizontalFlip.half());
        if (settings.randAugment() != null) steps.add(new RandAugment(RandAugment.Policy.parse(settings.randAugment()), RandAugment.fillOf(normalize.mean())));
        steps.add(normalize);
        if (settings.reprob() > 0) steps.add(RandomErasing.timm(settings.reprob(), RandomErasing.Mode.PIXEL, 1));
        return Transform.compose(steps.toArray(Transform[]::new));
    }

    /** The AdamW of MAE's fine-tuning over {@code model}'s store: layer-wise scales and the no-decay set. */
    public AdamW optimizer(VisionTransformer model) {
        ParamGroups groups = ParamGroups.finetune(new LayerDecay(settings.layerDecay(), model.config().depth()));
        return new AdamW(model.store(), groups, 0.9, 0.999, 1e-8, settings.weightDecay());
    }

    /**
     * One step: mix the host batch (when enabled), forward in training mode with drop path from
     * {@code rng}, L = λ·CE_ε(z, y) + (1 − λ)·CE_ε(z, flip(y)) (SoftTargetCrossEntropy on timm's
     * mixed smoothed targets, which is linear in the target), backward, AdamW at {@code lr}.
     */
    public double step(VisionTransformer model, AdamW adamw, Loader.HostBatch batch, double lr, Rng rng) {
        Ops ops = ctx.ops();
        int b = batch.size();
        int[] shape = batch.shapes()[0];
        float[] images = batch.images();
        Mixup.Params mix = null;
        if (settings.mixes()) {
            Mixup mixup = new Mixup(new Mixup.Settings(settings.mixup(), settings.cutmix(), 1.0, 0.5, settings.smoothing(), model.config().numClasses()));
            Mixup.Mixed m = mixup.apply(images, batch.labels(), shape[0], shape[1], shape[2], Draws.of(rng.split("mixup")));
            images = m.images();
            mix = m.params();
        }
        model.train(true);
        if (settings.dropPath() > 0) model.setDropPathRng(rng.split("drop_path"));
        model.store().zeroGrad();
        double loss;
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            Tensor x = ops.tensor(images, b, shape[0], shape[1], shape[2]);
            Tensor logits = model.forward(ops, x);
            Tensor y = ops.indices(batch.labels(), b);
            Tensor l = ops.crossEntropy(logits, y, settings.smoothing());
            if (mix != null && !mix.identity()) {
                int[] flipped = new int[b];
                for (int i = 0; i < b; i++) flipped[i] = batch.labels()[b - 1 - i];
                Tensor l2 = ops.crossEntropy(logits, ops.indices(flipped, b), settings.smoothing());
                l = ops.add(ops.scale(l, mix.lambda()), ops.scale(l2, 1 - mix.lambda()));
            }
            loss = l.item();
            if (!Double.isFinite(loss)) throw new NonFiniteLossException("fine-tuning: loss " + loss, adamw.steps() + 1, lr, null);
            tape.backward(l);
        }
        adamw.step(lr);
        return loss;
    }

    /** Fine-tunes {@code model} for E epochs, evaluating {@code test} through {@code evalTransform} after each. */
    public Result run(VisionTransformer model, Dataset train, Normalize normalize, Dataset test, Transform evalTransform, int workers,
                      ProgressListener progress) {
        AdamW adamw = optimizer(model);
        int perEpoch = train.size() / settings.batch();
        if (perEpoch < 1) throw new IllegalArgumentException("the fine-tuning batch of " + settings.batch() + " exceeds the " + train.size() + " training images");
        LrSchedule schedule = new LrSchedule(settings.peakLr(), Math.min(settings.minLr(), settings.peakLr()), settings.warmupEpochs(), settings.epochs());
        FinetunedModel classifier = new FinetunedModel(model, normalize);
        Rng root = new Rng(settings.seed()).split("finetune");
        List<EpochRecord> records = new ArrayList<>();
        try (Loader loader = new Loader(train, trainTransform(model.config().imageSize(), normalize), root.split("data"),
                Loader.Options.train(settings.batch(), workers), ctx.ops())) {
            long step = 0;
            for (int e = 0; e < settings.epochs(); e++) {
                long t0 = System.nanoTime();
                double lossSum = 0, lr = 0;
                Loader.Epoch epoch = loader.epoch(e);
                for (int it = 0; it < perEpoch; it++) {
                    lr = schedule.at(e, it, perEpoch);
                    lossSum += step(model, adamw, epoch.nextHost(), lr, root.split("step").split(step++));
                    progress.step("finetune steps", (int) step, perEpoch * settings.epochs());
                }
                ClassifierMetrics m = ClassifierMetrics.evaluate(ctx, classifier, test, evalTransform, Math.max(settings.batch(), 64), ProgressListener.NONE, "test");
                records.add(new EpochRecord(e + 1, lr, lossSum / perEpoch, m.loss(), m.top1(), m.top5(), (System.nanoTime() - t0) / 1e9));
            }
        }
        model.eval();
        return new Result(model, List.copyOf(records), adamw.steps());
    }
}
