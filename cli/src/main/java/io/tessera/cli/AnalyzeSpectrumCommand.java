package io.tessera.cli;

import io.tessera.eval.spectrum.AlphaFit;
import io.tessera.eval.spectrum.FeatureLayer;
import io.tessera.eval.spectrum.FeatureSpectrum;
import io.tessera.eval.spectrum.LayerFeatures;
import io.tessera.eval.spectrum.SpectrumAnalysis;
import io.tessera.eval.spectrum.SpectrumFigures;
import io.tessera.eval.spectrum.SpectrumJson;
import io.tessera.eval.spectrum.SpectrumPage;
import io.tessera.eval.spectrum.SpectrumResult;
import io.tessera.eval.spectrum.TokenPooling;
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

/** {@code tessera analyze spectrum}: feature spectra of one or more checkpoints' encoders on the same images. */
@Command(name = "spectrum", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Spectra of the encoder's features on full, unmasked images: the eigenvalues of the centred covariance (Jing et al.;",
                "LUT's singular-value spectrum), RankMe on the singular values of the uncentred features (Garrido et al.) with its σ²",
                "variant, and α-ReQ (minus the slope of log λ against log rank, with R²). ZᵀZ and the column sums are accumulated in",
                "double batch by batch; the N×K matrix is never decomposed. Several checkpoints are drawn on one figure per layer.",
                "Writes spectrum.json (tessera.spectrum/1), spectrum-*.png/svg and spectrum.html.",
                "Example: tessera analyze spectrum --checkpoint runs/mae/checkpoint-930 --checkpoint runs/lut/checkpoint-930 --layer all"})
public final class AnalyzeSpectrumCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "A checkpoint of tessera pretrain (repeat to compare several).")
    List<Path> checkpoints;

    @Option(names = "--label", description = "Legend label of each checkpoint, in order (default: method and checkpoint name).")
    List<String> labels;

    @Option(names = "--layer", defaultValue = "final", description = "Layers: block indices 0..depth−1 (outputs of blocks.i), final "
            + "(the encoder output after its final norm) or all, comma-separated (default ${DEFAULT-VALUE}).")
    String layer;

    @Option(names = "--pooling", defaultValue = "cls", description = "cls (the cls token) or mean (average of the patch tokens) (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--window", defaultValue = "10:100", description = "α-ReQ fit ranks FROM:TO, clipped to K and to eigenvalues above rounding (default ${DEFAULT-VALUE}).")
    String window;

    @Option(names = "--epsilon", defaultValue = "1e-7", description = "RankMe's ε added to each p_k (default ${DEFAULT-VALUE}).")
    double epsilon;

    @Mixin
    AnalysisOptions options;

    @Override
    public Integer call() throws Exception {
        options.validate();
        TokenPooling pool = TokenPooling.parse(pooling);
        FeatureSpectrum.Settings settings = new FeatureSpectrum.Settings(epsilon, AlphaFit.Window.parse(window));
        Path dir = options.outDir(checkpoints.get(0));
        ConsoleProgress progress = new ConsoleProgress(System.err);
        try (ExecutionContext ctx = options.compute.open(0)) {
            List<AnalysisInputs.Subject> subjects = AnalysisInputs.open(ctx, checkpoints, labels, options.role);
            List<List<FeatureLayer>> layers = new ArrayList<>();
            for (AnalysisInputs.Subject s : subjects) layers.add(FeatureLayer.parseList(layer, s.config().depth()));
            Split split = options.split.equals("train") ? Split.TRAIN : Split.TEST;
            AnalysisInputs.Images images = AnalysisInputs.Images.open(options.data, split, options.images, subjects);
            if (images.count < 2) throw new IllegalArgumentException("a spectrum needs at least 2 images, got " + images.count);
            System.err.printf(Locale.ROOT, "spectrum: %d checkpoint(s), layers %s, %s pooling, %s, on %s%n", subjects.size(), layer, pool.label(),
                    images.describe(options.split), ctx.backend().device());
            long t0 = System.nanoTime();
            List<SpectrumResult> results = new ArrayList<>();
            for (int i = 0; i < subjects.size(); i++) {
                AnalysisInputs.Subject s = subjects.get(i);
                LayerFeatures f = new LayerFeatures(s.encoder().encoder(), layers.get(i), pool);
                images.forEach(ctx, options.batch, "features " + s.label(), progress, (first, imgs) -> f.add(ctx.ops(), imgs));
                results.addAll(f.spectra(s.label(), settings));
            }
            Map<String, String> context = context(subjects, images, pool, settings);
            context.put("wall_seconds", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
            write(new SpectrumAnalysis("Feature spectra", context, results), dir);
        }
        return 0;
    }

    private Map<String, String> context(List<AnalysisInputs.Subject> subjects, AnalysisInputs.Images images, TokenPooling pool, FeatureSpectrum.Settings st) {
        Map<String, String> c = new LinkedHashMap<>();
        for (int i = 0; i < subjects.size(); i++) {
            AnalysisInputs.Subject s = subjects.get(i);
            c.put("checkpoint " + (i + 1), s.label() + ": " + s.run().base() + ", " + s.run().spec().describe() + ", encoder " + s.encoder().role());
        }
        c.put("data", images.describe(options.split));
        c.put("layers", layer);
        c.put("pooling", pool == TokenPooling.CLS ? "cls token" : "mean of the patch tokens");
        c.put("rankme_epsilon", String.valueOf(st.epsilon()));
        c.put("alpha_window", st.window().from() + ".." + st.window().to());
        c.put("device", options.compute.device.toString());
        return c;
    }

    private static void write(SpectrumAnalysis a, Path dir) throws java.io.IOException {
        Files.createDirectories(dir);
        SpectrumJson.write(a, dir.resolve("spectrum.json"));
        SpectrumFigures.writeAll(a, dir);
        SpectrumPage.write(a, dir.resolve("spectrum.html"));
        for (SpectrumResult s : a.spectra()) {
            System.out.printf(Locale.ROOT, "%s, layer %s: RankMe %.4g, σ² rank %.4g, %s%n", s.label(), s.layer().label(), s.rankMe(), s.matrixEntropyRank(),
                    s.alpha() == null ? "no α-ReQ fit (" + s.alphaNote() + ")" : String.format(Locale.ROOT, "α-ReQ %.4g (R² %.4f, ranks %d–%d)", s.alpha().alpha(),
                            s.alpha().r2(), s.alpha().from(), s.alpha().to()));
        }
        System.out.println("wrote " + dir.resolve("spectrum.json") + ", " + dir.resolve("spectrum.html") + " and the spectrum-*.png/svg figures");
    }
}
