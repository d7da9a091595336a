package io.tessera.cli;

import io.tessera.eval.downstream.Classifier;
import io.tessera.eval.downstream.EvalReport;
import io.tessera.eval.finetune.FinetuneCheckpoint;
import io.tessera.eval.probe.ProbeCheckpoint;
import io.tessera.eval.robustness.Occlusion;
import io.tessera.eval.robustness.OcclusionFigure;
import io.tessera.eval.robustness.OcclusionSweep;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Interpolation;
import io.tessera.ssl.data.ResizeCenterCrop;
import io.tessera.ssl.data.Split;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.ExecutionContext;
import picocli.CommandLine;
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

// Occlusion robustness of a probed or fine-tuned model (spec §5.4): accuracy against the fraction of
// the image hidden by a centred box, or by randomly dropped patches (PatchDrop). Meant to be mounted
// under `tessera analyze`; execute(...) runs it on its own with the CLI's one-line errors.

/** {@code tessera analyze occlusion}. */
@Command(name = "occlusion", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Occlusion robustness of a linear probe (tessera probe linear) or a fine-tuned model (tessera finetune): test top-1/top-5",
                "against the occluded fraction of the image — a centred box of the image's aspect (default), or random patches of the",
                "model's grid (PatchDrop, Naseer et al. 2021) — filled with the dataset mean (0 after normalisation) or black.",
                "Writes occlusion.json (tessera.eval/1) and occlusion.png/svg.",
                "Example: tessera analyze occlusion --checkpoint runs/pretrain-rcmae/probe-linear/probe --ratios 0,0.1,0.2,0.3,0.4,0.5"})
