package io.tessera.ssl.train;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.tensor.io.AtomicFiles;
import io.tessera.nn.optim.AdamW;
import io.tessera.nn.optim.LossScaler;
import io.tessera.nn.optim.LrSchedule;
import io.tessera.nn.optim.ParamGroups;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.ConsistencyObjective;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.dist.Collective;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pre-training loop, shared by every method: per micro-batch a scope and a tape, the
 * method's loss divided by the accumulation count, backward; per optimizer step the learning
 * rate of the fractional epoch (set on the first micro-step of the window, as MAE does), an
 * optional global-norm clip, AdamW with MAE's groups, then the method's post-step hook (EMA
 * teachers). Every step's random stream is derived from (seed, global micro-step), and the
 * data order from (seed, epoch), so a resumed run reproduces an uninterrupted one bit for bit
 * on the CPU. A NaN or infinite loss or gradient stops the run with the step and learning
 * rate; checkpoints already written stay intact. Every checkpoint records the trainer's whole
 * configuration ({@code trainer_config}), the batch size and the batches per epoch, and a resume
 * refuses a checkpoint trained with other settings (see {@link #resume(Path, boolean)}). A resumed
 * run cuts metrics.jsonl back to the checkpoint's step and removes the temporary files of an
 * interrupted checkpoint save; with {@code keepLast} only the newest checkpoints are kept. With
 * {@link TrainerConfig#gradCosines()} a method that is a {@link ConsistencyObjective} also gets the
 * {@link GradientCosines} of each optimizer step logged, measured before the step on the window's
 * first micro-batch with that micro-batch's stream; the measurement leaves the trajectory bit for bit
 * as it is without it (its time is part of {@code step_ms}).
 *
 * <p>Data-parallel on the CPU: given a {@link Collective} of W processes and a {@link BatchSource}
 * sharded the same way, every rank starts from rank 0's parameters and buffers (broadcast), takes
 * its slice of each global batch, and all-reduces the mean of the flat gradient before the norm,
 * clipping and AdamW, so every rank takes the same step and updates its EMA teachers alike. The
 * logged loss is the mean over ranks; only rank 0 writes metrics and checkpoints, whose sidecar
 * records {@code world_size}; the batch-size rule of the learning rate sees the global batch.
 * Every method masks (and drops paths of) a slice as one process does those images of the global
 * batch ({@link PretrainMethod#drawsRowsFromFirstSample()}; a method that does not gets its own
 * child of the step stream per rank), and the method is given the group
 * ({@link PretrainMethod#useProcessGroup}) so that LUT's BatchNorms take the global batch's
 * statistics: a W-rank run takes one process's steps at the global batch, up to the order of
 * float sums. A resume on another world size is refused (the recorded per-rank batch and shard
 * layout would no longer describe the run).
 */
public final class Trainer {
    /** What a finished run reports; {@code steps} counts the steps a float16 loss scaler skipped too. */
    public record Result(long steps, List<Double> losses, double imagesPerSecond, Histogram stepNanos, Path lastCheckpoint) {
        /** "p50 … p90 … p99 … max …" in milliseconds. */
        public String stepTimeSummary() {
            if (stepNanos.getTotalCount() == 0) return "no steps";
            return String.format(Locale.ROOT, "step time p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%d steps)",
                    stepNanos.getValueAtPercentile(50) / 1e6, stepNanos.getValueAtPercentile(90) / 1e6,
                    stepNanos.getValueAtPercentile(99) / 1e6, stepNanos.getMaxValue() / 1e6, stepNanos.getTotalCount());
        }
    }

    /** File names of checkpoints in the output directory: {@code checkpoint-STEP.json / .safetensors}. */
    public static final String CHECKPOINT_PREFIX = "checkpoint-";
    private static final Pattern CHECKPOINT_FILE = Pattern.compile(Pattern.quote(CHECKPOINT_PREFIX) + "([0-9]+)\\.(?:json|safetensors)");

    private final ExecutionContext ctx;
    private final PretrainMethod method;
    private final BatchSource data;
    private final TrainerConfig cfg;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final Map<String, Object> runInfo;
    private final PrintStream console;
    private final boolean interactive;
    private final ConsistencyObjective cosines; // null unless gradient cosines are logged
    private final Collective group;
    private DType autocast;   // null: float32 throughout
    private LossScaler scaler; // float16 autocast only
    private long steps;       // optimizer steps run, skipped ones included (the optimizer counts the updates it made)
    private long microStep;   // global micro-batch counter
    private int startEpoch;
    private int startBatch;
    private Path lastCheckpoint;
    private long lastCheckpointStep = -1;
    private int posEpoch;     // where the next optimizer step starts
    private int posBatch;

    /**
     * @param runInfo what the sidecar should record about the run (method, model config,
     *                data); written with every checkpoint
     */
    public Trainer(ExecutionContext ctx, PretrainMethod method, BatchSource data, TrainerConfig cfg,
                   Map<String, Object> runInfo, PrintStream console, boolean interactive) {
        this(ctx, method, data, cfg, runInfo, console, interactive, Collective.single());
    }

    /**
     * A data-parallel trainer: {@code group} is the process group, {@code data} this rank's shard
     * ({@link BatchSource#worldSize()} must be the group's size). The trainer does not close the group.
     */
    public Trainer(ExecutionContext ctx, PretrainMethod method, BatchSource data, TrainerConfig cfg,
                   Map<String, Object> runInfo, PrintStream console, boolean interactive, Collective group) {
        if (data.worldSize() != group.worldSize()) {
            throw new IllegalArgumentException("the data is sharded over " + data.worldSize() + " process(es) but the group has " + group.worldSize());
        }
        if (group.worldSize() > 1 && cfg.gradCosines()) {
            throw new IllegalArgumentException("gradient cosines are measured on one process only; drop them or train on one process");
        }
        this.group = group;
        this.ctx = ctx;
        this.method = method;
        this.data = data;
        this.cfg = cfg;
        this.runInfo = new LinkedHashMap<>(runInfo);
        this.console = console;
        this.interactive = interactive;
        ParameterStore store = method.trainable();
        this.optimizer = new AdamW(store, ParamGroups.pretrain(), 0.9, cfg.beta2(), 1e-8, cfg.weightDecay());
        int effectiveBatch = data.batchSize() * group.worldSize() * cfg.accumulation();
        this.schedule = new LrSchedule(cfg.peakLr(effectiveBatch), cfg.minLr(), cfg.warmupEpochs(), cfg.epochs());
        if (cfg.gradCosines() && !(method instanceof ConsistencyObjective)) {
            throw new IllegalArgumentException("gradient cosines need a method with a reconstruction and a consistency term (RC-MAE); " + method.name() + " has none");
        }
        this.cosines = cfg.gradCosines() ? (ConsistencyObjective) method : null;
        if (data.batchesPerEpoch() < cfg.accumulation()) {
            throw new IllegalArgumentException("an epoch has " + data.batchesPerEpoch() + " batches, fewer than the " + cfg.accumulation() + " accumulation steps");
        }
    }

    /** The peak learning rate after the batch-size rule. */
    public double peakLr() {
        return schedule.peak();
    }

    /** Optimizer steps per epoch (incomplete accumulation windows at the end of an epoch are dropped). */
    public int stepsPerEpoch() {
        return data.batchesPerEpoch() / cfg.accumulation();
    }

    /** Continues from a checkpoint written by this trainer with the same settings: {@link #resume(Path, boolean) resume(base, false)}. */
    public void resume(Path base) throws IOException {
        resume(base, false);
    }

    /**
     * Continues from a checkpoint written by a trainer with the same method, batch size, batches
     * per epoch and recipe ({@link TrainerConfig#recipeDifferences}); anything else is refused
     * before a value is loaded, naming each recorded and current setting. With
     * {@code newSchedule} the number of epochs may differ: the learning-rate schedule then
     * follows the new length from the checkpoint's step on (the steps already taken keep theirs).
     */
    public void resume(Path base, boolean newSchedule) throws IOException {
        requireSameRun(base, TrainingCheckpoint.readSidecar(base), newSchedule);
        Map<String, Object> side = TrainingCheckpoint.load(base, method.stores(), roleOf(method.trainable()), optimizer.state());
        optimizer.setSteps(TrainingCheckpoint.requireLong(side, "optimizer_steps", base, 0, Long.MAX_VALUE));
        // steps skipped by the loss scaler are steps of the run but not updates of the optimizer
        steps = TrainingCheckpoint.trainingSteps(side, base);
        if (scaler != null && side.get("loss_scaler") instanceof Map<?, ?> ls) {
            JsonFields f = JsonFields.of(ls, TrainingCheckpoint.sidecarPath(base));
            try {
                scaler.restore(f.real("scale"), f.longInteger("growth_tracker", 0, Integer.MAX_VALUE));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot resume " + base + ": its loss_scaler: " + e.getMessage());
            }
        }
        microStep = TrainingCheckpoint.requireLong(side, "micro_step", base, 0, Long.MAX_VALUE);
        startEpoch = posEpoch = (int) TrainingCheckpoint.requireLong(side, "resume_epoch", base, 0, Integer.MAX_VALUE);
        startBatch = posBatch = (int) TrainingCheckpoint.requireLong(side, "resume_batch", base, 0, Integer.MAX_VALUE);
        lastCheckpoint = base;
        lastCheckpointStep = steps;
    }

    private void requireSameRun(Path base, Map<String, Object> side, boolean newSchedule) {
        JsonFields f = JsonFields.of(side, TrainingCheckpoint.sidecarPath(base));
        if (!f.has("trainer_config")) {
            throw new IllegalArgumentException("cannot resume " + base + ": its sidecar records no trainer_config (an older Tessera wrote it), "
                    + "so the settings it was trained with cannot be checked; start a new run");
        }
        TrainerConfig recorded = TrainerConfig.fromJson(f.object("trainer_config"), cfg.outDir());
        List<String> d = new ArrayList<>(cfg.recipeDifferences(recorded, newSchedule));
        String was = f.has("method") ? f.string("method") : "?";
        if (!was.equals(method.name())) d.addFirst("method " + was + " → " + method.name());
        long batch = f.longInteger("batch_size", 1, Integer.MAX_VALUE), per = f.longInteger("batches_per_epoch", 1, Integer.MAX_VALUE);
        long world = f.has("world_size") ? f.longInteger("world_size", 1, Integer.MAX_VALUE) : 1;
        if (world != group.worldSize()) d.add("processes " + world + " → " + group.worldSize());
        if (batch != data.batchSize()) d.add("batch size " + batch + " → " + data.batchSize());
        if (per != data.batchesPerEpoch()) d.add("batches per epoch " + per + " → " + data.batchesPerEpoch());
        if (!d.isEmpty()) {
            throw new IllegalArgumentException("cannot resume " + base + " with other settings than it was trained with (" + String.join(", ", d)
                    + "); a resumed run keeps every setting that decides its numbers");
        }
    }

    /**
     * Runs every forward pass (the method's losses, teachers included) under
     * {@link ExecutionContext#autocast} with {@code lowPrecision} (BF16 or F16), or in float32 when
     * null, the default. Backward follows what the forward recorded; parameters, gradients, the
     * optimizer and the EMA updates stay float32, as torch.cuda.amp's recipe has them. F16 brings
     * dynamic loss scaling ({@link LossScaler}, GradScaler's defaults), as MAE's and RC-MAE's
     * recipe: backward on the scaled loss, the gradients unscaled before the norm, clipping and
     * AdamW, and a step whose gradients are not finite skipped (no update, the scale halved; the
     * method's post-step hook still runs, as the reference engines update their teachers after
     * every scaler step). The scaler's state is saved with each checkpoint and restored by a later
     * {@link #resume}, so the precision is chosen first.
     */
    public Trainer autocast(DType lowPrecision) {
        if (lowPrecision != null && !lowPrecision.isHalf()) throw new IllegalArgumentException("autocast runs in BF16 or F16, got " + lowPrecision);
        if (lastCheckpoint != null) throw new IllegalStateException("choose the precision before resume(), which restores a float16 run's loss scale");
        this.autocast = lowPrecision;
        this.scaler = lowPrecision == DType.F16 ? new LossScaler() : null;
        return this;
    }

    /** The dynamic loss scaler of float16 autocast, or null. */
    public LossScaler lossScaler() {
        return scaler;
    }

    /** Runs to the end (or to {@code maxSteps}); returns the per-step losses and timings. */
    public Result run() throws IOException {
        Ops ops = ctx.ops();
        Rng root = new Rng(cfg.seed()).split("train");
        int perEpoch = stepsPerEpoch(), accum = cfg.accumulation();
        long totalSteps = (long) perEpoch * cfg.epochs();
        if (cfg.maxSteps() > 0) totalSteps = Math.min(totalSteps, cfg.maxSteps());
        Histogram hist = new Histogram(3_600_000_000_000L, 3);
        List<Double> losses = new ArrayList<>();
        Progress progress = new Progress(console, "img", totalSteps, interactive);
        long images = 0, startNanos = System.nanoTime();
        method.train(true);
        boolean writer = group.rank() == 0;
        method.useProcessGroup(group);
        synchronizeStores();
        if (writer) {
            int stale = AtomicFiles.removeTemporaries(cfg.outDir(), CHECKPOINT_PREFIX);
            if (stale > 0) console.println("removed " + stale + " temporary file(s) of an interrupted checkpoint save in " + cfg.outDir());
        }
        int world = group.worldSize();
        try (MetricsLog log = writer ? MetricsLog.continueAfter(cfg.outDir().resolve("metrics.jsonl"), steps) : null) {
            for (int epoch = startEpoch; epoch < cfg.epochs() && steps < totalSteps; epoch++) {
                int first = epoch == startEpoch ? startBatch : 0;
                Iterator<Batch> it = data.epoch(epoch, first);
                for (int b = first; b + accum <= perEpoch * accum && steps < totalSteps; b += accum) {
                    long t0 = System.nanoTime();
                    double lr = schedule.at(epoch, b / accum, perEpoch);
                    double loss = 0;
                    Map<String, Double> parts = new LinkedHashMap<>();
                    Map<String, Object> cos = Map.of();
                    method.trainable().zeroGrad();
                    float lossScale = scaler == null ? 1f : scaler.scale();
                    for (int micro = 0; micro < accum; micro++) {
                        Batch batch = it.next();
                        if (micro == 0 && cosines != null) cos = GradientCosines.measure(ctx, method.trainable(), cosines, batch, root.split(microStep));
                        try (Scope step = ctx.openScope(); Tape tape = ctx.record()) {
                            StepLosses l;
                            try (ExecutionContext.Autocast ac = autocast == null ? null : ctx.autocast(autocast)) {
                                l = method.forward(ops, batch, stepStream(root));
                            }
                            double value = l.total().item();
                            if (!Double.isFinite(value)) throw nonFinite("loss is " + value, lr);
                            double factor = (double) lossScale / accum; // a power of two times 1/accum: the scaling is exact
                            tape.backward(factor == 1 ? l.total() : ops.scale(l.total(), factor));
                            loss += value / accum;
                            for (Map.Entry<String, Tensor> e : l.parts().entrySet()) parts.merge(e.getKey(), e.getValue().item() / accum, Double::sum);
                        }
                        microStep++;
                        images += (long) batch.size() * world;
                    }
                    if (world > 1) {
                        group.allReduceMean(method.trainable().gradients());
                        double[] reported = new double[1 + parts.size()];
                        reported[0] = loss;
                        int k = 1;
                        for (double v : parts.values()) reported[k++] = v;
                        group.allReduceMean(reported);
                        loss = reported[0];
                        k = 1;
                        for (Map.Entry<String, Double> e : parts.entrySet()) e.setValue(reported[k++]);
                    }
                    if (scaler != null) scaler.unscale(method.trainable().gradients());
                    double gradNorm = gradNorm();
                    boolean skipped = !Double.isFinite(gradNorm);
                    if (skipped && scaler == null) throw nonFinite("gradient norm is " + gradNorm, lr);
                    if (!skipped) {
                        if (cfg.clipNorm() > 0 && gradNorm > cfg.clipNorm()) {
                            Tensor g = method.trainable().gradients();
                            g.backend().affine(g, g, cfg.clipNorm() / (gradNorm + 1e-6), 0);
                        }
                        optimizer.step(lr);
                    }
                    if (scaler != null) scaler.update(skipped);
                    steps++;
                    // 0-based data iteration of the window's last micro-batch, as LUT's engine indexes its momentum schedule
                    method.afterOptimizerStep((long) epoch * data.batchesPerEpoch() + b + accum - 1);
                    long nanos = System.nanoTime() - t0;
                    hist.recordValue(Math.max(1, nanos));
                    losses.add(loss);
                    Map<String, Object> rec = new LinkedHashMap<>();
                    rec.put("step", steps);
                    rec.put("epoch", epoch + (double) (b / accum + 1) / perEpoch);
                    rec.put("lr", lr);
                    rec.put("loss", loss);
                    parts.forEach(rec::put);
                    if (!skipped) rec.put("grad_norm", gradNorm); // JSON holds no infinity; "skipped" says why it is absent
                    if (scaler != null) {
                        rec.put("loss_scale", (double) lossScale);
                        rec.put("skipped", skipped);
                    }
                    rec.putAll(cos);
                    rec.put("step_ms", nanos / 1e6);
                    if (writer) log.write(rec);
                    if (writer) progress.update(steps, images, String.format(Locale.ROOT, "epoch %d  loss %.4f  lr %.2e", epoch + 1, loss, lr));
                    int nextBatch = b + accum;
                    boolean epochEnd = nextBatch + accum > perEpoch * accum;
                    posEpoch = epochEnd ? epoch + 1 : epoch;
                    posBatch = epochEnd ? 0 : nextBatch;
                    boolean stepSave = cfg.checkpointEvery() > 0 && steps % cfg.checkpointEvery() == 0;
                    boolean epochSave = epochEnd && cfg.saveEveryEpochs() > 0 && (epoch + 1) % cfg.saveEveryEpochs() == 0;
                    if (stepSave || epochSave) checkpoint();
                }
            }
        }
        if (lastCheckpointStep != steps) checkpoint();
        if (world > 1) group.barrier(); // no rank leaves before rank 0's last checkpoint is written
        double secs = (System.nanoTime() - startNanos) / 1e9;
        return new Result(steps, losses, images / Math.max(secs, 1e-9), hist, lastCheckpoint);
    }

    /**
     * The stream of the current micro-step: the same on every rank for a method that skips to its
     * slice's rows, else a child per rank (see {@link PretrainMethod#drawsRowsFromFirstSample()}).
     */
    private Rng stepStream(Rng root) {
        Rng s = root.split(microStep);
        return group.worldSize() == 1 || method.drawsRowsFromFirstSample() ? s : s.split("rank-" + group.rank());
    }

    /** Every store's parameters and buffers from rank 0, so that all ranks start from one model. */
    private void synchronizeStores() {
        if (group.worldSize() == 1) return;
        for (ParameterStore store : method.stores().values()) {
            group.broadcast(store.values(), 0);
            if (store.bufferCount() > 0) group.broadcast(store.bufferValues(), 0);
        }
    }

    private double gradNorm() {
        Ops ops = ctx.ops();
        try (Scope s = ctx.openScope()) {
            return Math.sqrt(ops.sum(ops.square(method.trainable().gradients())).item());
        }
    }

    private NonFiniteLossException nonFinite(String what, double lr) {
        return new NonFiniteLossException(what, steps + 1, lr, lastCheckpoint == null ? null : lastCheckpoint.toString());
    }

    private void checkpoint() throws IOException {
        if (group.rank() != 0) {
            lastCheckpointStep = steps; // rank 0 writes it; this rank keeps the same bookkeeping
            lastCheckpoint = cfg.outDir().resolve(CHECKPOINT_PREFIX + steps);
            return;
        }
        Path base = cfg.outDir().resolve(CHECKPOINT_PREFIX + steps);
        Map<String, Object> side = new LinkedHashMap<>(runInfo);
        side.put("method", method.name());
        side.put("trainer_config", cfg.toMap());
        side.put("batch_size", (long) data.batchSize());
        side.put("world_size", (long) group.worldSize());
        side.put("batches_per_epoch", (long) data.batchesPerEpoch());
        side.put("steps", steps);
        side.put("optimizer_steps", optimizer.steps());
        side.put("precision", autocast == null ? "fp32" : autocast == DType.BF16 ? "bf16" : "fp16");
        if (scaler != null) side.put("loss_scaler", scaler.state());
        side.put("micro_step", microStep);
        side.put("resume_epoch", (long) posEpoch);
        side.put("resume_batch", (long) posBatch);
        side.put("seed", cfg.seed());
        side.put("evaluation_role", method.evaluationRole());
        TrainingCheckpoint.save(base, method.stores(), roleOf(method.trainable()), optimizer.state(), side);
        lastCheckpoint = base;
        lastCheckpointStep = steps;
        if (cfg.keepLast() > 0) removeOldCheckpoints();
    }

    /**
     * Deletes the checkpoints of the output directory beyond the newest {@code keepLast} up to
     * the current step (later ones, left by a run this one resumed before, are not this run's).
     */
    private void removeOldCheckpoints() throws IOException {
        TreeSet<Long> steps = new TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(cfg.outDir())) {
            for (Path p : s) {
                Matcher m = CHECKPOINT_FILE.matcher(p.getFileName().toString());
                if (m.matches()) {
                    try {
                        long step = Long.parseLong(m.group(1));
                        if (step <= this.steps) steps.add(step);
                    } catch (NumberFormatException e) {
                        // digits beyond a long: not a name this trainer writes
                    }
                }
            }
        }
        int kept = 0;
        for (long step : steps.descendingSet()) {
            if (++kept > cfg.keepLast()) TrainingCheckpoint.delete(cfg.outDir().resolve(CHECKPOINT_PREFIX + step));
        }
    }

    private String roleOf(ParameterStore store) {
        for (Map.Entry<String, ParameterStore> e : method.stores().entrySet()) if (e.getValue() == store) return e.getKey();
        throw new IllegalStateException("method " + method.name() + " does not list its trainable store among its stores");
    }
}
