package io.tessera.cli;

import io.tessera.eval.downstream.AccuracyCurves;
import io.tessera.eval.downstream.EvalReport;
import io.tessera.eval.downstream.FeatureSet;
import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.downstream.WeightTransfer;
import io.tessera.eval.probe.LinearProbe;
import io.tessera.eval.probe.ProbeCheckpoint;
import io.tessera.eval.probe.ProbedModel;
import io.tessera.nn.VisionTransformer;
import io.tessera.ssl.data.HorizontalFlip;
import io.tessera.ssl.data.RandomResizedCrop;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.ExecutionContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

// `tessera probe linear`: MAE's linear probe on the frozen evaluation encoder of a pre-training
// checkpoint. Parses options and calls eval.probe; writes eval.json, the curves and the probe checkpoint.

/** {@code tessera probe linear}. */
@Command(name = "linear", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Linear probe (MAE main_linprobe): the checkpoint's evaluation encoder frozen (RC-MAE's teacher, LUT's online network),",
                "BatchNorm1d without affine (eps 1e-6) before a Linear head (trunc-normal std 0.01), cross-entropy, LARS (momentum 0.9,",
                "trust 0.001, weight decay 0, 1-D tensors exempt), lr = blr × batch / 256 with per-iteration warm-up and cosine.",
                "Features are cached once without augmentation unless --augment (the official recipe augments with RandomResizedCrop + flip).",
                "Writes eval.json, accuracy.png/svg, loss.png/svg and probe.safetensors + probe.json (encoder, pooling, BN statistics, head).",
                "LARS moves the head by about lr × 0.001 of its norm per step, so on small data raise --blr (a notice suggests a value).",
                "Example: tessera probe linear --checkpoint runs/pretrain-rcmae/checkpoint-620 --blr 10 --epochs 90"})
public final class LinearProbeCommand implements Callable<Integer> {
    @Mixin
    DownstreamOptions opts;

    @Option(names = "--epochs", defaultValue = "90", description = "Epochs (default ${DEFAULT-VALUE}, MAE ViT-B).")
    int epochs;

    @Option(names = "--batch", defaultValue = "256", description = "Batch size (default ${DEFAULT-VALUE}; MAE: 16384 on 32 GPUs). The last partial batch is dropped.")
    int batch;

    @Option(names = "--blr", defaultValue = "0.1", description = "Base learning rate; lr = blr × batch / 256 (default ${DEFAULT-VALUE}, MAE).")
    double blr;

    @Option(names = "--warmup", defaultValue = "10", description = "Warm-up epochs (default ${DEFAULT-VALUE}; capped at --epochs).")
    double warmup;

    @Option(names = "--min-lr", defaultValue = "0", description = "Floor of the cosine (default ${DEFAULT-VALUE}).")
    double minLr;

    @Option(names = "--weight-decay", defaultValue = "0", description = "LARS weight decay of the Linear weight (default ${DEFAULT-VALUE}, MAE).")
    double weightDecay;

    @Option(names = "--pooling", defaultValue = "cls", description = "cls (the cls token after the final norm: MAE's and RC-MAE's choice) or avg (global average of "
            + "the patch tokens + parameter-free LayerNorm, main_linprobe --global_pool) (default ${DEFAULT-VALUE}, for every method: the LUT code releases no probe).")
    String pooling;

    @Option(names = "--augment", description = "Run the encoder on RandomResizedCrop (scale 0.08-1, single draw) + flip for every batch, as main_linprobe; slower.")
    boolean augment;

    @Option(names = "--classes", description = "Number of classes (default: the data's); a value that does not match the data is refused.")
    Integer classes;

    @Option(names = "--feature-batch", defaultValue = "128", description = "Images per encoder pass when extracting features (default ${DEFAULT-VALUE}).")
    int featureBatch;

    /** MAE's ImageNet probe: images × epochs × blr, the scale of its total learning-rate sum. */
    static final double MAE_BUDGET = 1_281_167.0 * 90 * 0.1;

