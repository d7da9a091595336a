package io.tessera.cli;

import io.tessera.eval.report.MaeReconstruction;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.nn.checkpoint.NonFinite;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Interpolation;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.ResizeCenterCrop;
import io.tessera.ssl.data.Split;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tessera reconstruct}: the MAE visualisation of a pre-training checkpoint as a PNG grid. */
@Command(name = "reconstruct", mixinStandardHelpOptions = true,
        description = {"Render MAE reconstructions of a checkpoint (MAE, RC-MAE or LUT): per image the original, the masked input,",
                "the reconstruction and the reconstruction with the visible patches pasted back.",
                "Example: tessera reconstruct runs/pretrain-rcmae/checkpoint-620 --out recon.png --device cuda"})
public final class ReconstructCommand implements Callable<Integer> {
    /** Longest side of the rendered picture, in pixels. */
    static final int MAX_SIDE = 16_384;

    @Parameters(index = "0", description = "Checkpoint: …/checkpoint-N, checkpoint-N.safetensors or checkpoint-N.json.")
    Path checkpoint;

    @Option(names = "--data", description = "Dataset to draw test images from (default: the one the checkpoint was trained on).")
    String data;

    @Option(names = "--images", defaultValue = "8", description = "Number of images, 1 to 256 (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--role", description = "Which model of the checkpoint (default: its evaluation model, e.g. RC-MAE's teacher).")
    String role;

    @Option(names = "--scale", defaultValue = "4", description = "Pixel magnification, 1 to 64 (default ${DEFAULT-VALUE}).")
    int scale;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the masks (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "reconstructions.png", description = "Output PNG (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--device", converter = DeviceSpec.Converter.class, description = "Where to run the model: " + DeviceSpec.HELP)
    DeviceSpec device = DeviceSpec.cpu();

    @Option(names = "--matmul", description = DeviceSpec.MATMUL_HELP)
    DeviceSpec.Matmul matmul = DeviceSpec.Matmul.TILED;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (images < 1 || images > 256) throw new IllegalArgumentException("--images must be from 1 to 256, got " + images);
        if (scale < 1 || scale > 64) throw new IllegalArgumentException("--scale must be from 1 to 64 screen pixels per image pixel, got " + scale);
        if (threads != null && (threads < 1 || threads > 4096)) throw new IllegalArgumentException("--threads must be from 1 to 4096, got " + threads);
        OutputPaths.requireWritableFile(out, "--out");
        Path base = RunCheckpoint.base(checkpoint);
        Map<String, Object> info = TrainingCheckpoint.readSidecar(base);
        JsonFields side = JsonFields.of(info, TrainingCheckpoint.sidecarPath(base));
        if (!(info.get("model") instanceof Map<?, ?> model) || model.get("decoder_embed_dim") == null) {
            throw new IllegalArgumentException(base + " is not an MAE-family checkpoint (method " + info.get("method") + "); reconstruct renders MAE, RC-MAE and LUT");
        }
        MaeConfig cfg = MaeConfig.fromJson(side.object("model"));
        String spec = data != null ? data : side.string("data");
        String r = role != null ? role : side.string("evaluation_role");
        Dataset test = Datasets.open(spec, Split.TEST);
        var e = cfg.encoder();
        if (test.channels() != e.inChannels()) {
            throw new IllegalArgumentException(test.name() + " has " + test.channels() + "-channel images; the model of " + base.getFileName() + " takes " + e.inChannels() + ": give another --data");
        }
        int n = Math.min(images, test.size()), s = e.imageSize();
        long width = (long) scale * (4L * s + 10), height = (long) scale * ((long) n * s + 2L * (n + 1));
        if (width > MAX_SIDE || height > MAX_SIDE) {
            long fit = Math.min(MAX_SIDE / (4L * s + 10), MAX_SIDE / ((long) n * s + 2L * (n + 1)));
            throw new IllegalArgumentException("--scale " + scale + " would make a " + width + " × " + height + " picture of " + n + " images of " + s + " pixels (at most "
                    + MAX_SIDE + " a side); " + (fit >= 1 ? "give --scale " + fit + " or less" : "give fewer --images"));
        }
        Normalize norm = Recipes.normalizeFor(spec, test);
        Transform input = test.height() == s && test.width() == s ? norm : Transform.compose(new ResizeCenterCrop(s, s, Interpolation.BICUBIC), norm);
        if (device.kind() == DeviceSpec.Kind.CPU) HeapBudget.require(8 * cfg.parameterCount(), cfg.parameterCount(), "the MAE of " + base.getFileName(), false);
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (ExecutionContext ctx = device.open(t, seed, matmul)) {
            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, cfg, DType.F32);
            // verified: the sidecar's SHA-256, names and shapes of the role's MAE, finite values
            TrainingCheckpoint.loadModels(base, Map.of(r, mae.store()), NonFinite.REFUSE);
            BufferedImage grid;
            try (Loader l = new Loader(test, input, new Rng(seed), Loader.Options.eval(n, 0), ctx.ops());
                 Scope sc = ctx.openScope()) {
                grid = MaeReconstruction.render(mae, ctx.ops(), l.epoch(0).next().images(), norm, new Rng(seed).split("reconstruct"), scale);
            }
            OutputPaths.writePng(grid, out);
            System.out.println("wrote " + out + " (" + r + " of " + base.getFileName() + ", " + n + " images of " + test.name() + ")");
        }
        return 0;
    }
}
