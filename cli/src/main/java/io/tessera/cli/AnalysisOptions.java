package io.tessera.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The options every {@code tessera analyze} subcommand shares (a picocli mixin): data, images, batch,
 * encoder role, and the {@link ComputeOptions} and {@link OutputOption} mixins that {@code hessian}
 * and {@code landscape} use too. The checkpoint option is each command's own, since some compare
 * several checkpoints and some take one.
 */
final class AnalysisOptions {
    @Option(names = "--data", description = "Dataset (default: the one the (first) checkpoint was trained on).")
    String data;

    @Option(names = "--split", defaultValue = "test", description = "train or test (default ${DEFAULT-VALUE}: held-out images, as Jing et al. and ViT analyse).")
    String split;

    @Option(names = "--images", description = "How many images: the first N of the split, in order (default per command).")
    Integer images;

    @Option(names = "--batch", defaultValue = "64", description = "Images per forward pass (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--role", description = "Which encoder of the method: student, teacher or target (default: the method's evaluation encoder — "
            + "RC-MAE's teacher, LUT's online encoder, SimMIM's encoder, the supervised ViT).")
    String role;

    @Mixin
    ComputeOptions compute;

    @Mixin
    OutputOption output;

    /** The image count, or {@code fallback} when none was given; checked positive. */
    int images(int fallback) {
        int n = images != null ? images : fallback;
        if (n < 1) throw new IllegalArgumentException("--images must be ≥ 1, got " + n);
        return n;
    }

    void validate() {
        if (batch < 1) throw new IllegalArgumentException("--batch must be ≥ 1, got " + batch);
        if (!split.equals("train") && !split.equals("test")) throw new IllegalArgumentException("--split must be train or test, got " + split);
        compute.threads();
        if (role != null) role = role.toLowerCase(Locale.ROOT);
    }

    /** The output directory: --out, or a folder named after the command beside {@code checkpoint}. */
    Path outDir(Path checkpoint) {
        return output.dir(checkpoint);
    }
}