    @Override
    public Integer call() throws Exception {
        if (featureBatch < 1) throw new IllegalArgumentException("--feature-batch must be ≥ 1");
        long t0 = System.nanoTime();
        Path dir = opts.outDir("probe-linear");
        ConsoleProgress progress = new ConsoleProgress(System.err);
        try (ExecutionContext ctx = opts.open()) {
            DownstreamSource src = DownstreamSource.open(ctx, opts.checkpoint, opts.data, classes);
            LinearProbe.Settings s = new LinearProbe.Settings(epochs, batch, blr, Math.min(warmup, epochs), minLr, weightDecay, 0.9, 0.001,
                    Pooling.parse(pooling), augment, opts.seed);
            VisionTransformer encoder = WeightTransfer.standalone(ctx, src.encoder());
            int size = encoder.config().imageSize();
            Transform eval = Transform.compose(opts.evalGeometry(size), src.normalize());
            System.err.printf(Locale.ROOT, "probe linear: %s of %s (%s), %s pooling, %d × %d images of %s, lr %.4g, on %s%n", src.run().spec().describe(),
                    src.run().base().getFileName(), src.run().method().evaluationRole(), s.pooling().label(), src.train().size(), src.test().size(), src.spec(),
                    s.peakLr(), ctx.backend().device());
            double budget = (double) src.train().size() * epochs * blr;
            if (budget < MAE_BUDGET / 10) {
                System.err.printf(Locale.ROOT, "note: MAE's ImageNet probe (1.28 M images, 90 epochs, blr 0.1) moves the head %.0f× further than this run "
                        + "(LARS steps are lr × 0.001 of the weight norm); --blr %.3g matches it%n", MAE_BUDGET / budget, MAE_BUDGET / (src.train().size() * (double) epochs));
            }
            FeatureSet test = FeatureSet.extract(ctx, encoder, s.pooling(), src.test(), eval, featureBatch, opts.workers, progress, "test features");
            LinearProbe probe = new LinearProbe(ctx, encoder.config().width(), src.train().numClasses(), s);
            LinearProbe.Result r;
            if (augment) {
                Transform aug = Transform.compose(RandomResizedCrop.linearProbe(size), HorizontalFlip.half(), src.normalize());
                r = probe.trainAugmented(encoder, src.train(), aug, opts.workers, test, progress);
            } else {
                FeatureSet train = FeatureSet.extract(ctx, encoder, s.pooling(), src.train(), eval, featureBatch, opts.workers, progress, "train features");
                r = probe.train(train, test, progress);
            }
            ProbedModel model = new ProbedModel(encoder, s.pooling(), r.head(), src.normalize());
            Files.createDirectories(dir);
            Map<String, Object> provenance = src.provenance();
            provenance.put("data", src.spec());
            provenance.put("settings", s.toMap());
            ProbeCheckpoint.save(dir.resolve("probe"), model, provenance);
            EvalReport report = new EvalReport("linear-probe", src.provenance(), src.dataMap(opts.evalGeometryLabel()), s.toMap(), Map.of("seed", opts.seed),
                    r.epochs(), results(r), run(ctx, t0));
            report.write(dir.resolve("eval.json"));
            AccuracyCurves.write(r.epochs(), dir, "Linear probe (" + src.run().spec().method() + ", " + s.pooling().label() + ")");
            System.out.printf(Locale.ROOT, "linear probe: top-1 %.2f%%, top-5 %.2f%% after %d epochs (best top-1 %.2f%%)%n", 100 * r.last().top1(),
                    100 * r.last().top5(), r.epochs().size(), 100 * best(r.epochs()).top1());
            System.out.println("wrote " + dir.resolve("eval.json") + ", accuracy.png/svg, loss.png/svg, probe.safetensors + probe.json");
        }
        return 0;
    }

    static io.tessera.eval.downstream.EpochRecord best(List<io.tessera.eval.downstream.EpochRecord> epochs) {
        io.tessera.eval.downstream.EpochRecord b = epochs.get(0);
        for (var e : epochs) if (e.top1() > b.top1()) b = e;
        return b;
    }

    private static Map<String, Object> results(LinearProbe.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("top1", r.last().top1());
        m.put("top5", r.last().top5());
        m.put("test_loss", r.last().testLoss());
        m.put("best_top1", best(r.epochs()).top1());
        m.put("best_epoch", (long) best(r.epochs()).epoch());
        m.put("optimizer_steps", r.steps());
        m.put("checkpoint", "probe.safetensors");
        return m;
    }

    static Map<String, Object> run(ExecutionContext ctx, long t0) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", ctx.backend().name());
        m.put("device", String.valueOf(ctx.backend().device()));
        m.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
        String v = LinearProbeCommand.class.getPackage().getImplementationVersion();
        m.put("tessera", v == null ? "development" : v);
        return m;
    }
}
