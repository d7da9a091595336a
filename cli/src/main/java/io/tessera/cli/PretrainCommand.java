package io.tessera.cli;

import io.tessera.nn.optim.LrRule;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.Split;
import io.tessera.cli.MethodSpec.Method;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.train.LoaderSource;
import io.tessera.ssl.train.Trainer;
import io.tessera.ssl.train.TrainerConfig;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tessera pretrain}: self-supervised pre-training on the CPU with any method. */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pre-train a ViT with a masked-image-modelling method on the CPU (Vector API, all cores).",
                "Writes metrics.jsonl, checkpoints (safetensors + JSON sidecar) and prints step-time percentiles.",
                "Example: tessera pretrain --method rcmae --model mini --data fashion-mnist --epochs 50"})
public final class PretrainCommand implements Callable<Integer> {
    enum MomentumKind { CONSTANT, COSINE }

    @Option(names = "--method", defaultValue = "mae", converter = MethodConverter.class, description = "Method: mae, rcmae, lut, simmim, lut-simmim, supervised (default ${DEFAULT-VALUE}).")
    Method method;

    @Option(names = "--model", defaultValue = "mini", description = "Model preset: micro16, mini, tiny32, tiny, small, base, large, huge (default ${DEFAULT-VALUE}); image size and channels follow the data.")
    String model;

    @Option(names = "--patch", description = "Patch size (default: the preset's when it divides the image size, else 4).")
    Integer patch;

    @Option(names = "--data", defaultValue = "fashion-mnist-embedded", description = "Dataset: fashion-mnist-embedded (default, ships with Tessera), fashion-mnist[:DIR], mnist:DIR, cifar10:DIR, cifar100:DIR, folder:DIR.")
    String data;

