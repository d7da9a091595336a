package io.tessera.cli;

import io.tessera.cli.MethodSpec.Method;
import io.tessera.cli.PretrainRecipe.DataIdentity;
import io.tessera.cli.PretrainRecipe.Optimisation;
import io.tessera.cli.PretrainRecipe.Teacher;
import io.tessera.nn.VitConfig;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.Split;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.rcmae.RcMae;
import io.tessera.ssl.train.LoaderSource;
import io.tessera.ssl.train.Trainer;
import io.tessera.ssl.train.TrainerConfig;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.dist.LaunchEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tessera pretrain}: self-supervised pre-training with any method. A new run resolves its
 * recipe ({@link PretrainRecipe}) from the options and their defaults; {@code --resume} takes the
 * checkpoint's recorded recipe and refuses a typed option that differs ({@link ResumeRules}).
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pre-train a ViT with a masked-image-modelling method on the CPU (Vector API, all cores) or a GPU.",
                "Writes metrics.jsonl, checkpoints (safetensors + JSON sidecar with the whole recipe) and prints step-time percentiles.",
                "With --resume every recipe option comes from the checkpoint; a typed one must match it (--reschedule allows a new --epochs).",
                "Example: tessera pretrain --method rcmae --model mini --data fashion-mnist --epochs 50"})
public final class PretrainCommand implements Callable<Integer> {
    enum MomentumKind { CONSTANT, COSINE }

    // ---- the recipe: with --resume from the checkpoint, otherwise these defaults

    @Option(names = "--method", converter = MethodConverter.class, description = "Method: mae (default), rcmae, lut, simmim, lut-simmim, supervised.")
    Method method;

    @Option(names = "--model", description = "Model: a preset micro16, micro28, mini (default), tiny32, tiny, small, base, large, huge (image size and channels follow the data), "
            + "or an official MAE name: mae_vit_base_patch16, mae_vit_large_patch16, mae_vit_huge_patch14.")
    String model;

    @Option(names = "--input-size", description = "Image side the model takes (MAE's --input_size; default: the data's, 224 for folders); training crops are resized to it.")
    Integer inputSize;

    @Option(names = "--patch", description = "Patch size (default: the preset's when it divides the image size, else 4).")
    Integer patch;

    @Option(names = "--data", description = "Dataset: fashion-mnist-embedded (default, ships with Tessera), fashion-mnist[:DIR], mnist:DIR, cifar10:DIR, cifar100:DIR, folder:DIR.")
    String data;

    @Option(names = "--epochs", description = "Epochs (default 20).")
    Integer epochs;

    @Option(names = "--warmup", description = "Warm-up epochs (default: a tenth of the epochs).")
    Double warmup;

    @Option(names = "--batch", description = "Images per micro-batch (default 64).")
    Integer batch;

    @Option(names = "--accum", description = "Micro-batches per optimizer step, gradient accumulation (default 1).")
    Integer accum;

    @Option(names = "--blr", description = "Base learning rate: peak = blr × batch × accum / 256 (LUT: blr × √(batch × accum) / 4); "
            + "default 1.5e-4 for the ImageNet presets, 5e-3 for micro16/mini/tiny32.")
    Double blr;

    @Option(names = "--lr", description = "The peak learning rate itself (MAE's --lr, absolute); instead of --blr.")
    Double lr;

    @Option(names = "--min-lr", description = "Floor the cosine decay reaches at the end (MAE's --min_lr; default 0).")
    Double minLr;

    @Option(names = "--weight-decay", description = "AdamW weight decay (default 0.05).")
    Double weightDecay;

    @Option(names = "--clip", description = "Clip the global gradient norm to this (default 0: no clipping, as MAE).")
    Double clip;

    @Option(names = "--mask-ratio", description = "Fraction of patches masked (default 0.75; SimMIM 0.6).")
    Double maskRatio;

    @Option(names = "--mask-patch", description = "SimMIM: side of a mask cell in pixels, a multiple of the patch (default: two patches when that divides the image, else one).")
    Integer maskPatch;

    @Option(names = "--no-norm-pix", description = "Reconstruct raw pixels instead of per-patch normalised ones.")
    Boolean noNormPix;

    @Option(names = "--gamma", description = "RC-MAE: weight of the consistency loss (default 1.0).")
    Double gamma;

    @Option(names = "--lambda", description = "LUT: weight of the cross-view loss (default 0.25, the ViT-B value).")
    Double lambda;

