package io.tessera.ssl.train;

import io.tessera.nn.optim.LrRule;

import java.nio.file.Path;

/**
 * How a pre-training run is driven.
 *
 * @param epochs          number of epochs E
 * @param warmupEpochs    linear warm-up W (learning rate 0 at the first step)
 * @param baseLr          blr, scaled to the peak by {@code lrRule} with the effective batch
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
 */
public record TrainerConfig(int epochs, double warmupEpochs, double baseLr, LrRule lrRule, double minLr,
                            double weightDecay, double beta2, int accumulation, double clipNorm,
                            int checkpointEvery, long maxSteps, Path outDir, long seed, int keepLast) {
    public TrainerConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be ≥ 1, got " + epochs);
        if (!(warmupEpochs >= 0 && warmupEpochs <= epochs)) throw new IllegalArgumentException("warm-up epochs must be in [0, epochs], got " + warmupEpochs);
        if (!(baseLr > 0)) throw new IllegalArgumentException("base learning rate must be > 0, got " + baseLr);
        if (!(minLr >= 0)) throw new IllegalArgumentException("min learning rate must be ≥ 0, got " + minLr);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be ≥ 0, got " + weightDecay);
        if (!(beta2 > 0 && beta2 < 1)) throw new IllegalArgumentException("AdamW β₂ must be in (0, 1), got " + beta2);
        if (accumulation < 1) throw new IllegalArgumentException("gradient accumulation must be ≥ 1, got " + accumulation);
        if (!(clipNorm >= 0)) throw new IllegalArgumentException("clip norm must be ≥ 0, got " + clipNorm);
        if (checkpointEvery < 0 || maxSteps < 0) throw new IllegalArgumentException("checkpoint interval and max steps must be ≥ 0");
        if (outDir == null) throw new IllegalArgumentException("an output directory is needed");
        if (keepLast < 0) throw new IllegalArgumentException("checkpoints to keep must be ≥ 0 (0: all), got " + keepLast);
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

    public TrainerConfig withSeed(long s) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, s, keepLast);
    }

    public TrainerConfig withBaseLr(double blr, LrRule rule) {
        return new TrainerConfig(epochs, warmupEpochs, blr, rule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast);
    }

    public TrainerConfig withCheckpointEvery(int n) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, n, maxSteps, outDir, seed, keepLast);
    }

    public TrainerConfig withMaxSteps(long n) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, n, outDir, seed, keepLast);
    }

    public TrainerConfig withAccumulation(int n) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, n, clipNorm, checkpointEvery, maxSteps, outDir, seed, keepLast);
    }

    public TrainerConfig withClipNorm(double c) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, c, checkpointEvery, maxSteps, outDir, seed, keepLast);
    }

    public TrainerConfig withKeepLast(int k) {
        return new TrainerConfig(epochs, warmupEpochs, baseLr, lrRule, minLr, weightDecay, beta2, accumulation, clipNorm, checkpointEvery, maxSteps, outDir, seed, k);
    }
}
