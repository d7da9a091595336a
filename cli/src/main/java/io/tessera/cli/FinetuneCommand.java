package io.tessera.cli;

import io.tessera.eval.downstream.AccuracyCurves;
import io.tessera.eval.downstream.EvalReport;
import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.finetune.FineTuner;
import io.tessera.eval.finetune.FinetuneCheckpoint;
import io.tessera.eval.finetune.FinetunedModel;
import io.tessera.eval.finetune.LayerDecayGroups;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.optim.LrRule;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.ExecutionContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

// `tessera finetune`: MAE's end-to-end fine-tuning recipe on the evaluation encoder of a pre-training
// checkpoint. Parses options and calls eval.finetune; writes eval.json, the curves and the model.

/** {@code tessera finetune}. */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune the checkpoint's evaluation encoder end to end (MAE main_finetune): global average pooling + fresh fc_norm",
                "(or --pooling cls), head init std 2e-5, layer-wise lr decay (param_groups_lrd), drop path, AdamW (0.9, 0.999),",
                "warm-up + cosine to --min-lr; RandomResizedCrop + flip + RandAugment rand-m9-mstd0.5-inc1 + random erasing 0.25 (pixel),",
                "Mixup 0.8 / CutMix 1.0 (batch mode) with label smoothing 0.1. Writes eval.json (with the parameter groups),",
                "accuracy.png/svg, loss.png/svg and finetune.safetensors + finetune.json.",
                "Example: tessera finetune --checkpoint runs/pretrain-rcmae/checkpoint-620 --epochs 20 --batch 64"})
public final class FinetuneCommand implements Callable<Integer> {
    @Mixin
    DownstreamOptions opts;

    @Option(names = "--epochs", defaultValue = "50", description = "Epochs (default ${DEFAULT-VALUE}, main_finetune's; MAE ViT-B: 100).")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size, even for mixup (default ${DEFAULT-VALUE}; MAE: 1024). The last partial batch is dropped.")
    int batch;

    @Option(names = "--blr", defaultValue = "1e-3", description = "Base learning rate (default ${DEFAULT-VALUE}; MAE ViT-B: 5e-4).")
    double blr;

    @Option(names = "--lr-rule", description = "linear (lr = blr × batch / 256, MAE and RC-MAE) or sqrt (blr × √batch / 8, LUT). Default: sqrt for lut and lut-simmim, linear otherwise.")
    String lrRule;

    @Option(names = "--layer-decay", defaultValue = "0.75", description = "Layer-wise lr decay (default ${DEFAULT-VALUE}; MAE ViT-B: 0.65).")
    double layerDecay;

