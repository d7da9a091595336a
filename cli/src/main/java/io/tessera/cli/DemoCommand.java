package io.tessera.cli;

import io.tessera.eval.features.Features;
import io.tessera.eval.knn.KnnClassifier;
import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.LineCharts;
import io.tessera.eval.report.HtmlReport;
import io.tessera.eval.report.MaeReconstruction;
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
            KnnCurve learnedCurve = knn(ctx, teacher, train, test, run);
            MaskedAutoencoder random = MaskedAutoencoder.create(ctx, run.config(), DType.F32); // same shape, initial weights
            KnnCurve baselineCurve = knn(ctx, random, train, test, run);
            KnnClassifier.Accuracy learned = learnedCurve.atDefaultK(), baseline = baselineCurve.atDefaultK();

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
            summary.put("optimizer steps", run.result().steps());
            summary.put("training images/s", String.format(Locale.ROOT, "%.1f", run.result().imagesPerSecond()));
            summary.put("step time", run.result().stepTimeSummary());
            summary.put("k-NN top-1, teacher features (k = 20, T = 0.07)", pct(learned.top1()));
            summary.put("k-NN top-1, random-init encoder", pct(baseline.top1()));
            summary.put("backend", ctx.backend().name());
            summary.put("wall time", String.format(Locale.ROOT, "%.1f min", minutes));

            report(summary, grid, learnedCurve, baselineCurve).write(out.resolve("report.html"));

            System.out.printf(Locale.ROOT, "k-NN top-1: %.1f%% (pre-trained teacher) vs %.1f%% (random init)%n", 100 * learned.top1(), 100 * baseline.top1());
            System.out.println("report: " + out.resolve("report.html"));
            System.out.println("reconstructions: " + out.resolve("reconstructions.png"));
        }
        return 0;
    }

    /** The page: the run's summary, the loss curves, reconstructions and the k-NN table and curve against k. */
    private HtmlReport report(Map<String, Object> summary, BufferedImage grid, KnnCurve learnedCurve, KnnCurve baselineCurve) throws java.io.IOException {
        KnnClassifier.Accuracy learned = learnedCurve.atDefaultK(), baseline = baselineCurve.atDefaultK();
        HtmlReport report = new HtmlReport("Tessera demo: RC-MAE on Fashion-MNIST");
        report.paragraph("A small RC-MAE pre-trained from scratch on the Fashion-MNIST subset embedded in Tessera "
                + "(Fashion-MNIST by Zalando Research, MIT licence), with the evaluation on its held-out test subset.");
        report.heading("Run").table(summary);
        report.heading("Loss").svg(ChartFiles.svgElement(lossChart(out.resolve("metrics.jsonl")), CHART_WIDTH, CHART_HEIGHT));
        report.heading("Reconstructions (teacher)").paragraph("Per row: original, masked input (75% of patches removed), reconstruction, reconstruction with the visible patches pasted back.");
        report.image(grid, "reconstructions");
        report.heading("k-NN probe").table(Map.of("teacher after pre-training", pct(learned.top1()), "same architecture, random weights", pct(baseline.top1())));
        report.paragraph("Top-1 accuracy on the held-out images against the number of neighbours k (cosine similarity, votes exp(s/T), T = 0.07); "
                + "the table above is k = " + DEFAULT_K + ".");
        report.svg(ChartFiles.svgElement(knnChart(learnedCurve, baselineCurve), CHART_WIDTH, CHART_HEIGHT));
        return report;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    /** The k of the summary (DINO's default); the curve also shows the others. */
    static final int DEFAULT_K = 20;
    /** The k of the accuracy curve. */
    static final int[] KS = {1, 5, 10, 20, 50, 100, 200};
    static final int CHART_WIDTH = 900, CHART_HEIGHT = 380;

    /** k-NN accuracy of one encoder's features at each k of {@link #KS} (those ≤ the training size). */
    record KnnCurve(List<KnnClassifier.Accuracy> points) {
        KnnClassifier.Accuracy atDefaultK() {
            for (KnnClassifier.Accuracy a : points) if (a.k() == DEFAULT_K) return a;
            throw new IllegalStateException("the k-NN curve has no k = " + DEFAULT_K);
        }

        LineCharts.Series series(String name) {
            double[] k = new double[points.size()], top1 = new double[points.size()];
            for (int i = 0; i < k.length; i++) {
                k[i] = points.get(i).k();
                top1[i] = 100 * points.get(i).top1();
            }
            return new LineCharts.Series(name, k, top1);
        }
    }

    private static KnnCurve knn(ExecutionContext ctx, MaskedAutoencoder model, Dataset train, Dataset test, PretrainCommand.Run run) {
        Features tr = Features.extract(ctx, model.encoder(), train, run.normalize(), 128);
        Features te = Features.extract(ctx, model.encoder(), test, run.normalize(), 128);
        KnnClassifier knn = new KnnClassifier(ctx, tr.features(), tr.labels(), train.numClasses());
        List<KnnClassifier.Accuracy> points = new ArrayList<>();
        for (int k : KS) if (k <= train.size()) points.add(knn.evaluate(te.features(), te.labels(), k, 0.07));
        return new KnnCurve(points);
    }

    private static org.jfree.chart.JFreeChart knnChart(KnnCurve learned, KnnCurve baseline) {
        return LineCharts.chart("k-NN top-1 accuracy against k", "k (neighbours, log scale)", "top-1 accuracy (%)",
                List.of(learned.series("teacher after pre-training"), baseline.series("same architecture, random weights")),
                LineCharts.Scale.LOG, LineCharts.Scale.LINEAR);
    }

    private static double[] nans(int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, Double.NaN); // a step without the value leaves a gap, not a drop to 0
        return v;
    }

    private static org.jfree.chart.JFreeChart lossChart(Path metrics) throws java.io.IOException {
        List<String> lines = Files.readAllLines(metrics);
        double[] x = new double[lines.size()];
        Map<String, double[]> ys = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Map<?, ?> m = (Map<?, ?>) Json.parse(lines.get(i));
            x[i] = ((Number) m.get("step")).doubleValue();
            for (String k : new String[]{"loss", "loss_r", "loss_c"}) {
                if (m.get(k) instanceof Number n) ys.computeIfAbsent(k, key -> nans(lines.size()))[i] = n.doubleValue();
            }
        }
        Map<String, String> names = Map.of("loss", "total", "loss_r", "reconstruction L_r", "loss_c", "consistency L_c");
        List<LineCharts.Series> series = new ArrayList<>();
        for (Map.Entry<String, double[]> e : ys.entrySet()) series.add(new LineCharts.Series(names.getOrDefault(e.getKey(), e.getKey()), x, e.getValue()));
        return LineCharts.chart("pre-training loss (total, reconstruction L_r, consistency L_c)", "optimizer step", "loss", series);
    }
}
