// How the shared pre-training loop is driven: schedule, optimizer, accumulation, clipping, seed,
// checkpointing and stopping. Recorded in every checkpoint's sidecar ("trainer_config", schema
// tessera.trainer/1) so that a resumed run can be held to the settings it was trained with. Not the
// method's or the model's configuration (those are the caller's records).
package io.tessera.ssl.train;

import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.nn.optim.LrRule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a pre-training run is driven.
 *
 * @param epochs          number of epochs E
 * @param warmupEpochs    linear warm-up W (learning rate 0 at the first step)
 * @param baseLr          blr, scaled to the peak by {@code lrRule} with the effective batch; 0 when
 *                        {@code lr} gives the peak itself
 * @param lrRule          linear (MAE, RC-MAE) or square-root (LUT)
 * @param minLr           floor of the cosine decay
 * @param weightDecay     AdamW weight decay for decayed parameters
 * @param beta2           AdamW β₂ (0.95 for pre-training)
 * @param accumulation    micro-batches per optimizer step
 * @param clipNorm        global gradient-norm clip, 0 for none
 * @param checkpointEvery optimizer steps between checkpoints, 0 for only at the end
 * @param maxSteps        stop after this many optimizer steps in total (0: no limit), for smoke runs
 * @param outDir          where checkpoints, metrics and the report go
 * @param seed            root seed of every random stream
 * @param keepLast        checkpoints of the output directory to keep (the newest by step), 0 for all
 * @param lr              the peak learning rate itself (MAE's {@code --lr}), 0 when it comes from
 *                        {@code baseLr}; exactly one of the two is positive
 * @param saveEveryEpochs also checkpoint at the end of every this many epochs, 0 for none
 * @param gradCosines     log the gradient cosines of a method with a consistency term
 *                        ({@link GradientCosines}) in every step's metrics record; a diagnostic that
 *                        does not change what a step computes
 */
public record TrainerConfig(int epochs, double warmupEpochs, double baseLr, LrRule lrRule, double minLr,
                            double weightDecay, double beta2, int accumulation, double clipNorm,
                            int checkpointEvery, long maxSteps, Path outDir, long seed, int keepLast,
                            double lr, int saveEveryEpochs, boolean gradCosines) {
    /** The schema of {@link #toMap()}. */
    public static final String SCHEMA = "tessera.trainer/1";
    /** Most epochs accepted. */
    public static final int MAX_EPOCHS = 1_000_000;

    public TrainerConfig {
        if (epochs < 1 || epochs > MAX_EPOCHS) throw new IllegalArgumentException("epochs must be from 1 to " + MAX_EPOCHS + ", got " + epochs);
        if (!(warmupEpochs >= 0 && warmupEpochs <= epochs)) throw new IllegalArgumentException("warm-up epochs must be in [0, epochs = " + epochs + "], got " + warmupEpochs);
        if (!finiteAtLeast0(baseLr) || !finiteAtLeast0(lr) || (baseLr > 0) == (lr > 0)) {
            throw new IllegalArgumentException("exactly one of the base learning rate and the absolute learning rate must be a finite number > 0, got base "
                    + baseLr + ", absolute " + lr);
        }
        if (lrRule == null) throw new IllegalArgumentException("a learning-rate rule is needed");
        if (!finiteAtLeast0(minLr)) throw new IllegalArgumentException("min learning rate must be finite and ≥ 0, got " + minLr);
        if (!finiteAtLeast0(weightDecay)) throw new IllegalArgumentException("weight decay must be finite and ≥ 0, got " + weightDecay);
        if (!(beta2 > 0 && beta2 < 1)) throw new IllegalArgumentException("AdamW β₂ must be in (0, 1), got " + beta2);
        if (accumulation < 1) throw new IllegalArgumentException("gradient accumulation must be ≥ 1, got " + accumulation);
        if (!finiteAtLeast0(clipNorm)) throw new IllegalArgumentException("clip norm must be finite and ≥ 0, got " + clipNorm);
        if (checkpointEvery < 0 || maxSteps < 0 || saveEveryEpochs < 0) {
            throw new IllegalArgumentException("checkpoint intervals and max steps must be ≥ 0, got " + checkpointEvery + ", " + saveEveryEpochs + ", " + maxSteps);
        }
        if (outDir == null) throw new IllegalArgumentException("an output directory is needed");
        if (keepLast < 0) throw new IllegalArgumentException("checkpoints to keep must be ≥ 0 (0: all), got " + keepLast);
    }

    private static boolean finiteAtLeast0(double v) {
        return v >= 0 && v < Double.POSITIVE_INFINITY;
    }

    /** A configuration without gradient cosines. */
    public TrainerConfig(int epochs, double warmupEpochs, double baseLr, LrRule lrRule, double minLr,
                         double weightDecay, double beta2, int accumulation, double clipNorm,
                         int checkpointEvery, long maxSteps, Path outDir, long seed, int keepLast,
                         double lr, int saveEveryEpochs) {
        this(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast, lr, saveEveryEpochs, false);
    }

    /** A configuration with the peak learning rate from {@code baseLr}, no epoch checkpoints. */
    public TrainerConfig(int epochs, double warmupEpochs, double baseLr, LrRule lrRule, double minLr,
                         double weightDecay, double beta2, int accumulation, double clipNorm,
                         int checkpointEvery, long maxSteps, Path outDir, long seed, int keepLast) {
        this(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast, 0, 0, false);
    }

    /** A configuration that keeps every checkpoint. */
    public TrainerConfig(int epochs, double warmupEpochs, double baseLr, LrRule lrRule, double minLr,
                         double weightDecay, double beta2, int accumulation, double clipNorm,
                         int checkpointEvery, long maxSteps, Path outDir, long seed) {
        this(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, 0);
    }

    /** MAE's recipe (blr 1.5e-4, linear rule, wd 0.05, β₂ 0.95) for {@code epochs} with a warm-up of {@code warmup}. */
    public static TrainerConfig mae(int epochs, double warmup, Path outDir) {
        return new TrainerConfig(epochs, warmup, 1.5e-4, LrRule.LINEAR, 0, 0.05, 0.95, 1, 0, 0, 0, outDir, 0, 0);
    }

    /** The peak learning rate at effective batch B: {@code lr} when given, else lrRule(blr, B) (e.g. blr·B/256). */
    public double peakLr(int effectiveBatch) {
        return lr > 0 ? lr : lrRule.lr(baseLr, effectiveBatch);
    }

    public TrainerConfig withSeed(long s) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, s, keepLast, lr, saveEveryEpochs, gradCosines);
    }

    /** The peak from a base rate and rule (clears an absolute rate). */
    public TrainerConfig withBaseLr(double blr, LrRule rule) {
        return new TrainerConfig(epochs, warmupEpochs, blr, rule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast, 0, saveEveryEpochs, gradCosines);
    }

    /** The peak learning rate given directly (clears the base rate). */
    public TrainerConfig withLr(double peak) {
        return new TrainerConfig(epochs, warmupEpochs, 0, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast, peak, saveEveryEpochs, gradCosines);
    }

    public TrainerConfig withMinLr(double m) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, m, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast, lr, saveEveryEpochs, gradCosines);
    }

    public TrainerConfig withEpochs(int e) {
        return new TrainerConfig(e, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast, lr, saveEveryEpochs, gradCosines);
    }

    public TrainerConfig withCheckpointEvery(int n) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, n, maxSteps, outDir, seed, keepLast, lr, saveEveryEpochs, gradCosines);
    }

    public TrainerConfig withSaveEveryEpochs(int n) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast, lr, n, gradCosines);
    }

    public TrainerConfig withMaxSteps(long n) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, n, outDir, seed, keepLast, lr, saveEveryEpochs, gradCosines);
    }

    public TrainerConfig withAccumulation(int n) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, n, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast, lr, saveEveryEpochs, gradCosines);
    }

    public TrainerConfig withClipNorm(double c) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, c, checkpointEvery, maxSteps, outDir, seed, keepLast, lr, saveEveryEpochs, gradCosines);
    }

    public TrainerConfig withGradCosines(boolean on) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast, lr, saveEveryEpochs, on);
    }

    public TrainerConfig withKeepLast(int k) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, k, lr, saveEveryEpochs, gradCosines);
    }

    /** The sidecar form: every field but the output directory, under {@link #SCHEMA}; an unused learning rate is null. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("epochs", (long) epochs);
        m.put("warmup_epochs", warmupEpochs);
        m.put("base_lr", baseLr > 0 ? baseLr : null);
        m.put("lr", lr > 0 ? lr : null);
        m.put("lr_rule", JsonFields.choiceName(lrRule));
        m.put("min_lr", minLr);
        m.put("weight_decay", weightDecay);
        m.put("beta2", beta2);
        m.put("accumulation", (long) accumulation);
        m.put("clip_norm", clipNorm);
        m.put("seed", seed);
        m.put("checkpoint_every", (long) checkpointEvery);
        m.put("save_every_epochs", (long) saveEveryEpochs);
        m.put("max_steps", maxSteps);
        m.put("keep_last", (long) keepLast);
        m.put("grad_cosines", gradCosines);
        return m;
    }

    /** Reads {@link #toMap()}'s form back (bounded, typed), with {@code outDir} for the output directory. */
    public static TrainerConfig fromJson(JsonFields f, Path outDir) {
        if (!SCHEMA.equals(f.has("schema") ? f.string("schema") : null)) throw f.error("schema", "must be \"" + SCHEMA + "\"", f.map().get("schema"));
        int epochs = f.integer("epochs", 1, MAX_EPOCHS);
        double blr = f.has("base_lr") ? f.real("base_lr", Double.MIN_VALUE, Double.MAX_VALUE) : 0;
        double lr = f.has("lr") ? f.real("lr", Double.MIN_VALUE, Double.MAX_VALUE) : 0;
        return new TrainerConfig(epochs, f.real("warmup_epochs", 0, epochs), blr, f.choice("lr_rule", LrRule.class), f.real("min_lr", 0, Double.MAX_VALUE),
                f.real("weight_decay", 0, Double.MAX_VALUE), f.real("beta2", Double.MIN_VALUE, Math.nextDown(1.0)), f.integer("accumulation", 1, Integer.MAX_VALUE),
                f.real("clip_norm", 0, Double.MAX_VALUE), f.integer("checkpoint_every", 0, Integer.MAX_VALUE), f.longInteger("max_steps", 0, Long.MAX_VALUE), outDir,
                f.longInteger("seed", Long.MIN_VALUE, Long.MAX_VALUE), f.integer("keep_last", 0, Integer.MAX_VALUE), lr, f.integer("save_every_epochs", 0, Integer.MAX_VALUE),
                f.has("grad_cosines") && f.bool("grad_cosines"));
    }

    /**
     * The settings that decide what the run's steps compute and in which this config differs from
     * {@code recorded}, as "seed 0 → 1": epochs, warm-up, learning rates and rule, weight decay,
     * β₂, accumulation, clipping and seed (with {@code epochsMayDiffer}, epochs are left out).
     * Checkpointing, stopping, the output directory and gradient-cosine logging may differ: they
     * decide when the run saves and stops and what it logs, not what a step computes.
     */
    public List<String> recipeDifferences(TrainerConfig recorded, boolean epochsMayDiffer) {
        List<String> d = new ArrayList<>();
        if (!epochsMayDiffer) differ(d, "epochs", recorded.epochs, epochs);
        differ(d, "warm-up epochs", recorded.warmupEpochs, warmupEpochs);
        differ(d, "base learning rate", recorded.baseLr, baseLr);
        differ(d, "learning rate", recorded.lr, lr);
        differ(d, "learning-rate rule", recorded.lrRule, lrRule);
        differ(d, "min learning rate", recorded.minLr, minLr);
        differ(d, "weight decay", recorded.weightDecay, weightDecay);
        differ(d, "AdamW β₂", recorded.beta2, beta2);
        differ(d, "accumulation", recorded.accumulation, accumulation);
        differ(d, "clip norm", recorded.clipNorm, clipNorm);
        differ(d, "seed", recorded.seed, seed);
        return d;
    }

    private static void differ(List<String> out, String what, Object was, Object now) {
        if (!was.equals(now)) out.add(String.format(Locale.ROOT, "%s %s → %s", what, was, now));
    }
}