    @Option(names = "--weight-decay", defaultValue = "0.05", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--warmup", defaultValue = "5", description = "Warm-up epochs (default ${DEFAULT-VALUE}; capped at --epochs).")
    double warmup;

    @Option(names = "--min-lr", defaultValue = "1e-6", description = "Floor of the cosine (default ${DEFAULT-VALUE}).")
    double minLr;

    @Option(names = "--drop-path", defaultValue = "0.1", description = "Drop path at the last block (default ${DEFAULT-VALUE}).")
    double dropPath;

    @Option(names = "--pooling", defaultValue = "avg", description = "avg (global average pooling + fc_norm, MAE's default) or cls (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--mixup", defaultValue = "0.8", description = "Mixup α, 0 for off (default ${DEFAULT-VALUE}).")
    double mixup;

    @Option(names = "--cutmix", defaultValue = "1.0", description = "CutMix α, 0 for off (default ${DEFAULT-VALUE}).")
    double cutmix;

    @Option(names = "--smoothing", defaultValue = "0.1", description = "Label smoothing (default ${DEFAULT-VALUE}).")
    double smoothing;

    @Option(names = "--aa", defaultValue = "rand-m9-mstd0.5-inc1", description = "RandAugment policy in timm's form, or none (default ${DEFAULT-VALUE}).")
    String aa;

    @Option(names = "--reprob", defaultValue = "0.25", description = "Random-erasing probability, mode pixel (default ${DEFAULT-VALUE}).")
    double reprob;

    @Option(names = "--classes", description = "Number of classes (default: the data's); a value that does not match the data is refused.")
    Integer classes;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Path dir = opts.outDir("finetune");
        try (ExecutionContext ctx = opts.open()) {
            DownstreamSource src = DownstreamSource.open(ctx, opts.checkpoint, opts.data, classes);
            FineTuner.Settings s = new FineTuner.Settings(epochs, batch, blr, rule(src), layerDecay, weightDecay, Math.min(warmup, epochs), minLr, dropPath,
                    Pooling.parse(pooling), mixup, cutmix, smoothing, aa.equalsIgnoreCase("none") ? null : aa, reprob, opts.seed);
            FineTuner tuner = new FineTuner(ctx, s);
            VisionTransformer model = FineTuner.model(ctx, src.encoder(), src.train().numClasses(), s.pooling(), s.dropPath(), opts.seed);
            var groups = LayerDecayGroups.of(model.store(), model.config().depth(), layerDecay, weightDecay, LayerDecayGroups.NO_WEIGHT_DECAY);
            System.err.printf(Locale.ROOT, "finetune: %s of %s (%s), %s pooling, %d trainable parameters in %d groups, %d × %d images of %s, lr %.4g, on %s%n",
                    src.run().spec().describe(), src.run().base().getFileName(), src.run().method().evaluationRole(), s.pooling().label(),
                    model.store().trainableCount(), groups.size(), src.train().size(), src.test().size(), src.spec(), s.peakLr(), ctx.backend().device());
            Transform eval = Transform.compose(opts.evalGeometry(model.config().imageSize()), src.normalize());
            FineTuner.Result r = tuner.run(model, src.train(), src.normalize(), src.test(), eval, opts.workers, new ConsoleProgress(System.err));
            Files.createDirectories(dir);
            Map<String, Object> provenance = src.provenance();
            provenance.put("data", src.spec());
            provenance.put("settings", s.toMap());
            FinetuneCheckpoint.save(dir.resolve("finetune"), new FinetunedModel(r.model(), src.normalize()), provenance);
            Map<String, Object> settings = new LinkedHashMap<>(s.toMap());
            settings.put("param_groups", LayerDecayGroups.describe(groups));
            new EvalReport("finetune", src.provenance(), src.dataMap(opts.evalGeometryLabel()), settings, Map.of("seed", opts.seed), r.epochs(),
                    results(r), LinearProbeCommand.run(ctx, t0)).write(dir.resolve("eval.json"));
            AccuracyCurves.write(r.epochs(), dir, "Fine-tuning (" + src.run().spec().method() + ", " + s.pooling().label() + ")");
            System.out.printf(Locale.ROOT, "finetune: top-1 %.2f%%, top-5 %.2f%% after %d epochs (best top-1 %.2f%%)%n", 100 * r.last().top1(),
                    100 * r.last().top5(), r.epochs().size(), 100 * LinearProbeCommand.best(r.epochs()).top1());
            System.out.println("wrote " + dir.resolve("eval.json") + ", accuracy.png/svg, loss.png/svg, finetune.safetensors + finetune.json");
        }
        return 0;
    }

    private LrRule rule(DownstreamSource src) {
        if (lrRule == null) return src.run().spec().method().twoViews() ? LrRule.SQRT_FINETUNE : LrRule.LINEAR;
        return switch (lrRule.toLowerCase(Locale.ROOT)) {
            case "linear" -> LrRule.LINEAR;
            case "sqrt" -> LrRule.SQRT_FINETUNE;
            default -> throw new IllegalArgumentException("--lr-rule must be linear or sqrt, got " + lrRule);
        };
    }

    private static Map<String, Object> results(FineTuner.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("top1", r.last().top1());
        m.put("top5", r.last().top5());
        m.put("test_loss", r.last().testLoss());
        m.put("best_top1", LinearProbeCommand.best(r.epochs()).top1());
        m.put("best_epoch", (long) LinearProbeCommand.best(r.epochs()).epoch());
        m.put("optimizer_steps", r.steps());
        m.put("checkpoint", "finetune.safetensors");
        return m;
    }
}
