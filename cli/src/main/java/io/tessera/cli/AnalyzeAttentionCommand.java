package io.tessera.cli;

import io.tessera.eval.attention.AttentionAnalysis;
import io.tessera.eval.attention.AttentionFigures;
import io.tessera.eval.attention.AttentionImages;
import io.tessera.eval.attention.AttentionJson;
import io.tessera.eval.attention.AttentionPage;
import io.tessera.eval.attention.AttentionPass;
import io.tessera.eval.attention.AttentionRollout;
import io.tessera.eval.attention.AttentionStatistics;
import io.tessera.eval.attention.AttentionStats;
import io.tessera.eval.attention.ClsAttentionMaps;
import io.tessera.eval.attention.PatchGrid;
import io.tessera.eval.attention.RowNormalisation;
import io.tessera.ssl.data.Image;
import io.tessera.ssl.data.Split;
import io.tessera.tensor.ExecutionContext;
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

/** {@code tessera analyze attention}: attention distance, NMI, cls maps and rollout of one or more checkpoints. */
@Command(name = "attention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Attention of the encoder on full, unmasked images in natural patch order: the mean attention distance of every block",
                "and head in pixels (ViT App. D.7; cls row and column dropped, rows renormalised as cl-vs-mim or kept as probing-vits),",
                "the attention NMI (Park et al. 2023), DINO's last-block cls attention per head (optional mass threshold) and attention",
                "rollout (0.5·A + 0.5·I, rows renormalised) of the first images. Several checkpoints are compared side by side.",
                "Writes attention.json (tessera.attention/1), attention-distance/-nmi.png/svg, attention-maps-N.png and attention.html.",
                "Example: tessera analyze attention --checkpoint runs/mae/checkpoint-930 --checkpoint runs/lut/checkpoint-930 --images 128"})
public final class AnalyzeAttentionCommand implements Callable<Integer> {
    /** Images averaged over when --images is not given (ViT's Fig. 11). */
    static final int DEFAULT_IMAGES = 128;

    @Option(names = "--checkpoint", required = true, description = "A checkpoint of tessera pretrain (repeat to compare several).")
    List<Path> checkpoints;

    @Option(names = "--label", description = "Label of each checkpoint, in order (default: method and checkpoint name).")
    List<String> labels;

    @Option(names = "--rows", defaultValue = "renormalised", description = "Attention rows after dropping the cls token: renormalised (cl-vs-mim) or "
            + "unnormalised (probing-vits) (default ${DEFAULT-VALUE}). The NMI always renormalises.")
    String rows;

    @Option(names = "--show", defaultValue = "8", description = "Images drawn with their cls attention maps and rollout (0: none; default ${DEFAULT-VALUE}).")
    int show;

    @Option(names = "--threshold", description = "DINO's mass threshold t in (0, 1]: outline the patches holding a fraction t of each cls map's mass (e.g. 0.6).")
    Double threshold;

    @Option(names = "--fusion", defaultValue = "mean", description = "Head fusion of the rollout: mean, max or min (default ${DEFAULT-VALUE}).")
    String fusion;

    @Option(names = "--cell", defaultValue = "112", description = "Side in pixels of each picture in the map grids (default ${DEFAULT-VALUE}).")
    int cell;

    @Mixin
    AnalysisOptions options;