public final class OcclusionCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "A probe (…/probe) or fine-tune (…/finetune) checkpoint, with or without .safetensors/.json.")
    Path checkpoint;

    @Option(names = "--data", description = "Dataset (default: the one the probe or fine-tuned model was trained on); its test split is used.")
    String data;

    @Option(names = "--ratios", defaultValue = "0,0.1,0.2,0.3,0.4,0.5", split = ",", description = "Occluded fractions of the image area (default ${DEFAULT-VALUE}).")
    List<Double> ratios;

    @Option(names = "--mode", defaultValue = "center", description = "center (a centred box) or patches (random patches) (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--fill", defaultValue = "mean", description = "mean (the normalisation mean, 0 after normalising) or black (default ${DEFAULT-VALUE}).")
    String fill;

    @Option(names = "--batch", defaultValue = "128", description = "Images per forward pass (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--eval-crop", description = "Resize to size/CROP and centre-crop before occluding (MAE: 0.875). Default: the images as stored.")
    Double evalCrop;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random patches (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ComputeOptions compute;

    @Mixin
    OutputOption output;

    /** Runs this command on its own (not mounted under a parent) with one-line errors; returns the exit code. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new OcclusionCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("tessera " + cmd.getCommandName() + ": " + Main.describe(ex));
            return 1;
        });
        return cl.execute(args);
    }

    /** "Occlusion robustness (patches): linear-probe of mae checkpoint-1404, fashion-mnist test". */
    static String figureTitle(Occlusion.Mode m, Map<String, Object> source, String data) {
        Object pre = source.get("pretrain_checkpoint");
        String of = source.get("method") + (pre != null ? " " + Path.of(String.valueOf(pre)).getFileName() : "");
        return "Occlusion robustness (" + m.label() + "): " + source.get("kind") + " of " + of + ", " + data + " test";
    }

    @Override
    public Integer call() throws Exception {
        if (batch < 1) throw new IllegalArgumentException("--batch must be ≥ 1");
        long t0 = System.nanoTime();
        Path base = RunCheckpoint.base(checkpoint);
        if (!Files.exists(TrainingCheckpoint.sidecarPath(base))) {
            throw new IllegalArgumentException("no checkpoint at " + checkpoint + " (expected " + TrainingCheckpoint.sidecarPath(base).getFileName() + " and "
                    + TrainingCheckpoint.weightsPath(base).getFileName() + " beside it)");
        }
        Occlusion.Mode m = Occlusion.Mode.parse(mode);
        OcclusionSweep.Fill f = OcclusionSweep.Fill.parse(fill);
        double[] r = ratios.stream().mapToDouble(Double::doubleValue).toArray();
        Path dir = output.dir(checkpoint);
        try (ExecutionContext ctx = compute.open(seed)) {
            Map<String, Object> side = TrainingCheckpoint.readSidecar(base);
            Classifier c = load(ctx, base, side);
            String spec = data != null ? data : dataOf(side);
            Dataset test = Datasets.open(spec, Split.TEST);
            System.err.printf(Locale.ROOT, "occlusion: %s, %s occlusion at %d ratios, %d images of %s, on %s%n", c.describe(), m.label(), r.length, test.size(),
                    test.name(), ctx.backend().device());
            OcclusionSweep.Result res = OcclusionSweep.run(ctx, c, test, geometry(c.input().imageSize()), m, r, f, batch, seed, new ConsoleProgress(System.err));
            Files.createDirectories(dir);
            Map<String, Object> source = source(base, side, c);
            new EvalReport("occlusion", source, dataMap(spec, test), settings(m, f, r), Map.of("seed", seed), List.of(),
                    Map.of("points", res.pointMaps()), LinearProbeCommand.run(ctx, t0)).write(dir.resolve("occlusion.json"));
            OcclusionFigure.write(res, dir.resolve("occlusion"), figureTitle(m, source, test.name()));
            for (OcclusionSweep.Point p : res.points()) {
                System.out.printf(Locale.ROOT, "occluded %.1f%%: top-1 %.2f%%, top-5 %.2f%%%n", 100 * p.covered(), 100 * p.top1(), 100 * p.top5());
            }
            System.out.println("wrote " + dir.resolve("occlusion.json") + ", occlusion.png/svg");
        }
        return 0;
    }

    /** A probe or a fine-tuned model, by the sidecar's format. */
    private static Classifier load(ExecutionContext ctx, Path base, Map<String, Object> side) throws java.io.IOException {
        Object format = side.get("format");
        if (ProbeCheckpoint.FORMAT.equals(format)) return ProbeCheckpoint.load(ctx, base);
        if (FinetuneCheckpoint.FORMAT.equals(format)) return FinetuneCheckpoint.load(ctx, base);
        throw new IllegalArgumentException(base.getFileName() + " is neither a probe nor a fine-tune checkpoint (format " + format
                + "); run tessera probe linear or tessera finetune on a pre-training checkpoint first");
    }

    private static String dataOf(Map<String, Object> side) {
        if (side.get("source") instanceof Map<?, ?> s && s.get("data") instanceof String d) return d;
        throw new IllegalArgumentException("the checkpoint does not name its data; pass --data");
    }

    private Transform geometry(int size) {
        if (evalCrop == null) return Transform.identity();
        if (!(evalCrop > 0 && evalCrop <= 1)) throw new IllegalArgumentException("--eval-crop must be in (0, 1], got " + evalCrop);
        return new ResizeCenterCrop((int) (size / evalCrop), size, Interpolation.BICUBIC);
    }

    private static Map<String, Object> source(Path base, Map<String, Object> side, Classifier c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checkpoint", base.toAbsolutePath().toString());
        m.put("weights_sha256", String.valueOf(side.get("weights_sha256")));
        m.put("kind", String.valueOf(side.get("kind")));
        m.put("model", c.describe());
        if (side.get("source") instanceof Map<?, ?> s) {
            m.put("pretrain_checkpoint", String.valueOf(s.get("checkpoint")));
            m.put("method", String.valueOf(s.get("method")));
        }
        return m;
    }

    private Map<String, Object> dataMap(String spec, Dataset test) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", spec);
        m.put("test", test.name());
        m.put("test_size", (long) test.size());
        m.put("classes", (long) test.numClasses());
        m.put("eval_geometry", evalCrop == null ? "none (images as stored)" : "resize shorter side to size/" + evalCrop + " (bicubic), centre crop");
        return m;
    }

    private static Map<String, Object> settings(Occlusion.Mode m, OcclusionSweep.Fill f, double[] r) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("mode", m.label());
        s.put("fill", f.label());
        List<Object> l = new java.util.ArrayList<>();
        for (double v : r) l.add(v);
        s.put("ratios", l);
        s.put("applied", "before normalisation; centre box round(H·√r) × round(W·√r), or round(r·L) random patches of the model's grid");
        return s;
    }
}