    @Option(names = "--head-hidden", description = "LUT: hidden width of the projector and predictor (default 4096 for the ImageNet presets, 4 × width for the small ones).")
    Integer headHidden;

    @Option(names = "--label-smoothing", description = "Supervised: label smoothing (default 0.1).")
    Double labelSmoothing;

    @Option(names = "--momentum", description = "Teacher EMA momentum m₀ (RC-MAE, LUT; default 0.996).")
    Double momentum;

    @Option(names = "--momentum-schedule", description = "Teacher momentum: constant or cosine (to 1 over all data iterations). Default: constant for RC-MAE (its released code), cosine for LUT.")
    MomentumKind momentumSchedule;

    @Option(names = "--teacher-mask", description = "RC-MAE: the teacher's mask, same (the student's, RC-MAE-S, default) or independent (its own draw, RC-MAE-D).")
    RcMae.TeacherMask teacherMask;

    @Option(names = "--seed", description = "Seed of every random stream (default 0).")
    Long seed;

    // ---- saving: with --resume from the checkpoint unless given

    @Option(names = "--checkpoint-every", description = "Optimizer steps between checkpoints (default 0: only at the end).")
    Integer checkpointEvery;

    @Option(names = "--save-every", description = "Also checkpoint at the end of every N epochs (default 0: none).")
    Integer saveEvery;

    @Option(names = "--keep-last", description = "Keep only the newest K checkpoints of the output directory (default 0: keep all).")
    Integer keepLast;

    @Option(names = "--log-grad-cosines", negatable = true, description = "RC-MAE: log cos(∇L_c, ∇L_r), cos(∇L_c, θ_S − θ_T) and the three norms in every step's "
            + "metrics record (an extra forward and two backward passes per step; training is unchanged). A resumed run keeps the checkpoint's choice unless given.")
    Boolean logGradCosines;

    // ---- this invocation only

    @Option(names = "--max-steps", description = "Stop after this many optimizer steps in total (default 0: run all epochs).")
    long maxSteps;

    @Option(names = "--out", description = "Output directory (default runs/pretrain-METHOD; with --resume the checkpoint's directory).")
    Path out;

    @Option(names = "--resume", description = "Continue from this checkpoint: …/checkpoint-N, checkpoint-N.safetensors or checkpoint-N.json.")
    Path resume;

    @Option(names = "--reschedule", description = "With --resume: accept a new --epochs; the learning-rate and cosine momentum schedules follow the new length from the checkpoint's step on.")
    boolean reschedule;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--device", converter = DeviceSpec.Converter.class, description = "Where to train: " + DeviceSpec.HELP)
    DeviceSpec device = DeviceSpec.cpu();

    @Option(names = "--matmul", description = DeviceSpec.MATMUL_HELP)
    DeviceSpec.Matmul matmul = DeviceSpec.Matmul.TILED;

    @Option(names = "--attention", description = DeviceSpec.ATTENTION_HELP)
    DeviceSpec.Attention attention = DeviceSpec.Attention.COMPOSED;

    @Option(names = "--precision", description = DeviceSpec.PRECISION_HELP)
    DeviceSpec.Precision precision = DeviceSpec.Precision.FP32;

    @Option(names = "--workers", description = "Data-loading threads (default 2).")
    int workers = 2;

    @Option(names = "--distributed", description = "Data-parallel training: mpi (the CPU; Open MPI, start with mpirun -np W or srun), nccl (--device cuda, one GPU per process; "
            + "start with torchrun --no-python, mpirun or srun), none, or auto (default: nccl on --device cuda and mpi on the CPU when a launcher started several processes, "
            + "else none). --batch is per process: the global batch is W × --batch; rank 0 writes the metrics and checkpoints.")
    Distributed distributed = Distributed.AUTO;

