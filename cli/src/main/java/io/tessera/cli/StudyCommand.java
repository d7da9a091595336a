package io.tessera.cli;

import io.tessera.cli.study.Study;
import io.tessera.cli.study.StudySettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/** {@code tessera study}: the seed papers' claims, reproduced at small scale in one command. */
@Command(name = "study", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pre-train MAE, RC-MAE, LUT and a supervised ViT with the same encoder, budget and data order per seed, then run",
                "every analysis the seed papers' claims rest on: linear probe and k-NN over epochs, pre-training- and probe-loss",
                "landscapes, Hessian eigen-ratios, attention distance, feature spectra, and Proposition 4.1 (RC-MAE's gradient",
                "cosines with the same and with an independent teacher mask, and the linear toy model). Writes DIR/report.html",
                "(per claim: criterion, numbers as mean ± 95 %% CI over seeds, verdict, figures, settings) and DIR/study.json.",
                "Resumable: run the same command again and finished tasks are skipped, a killed pre-training continues from",
                "its newest checkpoint. --quick is a minutes-long smoke version on the embedded subset.",
                "Defaults are the full study (full Fashion-MNIST, 3 seeds); any option overrides --quick's or the full defaults.",
                "Examples: tessera study --out runs/study", "          tessera study --quick --out runs/study-quick"})
public final class StudyCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "The smoke version: embedded Fashion-MNIST subset, micro16 model, 2 seeds, 2 epochs, coarse grids.")
    boolean quick;

    @Option(names = "--data", description = "Dataset: fashion-mnist[:DIR] (default; Debian's dataset-fashion-mnist), fashion-mnist-embedded, cifar10:DIR, … (as pretrain).")
    String data;

    @Option(names = "--seeds", description = "Seeds 0 … N−1, one run per method each (default 3; --quick 2).")
    Integer seeds;

    @Option(names = "--epochs", description = "Pre-training epochs of every method (default 3; --quick 2).")
    Integer epochs;

    @Option(names = "--model", description = "Model preset of every method (default micro28; --quick micro16).")
    String model;

    @Option(names = "--batch", description = "Pre-training images per step (default 128; --quick 64).")
    Integer batch;

    @Option(names = "--probe-every", description = "Probe (linear and k-NN) every N epochs and at the last (default 1).")
    Integer probeEvery;

    @Option(names = "--probe-epochs", description = "Epochs of each linear probe on cached features (default 20; --quick 8).")
    Integer probeEpochs;

    @Option(names = "--probe-blr", description = "Base learning rate of the linear probe (LARS; default 2; --quick 10).")
    Double probeBlr;

    @Option(names = "--grid", description = "Points per axis of the 2-D landscapes over [-1, 1]² (odd; default 11; --quick 5).")
    Integer grid;

    @Option(names = "--landscape-images", description = "Images of the fixed landscape subset (default 512; --quick 64).")
    Integer landscapeImages;

    @Option(names = "--ratio-grid", description = "Points per axis of the eigen-ratio maps, seed 0 only, on the Hessian's images (odd; 0: none; default 3).")
    Integer ratioGrid;

    @Option(names = "--hessian-batches", description = "Batches of 64 images for the Hessian at the minimum (default 2; --quick 1).")
    Integer hessianBatches;

    @Option(names = "--lanczos-steps", description = "Lanczos steps of each eigen-ratio (default 16; --quick 6).")
    Integer lanczosSteps;

    @Option(names = "--analysis-images", description = "Test images for attention distance and feature spectra (default 1000; --quick 128).")
    Integer analysisImages;

    @Option(names = "--prop-steps", description = "Optimizer steps of each Proposition 4.1 run (default 200; --quick 12).")
    Integer propSteps;

    @Option(names = "--out", defaultValue = "runs/study", description = "Study directory (default ${DEFAULT-VALUE}); run again with the same options to continue.")
    Path out;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--device", description = "Where every command computes: " + DeviceSpec.HELP)
    String device;

    @Option(names = "--seed", description = "Run only seed K's tasks and stop without the report: processes that share --out, each with its own seeds, "
            + "split a study between them (give each a share of --threads); a run without --seed does what is left and writes the report.")
    Integer onlySeed;

    @Option(names = "--stop-after", hidden = true, description = "Stop after this many tasks (an interruption on purpose; the study continues when run again).")
    int stopAfter;

    @Override
    public Integer call() throws Exception {
        StudySettings d = quick ? StudySettings.quick() : StudySettings.full();
        StudySettings s = new StudySettings(data != null ? data : d.data(), or(seeds, d.seeds()), or(epochs, d.epochs()), model != null ? model : d.model(),
                or(batch, d.batch()), or(probeEvery, d.probeEvery()), or(probeEpochs, d.probeEpochs()), probeBlr != null ? probeBlr : d.probeBlr(),
                or(grid, d.grid()), or(landscapeImages, d.landscapeImages()), or(ratioGrid, d.ratioGrid()), or(hessianBatches, d.hessianBatches()),
                or(lanczosSteps, d.lanczosSteps()), or(analysisImages, d.analysisImages()), or(propSteps, d.propSteps()));
        if (threads != null && (threads < 1 || threads > 4096)) throw new IllegalArgumentException("--threads must be from 1 to 4096, got " + threads);
        if (stopAfter < 0) throw new IllegalArgumentException("--stop-after must be ≥ 0");
        Recipes.canonicalPreset(s.model()); // an unknown preset fails here, not after the first task
        OutputPaths.requireWritableDirectory(out, "--out");
        List<String> deviceArgs = new ArrayList<>();
        if (device != null) deviceArgs.addAll(List.of("--device", device));
        if (threads != null) deviceArgs.addAll(List.of("--threads", String.valueOf(threads)));
        return new Study(s, out, deviceArgs, System.err).run(stopAfter, onlySeed != null ? OptionalInt.of(onlySeed) : OptionalInt.empty());
    }

    private static int or(Integer v, int d) {
        return v != null ? v : d;
    }
}
