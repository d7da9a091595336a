package io.tessera.cli;

import io.tessera.eval.report.MaeReconstruction;
import io.tessera.nn.checkpoint.NonFinite;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.Split;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tessera reconstruct}: the MAE visualisation of a pre-training checkpoint as a PNG grid. */
@Command(name = "reconstruct", mixinStandardHelpOptions = true,
        description = {"Render MAE reconstructions of a checkpoint (MAE, RC-MAE or LUT): per image the original, the masked input,",
                "the reconstruction and the reconstruction with the visible patches pasted back.",
                "Example: tessera reconstruct runs/pretrain-rcmae/checkpoint-620 --out recon.png"})
public final class ReconstructCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Checkpoint path without extension (…/checkpoint-N).")
    Path checkpoint;

    @Option(names = "--data", description = "Dataset to draw test images from (default: the one the checkpoint was trained on).")
    String data;

    @Option(names = "--images", defaultValue = "8", description = "Number of images (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--role", description = "Which model of the checkpoint (default: its evaluation model, e.g. RC-MAE's teacher).")
    String role;

    @Option(names = "--scale", defaultValue = "4", description = "Pixel magnification (default ${DEFAULT-VALUE}).")
    int scale;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the masks (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "reconstructions.png", description = "Output PNG (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (images < 1) throw new IllegalArgumentException("--images must be ≥ 1");
        Map<String, Object> info = TrainingCheckpoint.readSidecar(checkpoint);
        if (!(info.get("model") instanceof Map<?, ?> model) || model.get("decoder_embed_dim") == null) {
            throw new IllegalArgumentException(checkpoint + " is not an MAE-family checkpoint (method " + info.get("method") + ")");
        }
        MaeConfig cfg = MaeConfig.fromMap(model);
        String spec = data != null ? data : String.valueOf(info.get("data"));
        String r = role != null ? role : String.valueOf(info.get("evaluation_role"));
        Dataset test = Datasets.open(spec, Split.TEST);
        Normalize norm = Recipes.normalizeFor(spec, test);
        try (ExecutionContext ctx = ExecutionContext.cpu(Runtime.getRuntime().availableProcessors(), seed)) {
            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, cfg, DType.F32);
            // verified: the sidecar's SHA-256, names and shapes of the role's MAE, finite values
            TrainingCheckpoint.loadModels(checkpoint, Map.of(r, mae.store()), NonFinite.REFUSE);
            BufferedImage grid;
            try (Loader l = new Loader(test, norm, new Rng(seed), Loader.Options.eval(Math.min(images, test.size()), 0), ctx.ops());
                 Scope s = ctx.openScope()) {
                grid = MaeReconstruction.render(mae, ctx.ops(), l.epoch(0).next().images(), norm, new Rng(seed).split("reconstruct"), scale);
            }
            Path dir = out.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            ImageIO.write(grid, "png", out.toFile());
            System.out.println("wrote " + out + " (" + r + " of " + checkpoint.getFileName() + ", " + images + " images of " + test.name() + ")");
        }
        return 0;
    }
}
