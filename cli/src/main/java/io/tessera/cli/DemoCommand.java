package io.tessera.cli;

import io.tessera.eval.features.Features;
import io.tessera.eval.knn.KnnClassifier;
import io.tessera.eval.report.HtmlReport;
import io.tessera.eval.report.MaeReconstruction;
import io.tessera.eval.report.Svg;
import io.tessera.nn.checkpoint.Json;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Split;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.rcmae.RcMaeMethod;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tessera demo}: the main job on the embedded data. Pre-trains a small RC-MAE on the
 * Fashion-MNIST subset that ships with Tessera, renders reconstructions, measures k-NN accuracy
 * of the teacher's features against a randomly initialised encoder, and writes a
 * self-contained HTML report.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Pre-train a small RC-MAE on the embedded Fashion-MNIST subset (2,000 training images),",
                "then write reconstructions, a k-NN probe of the learned features and runs/demo/report.html.",
                "Takes a few minutes on a laptop CPU."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "30", description = "Pre-training epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--out", defaultValue = "runs/demo", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", converter = DeviceSpec.Converter.class, description = "Where to train and evaluate: " + DeviceSpec.HELP)
    DeviceSpec device = DeviceSpec.cpu();

    @Option(names = "--matmul", description = DeviceSpec.MATMUL_HELP)
    DeviceSpec.Matmul matmul = DeviceSpec.Matmul.TILED;

    @Override
    public Integer call() throws Exception {
        if (threads != null && (threads < 1 || threads > 4096)) throw new IllegalArgumentException("--threads must be from 1 to 4096, got " + threads);
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        long start = System.nanoTime();
        PretrainCommand pre = new PretrainCommand();
        pre.threads = t;
        pre.device = device;
        pre.matmul = matmul;
        pre.method = MethodSpec.Method.RCMAE;
        pre.model = "mini";
        pre.data = "fashion-mnist-embedded";
        pre.epochs = epochs;
        pre.batch = 64;
        pre.accum = 1;
        pre.weightDecay = 0.05;
        pre.gamma = 1.0;
        pre.lambda = 0.25;
        pre.labelSmoothing = 0.1;
        pre.momentum = 0.996;
        pre.momentumSchedule = PretrainCommand.MomentumKind.CONSTANT;
        pre.workers = 2;
        pre.seed = seed;
        pre.out = out;
        PretrainCommand.Plan plan = pre.plan();
        try (ExecutionContext ctx = device.open(t, seed, matmul)) {
            PretrainCommand.Run run = pre.run(ctx, System.err, plan);
            MaskedAutoencoder teacher = ((RcMaeMethod) run.method()).model().teacher();

            Dataset train = run.dataset(), test = Datasets.open(pre.data, Split.TEST);
            System.err.println("k-NN probe: extracting features of " + train.size() + " + " + test.size() + " images");
            KnnClassifier.Accuracy learned = knn(ctx, teacher, train, test, run);
            MaskedAutoencoder random = MaskedAutoencoder.create(ctx, run.config(), DType.F32); // same shape, initial weights
            KnnClassifier.Accuracy baseline = knn(ctx, random, train, test, run);

            BufferedImage grid;
            try (Loader l = new Loader(test, run.normalize(), new Rng(seed), Loader.Options.eval(8, 0), ctx.ops());
                 Scope s = ctx.openScope()) {
                Loader.Batch b = l.epoch(0).next();
                grid = MaeReconstruction.render(teacher, ctx.ops(), b.images(), run.normalize(), new Rng(seed).split("reconstruct"), 4);
            }
            OutputPaths.writePng(grid, out.resolve("reconstructions.png"));

            double minutes = (System.nanoTime() - start) / 6e10;
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("method", "RC-MAE (γ = 1, teacher momentum 0.996)");
            summary.put("data", train.name());
            summary.put("model", "ViT mini: width 128, 6 blocks, 4 heads, patch 4; decoder 64 × 2");
            summary.put("optimizer steps", run.result().optimizerSteps());
            summary.put("training images/s", String.format(Locale.ROOT, "%.1f", run.result().imagesPerSecond()));
            summary.put("step time", run.result().stepTimeSummary());
            summary.put("k-NN top-1, teacher features (k = 20, T = 0.07)", pct(learned.top1()));
            summary.put("k-NN top-1, random-init encoder", pct(baseline.top1()));
            summary.put("backend", ctx.backend().name());
            summary.put("wall time", String.format(Locale.ROOT, "%.1f min", minutes));

            HtmlReport report = new HtmlReport("Tessera demo: RC-MAE on Fashion-MNIST");
            report.paragraph("A small RC-MAE pre-trained from scratch on the Fashion-MNIST subset embedded in Tessera "
                    + "(Fashion-MNIST by Zalando Research, MIT licence), with the evaluation on its held-out test subset.");
            report.heading("Run").table(summary);
            report.heading("Loss").svg(lossChart(out.resolve("metrics.jsonl")));
            report.heading("Reconstructions (teacher)").paragraph("Per row: original, masked input (75% of patches removed), reconstruction, reconstruction with the visible patches pasted back.");
            report.image(grid, "reconstructions");
            report.heading("k-NN probe").table(Map.of("teacher after pre-training", pct(learned.top1()), "same architecture, random weights", pct(baseline.top1())));
            report.write(out.resolve("report.html"));

            System.out.printf(Locale.ROOT, "k-NN top-1: %.1f%% (pre-trained teacher) vs %.1f%% (random init)%n", 100 * learned.top1(), 100 * baseline.top1());
            System.out.println("report: " + out.resolve("report.html"));
            System.out.println("reconstructions: " + out.resolve("reconstructions.png"));
        }
        return 0;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static KnnClassifier.Accuracy knn(ExecutionContext ctx, MaskedAutoencoder model, Dataset train, Dataset test, PretrainCommand.Run run) {
        Features tr = Features.extract(ctx, model.encoder(), train, run.normalize(), 128);
        Features te = Features.extract(ctx, model.encoder(), test, run.normalize(), 128);
        return new KnnClassifier(ctx, tr.features(), tr.labels(), train.numClasses()).evaluate(te.features(), te.labels(), 20, 0.07);
    }

    private static String lossChart(Path metrics) throws java.io.IOException {
        List<String> lines = Files.readAllLines(metrics);
        double[] x = new double[lines.size()];
        Map<String, double[]> ys = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Map<?, ?> m = (Map<?, ?>) Json.parse(lines.get(i));
            x[i] = ((Number) m.get("step")).doubleValue();
            for (String k : new String[]{"loss", "loss_r", "loss_c"}) {
                if (m.get(k) instanceof Number n) ys.computeIfAbsent(k, key -> new double[lines.size()])[i] = n.doubleValue();
            }
        }
        List<Svg.Series> series = new ArrayList<>();
        String[] colors = {"#1f77b4", "#ff7f0e", "#2ca02c"};
        int c = 0;
        for (Map.Entry<String, double[]> e : ys.entrySet()) series.add(new Svg.Series(e.getKey(), x, e.getValue(), colors[c++ % 3]));
        return Svg.lineChart("pre-training loss (total, reconstruction L_r, consistency L_c)", "optimizer step", "loss", series, 800, 320);
    }
}