    @Option(names = "--epochs", defaultValue = "20", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--warmup", description = "Warm-up epochs (default: a tenth of the epochs).")
    Double warmup;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--accum", defaultValue = "1", description = "Gradient accumulation steps (default ${DEFAULT-VALUE}).")
    int accum;

    @Option(names = "--blr", description = "Base learning rate; peak lr = blr × batch × accum / 256 (default: 1.5e-4 for the ImageNet presets, 5e-3 for micro16/mini/tiny32).")
    Double blr;

    @Option(names = "--weight-decay", defaultValue = "0.05", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip", defaultValue = "0", description = "Clip the global gradient norm to this (0: no clipping, as MAE).")
    double clip;

    @Option(names = "--mask-ratio", description = "Fraction of patches masked (default 0.75; SimMIM 0.6).")
    Double maskRatio;

    @Option(names = "--mask-patch", description = "SimMIM: side of a mask cell in pixels, a multiple of the patch (default: two patches when that divides the image, else one).")
    Integer maskPatch;

    @Option(names = "--no-norm-pix", description = "Reconstruct raw pixels instead of per-patch normalised ones.")
    boolean noNormPix;

    @Option(names = "--gamma", defaultValue = "1.0", description = "RC-MAE: weight of the consistency loss (default ${DEFAULT-VALUE}).")
    double gamma;

    @Option(names = "--lambda", defaultValue = "0.25", description = "LUT: weight of the cross-view loss (default ${DEFAULT-VALUE}, the ViT-B value).")
    double lambda;

    @Option(names = "--head-hidden", description = "LUT: hidden width of the projector and predictor (default 4096 for the ImageNet presets, 4 × width for the small ones).")
    Integer headHidden;

    @Option(names = "--label-smoothing", defaultValue = "0.1", description = "Supervised: label smoothing (default ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Option(names = "--momentum", defaultValue = "0.996", description = "Teacher EMA momentum (RC-MAE, LUT; default ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--momentum-schedule", description = "Teacher momentum: constant or cosine (to 1). Default: constant for RC-MAE (its released code), cosine for LUT.")
    MomentumKind momentumSchedule;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--device", defaultValue = "cpu", converter = DeviceSpec.Converter.class, description = "Where to train: " + DeviceSpec.HELP)
    DeviceSpec device;

    @Option(names = "--matmul", defaultValue = "tiled", description = DeviceSpec.MATMUL_HELP)
    DeviceSpec.Matmul matmul;

    @Option(names = "--workers", defaultValue = "2", description = "Data-loading threads (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random stream (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", description = "Output directory (default runs/pretrain-METHOD).")
    Path out;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Optimizer steps between checkpoints (0: only at the end).")
    int checkpointEvery;

    @Option(names = "--keep-last", defaultValue = "0", description = "Keep only the newest K checkpoints of the output directory (0: keep all).")
    int keepLast;

    @Option(names = "--max-steps", defaultValue = "0", description = "Stop after this many optimizer steps (0: run all epochs).")
    long maxSteps;

    @Option(names = "--resume", description = "Continue from this checkpoint (path without .safetensors/.json).")
    Path resume;

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

    /** What a finished pre-training run leaves for callers (the demo builds on it). */
    record Run(PretrainMethod method, MaeConfig config, Trainer.Result result, Dataset dataset, Normalize normalize, Path out) {
    }

    @Override
    public Integer call() throws Exception {
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (ExecutionContext ctx = device.open(t, seed, matmul)) {
            Run run = run(ctx, System.err);
            Trainer.Result r = run.result();
            System.out.printf(Locale.ROOT, "%s: %d steps, final loss %.4f, %.1f images/s%n", run.method().name(), r.optimizerSteps(),
                    r.losses().isEmpty() ? Double.NaN : r.losses().get(r.losses().size() - 1), r.imagesPerSecond());
            System.out.println(r.stepTimeSummary());
            System.out.println("checkpoint: " + r.lastCheckpoint());
        }
        return 0;
    }

    Run run(ExecutionContext ctx, java.io.PrintStream console) throws Exception {
        Dataset ds = Datasets.open(data, Split.TRAIN);
        boolean simmim = method == Method.SIMMIM || method == Method.LUT_SIMMIM;
        double ratio = maskRatio != null ? maskRatio : simmim ? 0.6 : 0.75;
        MaeConfig cfg = Recipes.model(model, ds, patch).withMaskRatio(simmim ? 0.75 : ratio).withNormPixLoss(!noNormPix);
        Normalize norm = Recipes.normalizeFor(data, ds);
        Path dir = out != null ? out : Path.of("runs", "pretrain-" + method);
        int batchesPerEpoch = ds.size() / batch;
        if (batchesPerEpoch < accum) throw new IllegalArgumentException("batch " + batch + " × accumulation " + accum + " exceeds the " + ds.size() + " images of " + ds.name());
        long totalIters = (long) epochs * (batchesPerEpoch / accum);
        MomentumKind kind = momentumSchedule != null ? momentumSchedule : method == Method.RCMAE ? MomentumKind.CONSTANT : MomentumKind.COSINE;
        MomentumSchedule teacherMomentum = kind == MomentumKind.COSINE ? MomentumSchedule.cosine(momentum, totalIters) : MomentumSchedule.constant(momentum);
        int hidden = headHidden != null ? headHidden : Recipes.defaultHeadHidden(model, cfg.encoder().width());
        var encoder = cfg.encoder();
        int p = encoder.patchSize();
        int cell = maskPatch != null ? maskPatch : encoder.imageSize() % (2 * p) == 0 ? 2 * p : p;
        MethodSpec spec = new MethodSpec(method, cfg, gamma, lambda, hidden, cell, ratio, labelSmoothing,
                method == Method.SUPERVISED ? ds.numClasses() : 0);
        PretrainMethod m = spec.build(ctx, teacherMomentum);
        boolean twoViews = method == Method.LUT || method == Method.LUT_SIMMIM;
        LrRule rule = twoViews ? LrRule.SQRT_PRETRAIN : LrRule.LINEAR;
        double base = blr != null ? blr : Recipes.defaultBlr(model);
        TrainerConfig tc = new TrainerConfig(epochs, warmup != null ? warmup : Math.max(0, epochs / 10.0), base, rule, 0,
                weightDecay, 0.95, accum, clip, checkpointEvery, maxSteps, dir, seed, keepLast);
        Map<String, Object> info = new LinkedHashMap<>();
        if (method == Method.MAE || method == Method.RCMAE || method == Method.LUT) info.put("model", cfg.toMap());
        else info.put("encoder", cfg.toMap()); // the decoder fields do not apply; the ViT fields do
        info.put("model_preset", model);
        info.put("method_config", spec.toMap());
        info.put("data", data);
        info.put("batch_size", (long) batch);
        var views = twoViews ? Recipes.lutViews(ds, norm) : Recipes.maeViews(ds, norm);
        try (LoaderSource src = new LoaderSource(ds, views, new Rng(seed).split("data"), batch, workers, ctx.ops())) {
            Trainer trainer = new Trainer(ctx, m, src, tc, info, console, System.console() != null);
            if (resume != null) trainer.resume(resume);
            console.printf(Locale.ROOT, "%s on %s: %s, %d trainable parameters, peak lr %.3g, %d steps/epoch, %s%n", m.name(), ds.name(),
                    model, m.trainable().trainableCount(), trainer.peakLr(), trainer.stepsPerEpoch(), ctx.backend().name() + " on " + ctx.backend().device()
                    + matmulName(ctx.backend()));
            Trainer.Result r = trainer.run();
            return new Run(m, cfg, r, ds, norm, dir);
        }
    }

    /** ", matmul ENGINE" for a GPU backend, nothing on the CPU. */
    private static String matmulName(io.tessera.tensor.spi.Backend backend) {
        return switch (backend) {
            case io.tessera.gpu.ClBackend cl -> ", matmul " + cl.matmulEngine().name().toLowerCase(Locale.ROOT);
            case io.tessera.gpu.CudaBackend cu -> ", matmul " + cu.matmulEngine().name().toLowerCase(Locale.ROOT);
            default -> "";
        };
    }
}