    @Override
    public Integer call() throws Exception {
        options.validate();
        RowNormalisation norm = RowNormalisation.parse(rows);
        AttentionRollout.Fusion fuse = AttentionRollout.Fusion.parse(fusion);
        if (show < 0) throw new IllegalArgumentException("--show must be ≥ 0, got " + show);
        if (threshold != null && !(threshold > 0 && threshold <= 1)) throw new IllegalArgumentException("--threshold must be in (0, 1], got " + threshold);
        if (cell < 8) throw new IllegalArgumentException("--cell must be ≥ 8 pixels, got " + cell);
        Path dir = options.outDir(checkpoints.get(0));
        ConsoleProgress progress = new ConsoleProgress(System.err);
        try (ExecutionContext ctx = options.compute.open(0)) {
            List<AnalysisInputs.Subject> subjects = AnalysisInputs.open(ctx, checkpoints, labels, options.role);
            AnalysisInputs.Images images = AnalysisInputs.Images.open(options.data, options.split.equals("train") ? Split.TRAIN : Split.TEST,
                    options.images(DEFAULT_IMAGES), subjects);
            int shown = Math.min(show, images.count);
            System.err.printf(Locale.ROOT, "attention: %d checkpoint(s), %s, rows %s, on %s%n", subjects.size(), images.describe(options.split), norm.label(), ctx.backend().device());
            long t0 = System.nanoTime();
            List<AttentionStats> stats = new ArrayList<>();
            List<AttentionAnalysis.ClsMaps> maps = new ArrayList<>();
            List<AttentionAnalysis.Rollout> rolls = new ArrayList<>();
            for (AnalysisInputs.Subject s : subjects) {
                var cfg = s.config();
                PatchGrid grid = PatchGrid.of(cfg);
                AttentionStatistics st = new AttentionStatistics(grid, cfg.depth(), cfg.heads(), norm);
                ClsAttentionMaps cls = new ClsAttentionMaps(grid, cfg.depth() - 1, shown);
                AttentionRollout roll = new AttentionRollout(grid, cfg.depth(), shown, fuse);
                images.forEach(ctx, options.batch, "attention " + s.label(), progress,
                        (first, imgs) -> AttentionPass.run(ctx.ops(), s.encoder().encoder(), imgs, first, List.of(st, cls, roll)));
                stats.add(st.result(s.label()));
                if (shown > 0) {
                    int[] idx = AnalysisInputs.Images.indices(shown);
                    maps.add(new AttentionAnalysis.ClsMaps(s.label(), grid, idx, threshold == null ? 0 : threshold, cls.maps()));
                    rolls.add(new AttentionAnalysis.Rollout(s.label(), grid, fuse, idx, roll.maps()));
                }
            }
            Map<String, String> context = context(subjects, images, norm, fuse, shown);
            context.put("wall_seconds", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
            AttentionAnalysis a = new AttentionAnalysis("Attention analysis", context, stats, maps, rolls, List.of());
            write(a, images.raw(shown), images.dataset.classNames().orElse(null), dir);
        }
        return 0;
    }

    private Map<String, String> context(List<AnalysisInputs.Subject> subjects, AnalysisInputs.Images images, RowNormalisation norm,
                                        AttentionRollout.Fusion fuse, int shown) {
        Map<String, String> c = new LinkedHashMap<>();
        for (int i = 0; i < subjects.size(); i++) {
            AnalysisInputs.Subject s = subjects.get(i);
            c.put("checkpoint " + (i + 1), s.label() + ": " + s.run().base() + ", " + s.run().spec().describe() + ", encoder " + s.encoder().role());
        }
        c.put("data", images.describe(options.split));
        c.put("images averaged", String.valueOf(images.count));
        c.put("distance rows", norm == RowNormalisation.RENORMALISED ? "cls dropped, rows renormalised (cl-vs-mim)" : "cls dropped, rows kept (probing-vits)");
        c.put("maps", shown == 0 ? "none" : shown + " images; last-block cls attention, rollout with " + fuse.label() + " head fusion"
                + (threshold == null ? "" : ", mass threshold " + threshold));
        c.put("device", options.compute.device.toString());
        return c;
    }

    private void write(AttentionAnalysis a, List<Image> raw, List<String> classNames, Path dir) throws java.io.IOException {
        Files.createDirectories(dir);
        AttentionJson.write(a, dir.resolve("attention.json"));
        AttentionFigures.writeStatistics(a.statistics(), dir);
        for (int i = 0; i < a.clsMaps().size(); i++) {
            Path png = dir.resolve("attention-maps-" + (i + 1) + ".png");
            var img = AttentionFigures.maps(a.clsMaps().get(i), a.rollouts().get(i), raw, cell);
            AttentionImages.writePng(img, png);
        }
        AttentionPage.write(a, raw, classNames, cell, dir.resolve("attention.html"));
        for (AttentionStats s : a.statistics()) {
            StringBuilder b = new StringBuilder();
            double[] d = s.layerDistance(), n = s.layerNmi();
            for (int l = 0; l < d.length; l++) b.append(l == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", d[l]));
            StringBuilder m = new StringBuilder();
            for (int l = 0; l < n.length; l++) m.append(l == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", n[l]));
            System.out.println(s.label() + ": distance by block (px) " + b + "; NMI " + m
                    + (s.skippedTotal() > 0 ? String.format(Locale.ROOT, "; %,d query rows without patch mass left out", s.skippedTotal()) : ""));
        }
        System.out.println("wrote " + dir.resolve("attention.json") + ", " + dir.resolve("attention.html") + ", attention-distance/-nmi.png/svg"
                + (a.clsMaps().isEmpty() ? "" : " and attention-maps-*.png"));
    }
}