    static final class MethodConverter implements picocli.CommandLine.ITypeConverter<MethodSpec.Method> {
        @Override
        public MethodSpec.Method convert(String value) {
            try {
                return MethodSpec.Method.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** How a run saves checkpoints ({@code --checkpoint-every}, {@code --save-every}, {@code --keep-last}); a resumed run keeps them unless given. */
    record Saving(int checkpointEvery, int saveEveryEpochs, int keepLast) {
        Saving {
            if (checkpointEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be ≥ 0 optimizer steps (0: only at the end), got " + checkpointEvery);
            if (saveEveryEpochs < 0) throw new IllegalArgumentException("--save-every must be ≥ 0 epochs (0: none), got " + saveEveryEpochs);
            if (keepLast < 0) throw new IllegalArgumentException("--keep-last must be ≥ 0 checkpoints (0: all), got " + keepLast);
        }

        Saving with(Integer every, Integer epochs, Integer keep) {
            return new Saving(every != null ? every : checkpointEvery, epochs != null ? epochs : saveEveryEpochs, keep != null ? keep : keepLast);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("checkpoint_every", (long) checkpointEvery);
            m.put("save_every_epochs", (long) saveEveryEpochs);
            m.put("keep_last", (long) keepLast);
            return m;
        }

        static Saving fromJson(JsonFields f) {
            return new Saving(f.integer("checkpoint_every", 0, Integer.MAX_VALUE), f.integer("save_every_epochs", 0, Integer.MAX_VALUE), f.integer("keep_last", 0, Integer.MAX_VALUE));
        }
    }

    /**
     * What one invocation will do: the recipe, the data, how it saves, where it writes, and the
     * checkpoint it resumes (null for a new run) with a note for the console (null for none).
     */
    record Plan(PretrainRecipe recipe, Dataset dataset, Saving saving, Path out, Path resumeFrom, String note, boolean gradCosines) {
    }

    /** What a finished pre-training run leaves for callers (the demo builds on it). */
    record Run(PretrainMethod method, MaeConfig config, Trainer.Result result, Dataset dataset, Normalize normalize, Path out) {
    }

    @Override
    public Integer call() throws Exception {
        Plan plan = plan();
        Map<String, String> vars = System.getenv();
        LaunchEnvironment launch = LaunchEnvironment.fromEnvironment(vars);
        Distributed mode = distributed.resolve(launch, device.kind(), "pre-training", "train each process alone");
        if (mode == Distributed.NCCL) device = device.forLocalRank(launch.localRank(), PretrainCommand::visibleCudaDevices);
        try (ExecutionContext ctx = device.open(threadCount(), plan.recipe().seed(), matmul, attention); Collective group = mode.openOn(ctx, launch, vars)) {
            boolean writer = group.rank() == 0;
            Run run = run(ctx, writer ? System.err : new PrintStream(OutputStream.nullOutputStream()), plan, group);
            if (!writer) return 0;
            Trainer.Result r = run.result();
            String loss = r.losses().isEmpty() ? "no steps trained" : String.format(Locale.ROOT, "final loss %.4f", r.losses().getLast());
            System.out.printf(Locale.ROOT, "%s: %d steps, %s, %.1f images/s%n", run.method().name(), r.steps(), loss, r.imagesPerSecond());
            System.out.println(r.stepTimeSummary());
            System.out.println("checkpoint: " + r.lastCheckpoint());
        }
        return 0;
    }

    /** How many CUDA devices this process sees (the driver's count; CUDA_VISIBLE_DEVICES applies). */
    private static int visibleCudaDevices() {
        return io.tessera.gpu.Cuda.load(io.tessera.gpu.CudaDevice.Options.defaults().cudaLibrary()).deviceCount();
    }

    private int threadCount() {
        if (threads != null && (threads < 1 || threads > 4096)) throw new IllegalArgumentException("--threads must be from 1 to 4096, got " + threads);
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** Resolves the invocation: a new run from the options, or a resume from the checkpoint's recipe. Reads, writes nothing. */
    Plan plan() throws IOException {
        if (maxSteps < 0) throw new IllegalArgumentException("--max-steps must be ≥ 0 (0: all epochs), got " + maxSteps);
        if (workers < 0 || workers > 256) throw new IllegalArgumentException("--workers must be from 0 to 256 data-loading threads, got " + workers);
        if (reschedule && resume == null) throw new IllegalArgumentException("--reschedule applies to --resume only (a new run takes --epochs as it is)");
        Plan p = resume == null ? newRun() : resumed();
        Method m = p.recipe().method().method();
        if (m != Method.RCMAE && teacherMask != null) {
            throw new IllegalArgumentException("--teacher-mask applies to --method rcmae only (the teacher of RC-MAE), not to " + m);
        }
        if (m != Method.RCMAE && Boolean.TRUE.equals(logGradCosines)) {
            throw new IllegalArgumentException("--log-grad-cosines applies to --method rcmae only (the gradients of its L_r and L_c), not to " + m);
        }
        return p;
    }

    private Plan newRun() {
        Method m = method != null ? method : Method.MAE;
        String spec = data != null ? data : "fashion-mnist-embedded";
        String modelName = model != null ? model : "mini";
        String preset = Recipes.canonicalPreset(modelName);
        Dataset ds = Datasets.open(spec, Split.TRAIN);
        int size = inputSize(ds);
        boolean simmim = m == Method.SIMMIM || m == Method.LUT_SIMMIM;
        double ratio = maskRatio != null ? maskRatio : simmim ? 0.6 : 0.75;
        if (!(ratio >= (simmim ? Double.MIN_VALUE : 0) && ratio < 1)) {
            throw new IllegalArgumentException("--mask-ratio must be in " + (simmim ? "(0, 1)" : "[0, 1)") + " (0.75 masks three patches in four), got " + ratio);
        }
        MaeConfig cfg = Recipes.model(modelName, size, ds.channels(), patch).withMaskRatio(simmim ? 0.75 : ratio).withNormPixLoss(!Boolean.TRUE.equals(noNormPix));
        int p = cfg.encoder().patchSize();
        int cell = maskPatch != null ? maskPatch : size % (2 * p) == 0 ? 2 * p : p;
        int hidden = headHidden != null ? headHidden : Recipes.defaultHeadHidden(preset, cfg.encoder().width());
        if (m != Method.RCMAE && teacherMask != null) {
            throw new IllegalArgumentException("--teacher-mask applies to --method rcmae only (the teacher of RC-MAE), not to " + m);
        }
        MethodSpec spec0 = new MethodSpec(m, cfg, or(gamma, 1.0), or(lambda, 0.25), hidden, cell, simmim ? ratio : 0.6, or(labelSmoothing, 0.1),
                m == Method.SUPERVISED ? ds.numClasses() : 0, or(teacherMask, RcMae.TeacherMask.SAME));
        if (lr != null && !(lr > 0 && lr < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("--lr must be a finite number > 0 (e.g. 2.4e-3), got " + lr);
        int e = or(epochs, 20);
        double base = blr != null ? blr : lr != null ? 0 : Recipes.defaultBlr(preset);
        Optimisation o = new Optimisation(e, warmup != null ? warmup : Math.max(0, e / 10.0), or(batch, 64), or(accum, 1), base, lr != null ? lr : 0,
                or(minLr, 0.0), or(weightDecay, 0.05), or(clip, 0.0));
        Teacher teacher = new Teacher(or(momentum, 0.996), momentumSchedule != null ? momentumSchedule : m == Method.RCMAE ? MomentumKind.CONSTANT : MomentumKind.COSINE);
        PretrainRecipe recipe = new PretrainRecipe(spec0, preset, DataIdentity.of(spec, ds), o, teacher, or(seed, 0L), java.util.List.of());
        requireFits(recipe, ds);
        Saving saving = new Saving(0, 0, 0).with(checkpointEvery, saveEvery, keepLast);
        return new Plan(recipe, ds, saving, out != null ? out : Path.of("runs", "pretrain-" + m), null, null, Boolean.TRUE.equals(logGradCosines));
    }

    private int inputSize(Dataset ds) {
        if (inputSize != null) {
            if (inputSize < 1 || inputSize > VitConfig.MAX_IMAGE_SIZE) {
                throw new IllegalArgumentException("--input-size must be from 1 to " + VitConfig.MAX_IMAGE_SIZE + " pixels, got " + inputSize);
            }
            return inputSize;
        }
        if (ds.height() != ds.width()) throw new IllegalArgumentException("pre-training takes square images; " + ds.name() + " has " + ds.shapeString() + ": give --input-size");
        return ds.height();
    }

    private static void requireFits(PretrainRecipe r, Dataset ds) {
        Optimisation o = r.optim();
        if ((long) o.batch() * o.accum() > ds.size()) {
            throw new IllegalArgumentException("--batch " + o.batch() + " × --accum " + o.accum() + " takes " + (long) o.batch() * o.accum() + " images per optimizer step; "
                    + ds.name() + " has " + ds.size() + ": give a smaller --batch or --accum");
        }
        double peak = o.peakLr(r.lrRule());
        if (o.minLr() > peak) {
            throw new IllegalArgumentException("--min-lr " + ResumeRules.fmt(o.minLr()) + " is above the peak learning rate " + ResumeRules.fmt(peak) + "; give a smaller --min-lr");
        }
    }

    private Plan resumed() throws IOException {
        Path base = RunCheckpoint.base(resume);
        Path sidecar = TrainingCheckpoint.sidecarPath(base);
        if (!Files.exists(sidecar)) {
            throw new IllegalArgumentException("--resume " + resume + ": no checkpoint there (expected " + sidecar.getFileName() + " and "
                    + TrainingCheckpoint.weightsPath(base).getFileName() + ")");
        }
        Map<String, Object> side = TrainingCheckpoint.readSidecar(base);
        long done = TrainingCheckpoint.trainingSteps(side, base);
        PretrainRecipe recipe = ResumeRules.resolve(PretrainRecipe.fromSidecar(side, sidecar), given(), reschedule, base.toString(), done);
        Dataset ds = Datasets.open(recipe.data().spec(), Split.TRAIN);
        recipe.data().requireSame(ds, base.toString());
        JsonFields pre = JsonFields.of(side, sidecar).object("pretrain");
        Saving saving = (pre.has("saving") ? Saving.fromJson(pre.object("saving")) : new Saving(0, 0, 0)).with(checkpointEvery, saveEvery, keepLast);
        // steps per epoch at the global batch: a run of W processes (recorded in the sidecar; the trainer
        // refuses to continue it on another number) takes W·batch images per micro-step
        JsonFields top = JsonFields.of(side, sidecar);
        long world = top.has("world_size") ? top.longInteger("world_size", 1, Integer.MAX_VALUE) : 1;
        long perEpoch = (ds.size() / (recipe.optim().batch() * world)) / recipe.optim().accum();
        ResumeRules.requireStepsLeft(recipe, done, perEpoch, maxSteps, base.toString());
        String note = null;
        if (pre.has("execution") && pre.object("execution").has("device")) {
            String was = pre.object("execution").string("device");
            if (!was.equals(device.toString())) {
                note = "note: " + base.getFileName() + " was trained on " + was + "; continuing on " + device + " with the same recipe "
                        + "(the numbers follow this device's rounding, not bitwise those of an uninterrupted run)";
            }
        }
        Path dir = base.toAbsolutePath().getParent();
        JsonFields tc = JsonFields.of(side, sidecar);
        boolean recordedCosines = tc.has("trainer_config") && tc.object("trainer_config").has("grad_cosines") && tc.object("trainer_config").bool("grad_cosines");
        return new Plan(recipe, ds, saving, out != null ? out : dir, base, note, logGradCosines != null ? logGradCosines : recordedCosines);
    }

    /** The recipe options typed on the command line, by flag, in the form of {@link PretrainRecipe#flags()}. */
    private Map<String, Object> given() {
        Map<String, Object> g = new LinkedHashMap<>();
        put(g, "--method", method == null ? null : method.toString());
        put(g, "--model", model == null ? null : Recipes.canonicalPreset(model));
        put(g, "--input-size", inputSize);
        put(g, "--patch", patch);
        put(g, "--data", data == null ? null : DataIdentity.canonicalSpec(data));
        put(g, "--epochs", epochs);
        put(g, "--warmup", warmup);
        put(g, "--batch", batch);
        put(g, "--accum", accum);
        put(g, "--blr", blr);
        put(g, "--lr", lr);
        put(g, "--min-lr", minLr);
        put(g, "--weight-decay", weightDecay);
        put(g, "--clip", clip);
        put(g, "--mask-ratio", maskRatio);
        put(g, "--mask-patch", maskPatch);
        put(g, "--no-norm-pix", noNormPix);
        put(g, "--gamma", gamma);
        put(g, "--lambda", lambda);
        put(g, "--head-hidden", headHidden);
        put(g, "--label-smoothing", labelSmoothing);
        put(g, "--momentum", momentum);
        put(g, "--momentum-schedule", momentumSchedule == null ? null : JsonFields.choiceName(momentumSchedule));
        put(g, "--teacher-mask", teacherMask == null ? null : JsonFields.choiceName(teacherMask));
        put(g, "--seed", seed);
        return g;
    }

    private static void put(Map<String, Object> m, String flag, Object v) {
        if (v != null) m.put(flag, v);
    }

    private static <T> T or(T v, T otherwise) {
        return v != null ? v : otherwise;
    }

    /** Trains the plan on {@code ctx}; the console gets the run's header and progress. */
    Run run(ExecutionContext ctx, PrintStream console, Plan plan) throws IOException {
        return run(ctx, console, plan, Collective.single());
    }

    /** Trains the plan on {@code ctx} as one rank of {@code group} (its shard of every global batch). */
    Run run(ExecutionContext ctx, PrintStream console, Plan plan, Collective group) throws IOException {
        int world = group.worldSize();
        PretrainRecipe r = plan.recipe();
        Dataset ds = plan.dataset();
        MethodSpec spec = r.method();
        Optimisation o = r.optim();
        if (device.kind() == DeviceSpec.Kind.CPU) HeapBudget.require(HeapBudget.trainingBytes(spec), spec.parameterLowerBound(), "the " + spec.describe(), true);
        Path dir = OutputPaths.requireWritableDirectory(plan.out(), "--out");
        long iterations = (long) o.epochs() * (ds.size() / ((long) o.batch() * world)); // data iterations: what LUT's momentum cosine runs over
        PretrainMethod m = spec.build(ctx, r.teacher().over(iterations));
        Normalize norm = Recipes.normalizeFor(r.data().spec(), ds);
        Saving s = plan.saving();
        TrainerConfig tc = new TrainerConfig(o.epochs(), o.warmup(), o.blr(), r.lrRule(), o.minLr(), o.weightDecay(), 0.95, o.accum(), o.clip(),
                s.checkpointEvery(), maxSteps, dir, r.seed(), s.keepLast(), o.lr(), s.saveEveryEpochs(), plan.gradCosines());
        Map<String, Object> info = new LinkedHashMap<>();
        MaeConfig cfg = spec.model();
        if (spec.method() == Method.MAE || spec.method() == Method.RCMAE || spec.method() == Method.LUT) info.put("model", cfg.toMap());
        else info.put("encoder", cfg.toMap()); // the decoder fields do not apply; the ViT fields do
        info.put("model_preset", r.preset());
        info.put("method_config", spec.toMap());
        info.put("data", r.data().spec());
        Map<String, Object> pre = r.toMap(iterations);
        pre.put("saving", s.toMap());
        Map<String, Object> exec = new LinkedHashMap<>();
        exec.put("device", device.toString());
        exec.put("matmul", JsonFields.choiceName(matmul));
        exec.put("attention", JsonFields.choiceName(attention));
        exec.put("precision", JsonFields.choiceName(precision));
        exec.put("threads", (long) threadCount());
        exec.put("workers", (long) workers);
        exec.put("processes", (long) world);
        exec.put("max_steps", maxSteps);
        pre.put("execution", exec);
        info.put("pretrain", pre);
        int size = cfg.encoder().imageSize();
        var views = spec.method().twoViews() ? Recipes.lutViews(size, norm) : Recipes.maeViews(size, norm);
        try (LoaderSource src = new LoaderSource(ds, views, new Rng(r.seed()).split("data"), o.batch(), workers, ctx.ops(), group.rank(), world)) {
            Trainer trainer = new Trainer(ctx, m, src, tc, info, console, System.console() != null, group).autocast(precision.autocast());
            if (plan.resumeFrom() != null) trainer.resume(plan.resumeFrom(), reschedule);
            if (plan.note() != null) console.println(plan.note());
            console.printf(Locale.ROOT, "%s on %s: %s, %d trainable parameters, peak lr %.3g, %d steps/epoch, %s%n", m.name(), ds.name(),
                    r.preset(), m.trainable().trainableCount(), trainer.peakLr(), trainer.stepsPerEpoch(), ctx.backend().name() + " on " + ctx.backend().device()
                    + matmulName(ctx.backend()) + (precision == DeviceSpec.Precision.FP32 ? "" : ", " + JsonFields.choiceName(precision) + " autocast") + (world > 1 ? ", " + world + " processes × batch " + o.batch() + transport(group) : ""));
            Trainer.Result result = trainer.run();
            return new Run(m, cfg, result, ds, norm, dir);
        }
    }

    /** " over NCCL X.Y.Z" or " over MPI" for the group's engine. */
    private static String transport(Collective group) {
        return switch (group) {
            case io.tessera.gpu.nccl.NcclCollective n -> " over NCCL " + n.libraryVersion();
            case io.tessera.gpu.mpi.MpiCollective m -> " over MPI";
            default -> "";
        };
    }

    /** ", matmul ENGINE" (and ", attention fused" with that engine) for a GPU backend, nothing on the CPU. */
    private static String matmulName(io.tessera.tensor.spi.Backend backend) {
        String attention = backend.fusedAttention() ? ", attention fused" : "";
        return switch (backend) {
            case io.tessera.gpu.ClBackend cl -> ", matmul " + cl.matmulEngine().name().toLowerCase(Locale.ROOT) + attention;
            case io.tessera.gpu.CudaBackend cu -> ", matmul " + cu.matmulEngine().name().toLowerCase(Locale.ROOT) + attention;
            default -> "";
        };
    }
}
