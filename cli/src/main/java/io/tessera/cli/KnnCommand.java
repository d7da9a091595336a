package io.tessera.cli;

import io.tessera.eval.downstream.EvalReport;
import io.tessera.eval.downstream.FeatureSet;
import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.knn.KnnClassifier;
import io.tessera.eval.knn.KnnFigure;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

// `tessera probe knn`: DINO's weighted k-NN on the frozen evaluation encoder of a pre-training
// checkpoint, for several k. Writes eval.json and knn.png/svg; nothing is trained, so no checkpoint.

/** {@code tessera probe knn}. */
@Command(name = "knn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Weighted k-NN (DINO eval_knn): L2-normalised features of the checkpoint's evaluation encoder, cosine similarity,",
                "each of the k nearest training images votes exp(sim / T) for its class; top-1 and top-5 on the test split.",
                "Writes eval.json and knn.png/svg.",
                "Example: tessera probe knn --checkpoint runs/pretrain-rcmae/checkpoint-620 --k 10,20,100,200"})
public final class KnnCommand implements Callable<Integer> {
    @Mixin
    DownstreamOptions opts;

    @Option(names = "--k", defaultValue = "10,20,100,200", split = ",", description = "Neighbour counts (default ${DEFAULT-VALUE}, DINO's; 20 usually best).")
    List<Integer> ks;

    @Option(names = "--temperature", defaultValue = "0.07", description = "Vote temperature T (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--pooling", defaultValue = "cls", description = "cls (DINO) or avg (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--batch", defaultValue = "128", description = "Images per encoder pass (default ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) throw new IllegalArgumentException("--batch must be ≥ 1");
        if (ks.isEmpty()) throw new IllegalArgumentException("--k needs at least one value");
        long t0 = System.nanoTime();
        Path dir = opts.outDir("knn");
        Pooling pool = Pooling.parse(pooling);
        try (ExecutionContext ctx = opts.open()) {
            DownstreamSource src = DownstreamSource.open(ctx, opts.checkpoint, opts.data, null);
            for (int k : ks) {
                if (k < 1 || k > src.train().size()) throw new IllegalArgumentException("--k " + k + " must be in [1, " + src.train().size() + "] (the training images)");
            }
            System.err.printf(Locale.ROOT, "probe knn: %s of %s (%s), %s pooling, %d × %d images of %s, on %s%n", src.run().spec().describe(),
                    src.run().base().getFileName(), src.run().method().evaluationRole(), pool.label(), src.train().size(), src.test().size(), src.spec(),
                    ctx.backend().device());
            ConsoleProgress progress = new ConsoleProgress(System.err);
            var eval = io.tessera.ssl.data.Transform.compose(opts.evalGeometry(src.encoder().config().imageSize()), src.normalize());
            FeatureSet train = FeatureSet.extract(ctx, src.encoder(), pool, src.train(), eval, batch, opts.workers, progress, "train features");
            FeatureSet test = FeatureSet.extract(ctx, src.encoder(), pool, src.test(), eval, batch, opts.workers, progress, "test features");
            List<KnnClassifier.Accuracy> acc = new ArrayList<>();
            try (Scope s = ctx.openScope()) {
                KnnClassifier knn = new KnnClassifier(ctx, train.tensor(ctx.ops()), train.labels(), src.train().numClasses());
                var q = test.tensor(ctx.ops());
                for (int k : ks) acc.add(knn.evaluate(q, test.labels(), k, temperature));
            }
            Files.createDirectories(dir);
            new EvalReport("knn", src.provenance(), src.dataMap(opts.evalGeometryLabel()), settings(pool), Map.of("seed", opts.seed), List.of(),
                    results(acc), LinearProbeCommand.run(ctx, t0)).write(dir.resolve("eval.json"));
            KnnFigure.write(acc, dir.resolve("knn"), "k-NN accuracy (" + src.run().spec().method() + ", " + pool.label() + ", T = " + temperature + ")");
            for (KnnClassifier.Accuracy a : acc) {
                System.out.printf(Locale.ROOT, "k-NN k = %d: top-1 %.2f%%%s%n", a.k(), 100 * a.top1(), Double.isNaN(a.top5()) ? "" : String.format(Locale.ROOT, ", top-5 %.2f%%", 100 * a.top5()));
            }
            System.out.println("wrote " + dir.resolve("eval.json") + ", knn.png/svg");
        }
        return 0;
    }

    private Map<String, Object> settings(Pooling pool) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("protocol", "DINO eval_knn: L2-normalised features, cosine similarity, votes exp(sim/T)");
        m.put("k", new ArrayList<Object>(ks.stream().map(Integer::longValue).toList()));
        m.put("temperature", temperature);
        m.put("pooling", pool.label());
        m.put("batch", (long) batch);
        return m;
    }

    private static Map<String, Object> results(List<KnnClassifier.Accuracy> acc) {
        List<Object> l = new ArrayList<>();
        for (KnnClassifier.Accuracy a : acc) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("k", (long) a.k());
            m.put("top1", a.top1());
            m.put("top5", Double.isNaN(a.top5()) ? null : a.top5());
            m.put("samples", (long) a.samples());
            l.add(m);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("by_k", l);
        KnnClassifier.Accuracy best = acc.get(0);
        for (KnnClassifier.Accuracy a : acc) if (a.top1() > best.top1()) best = a;
        r.put("best_k", (long) best.k());
        r.put("best_top1", best.top1());
        return r;
    }
}
