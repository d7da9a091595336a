package io.tessera.cli.bench;

import io.tessera.eval.landscape.Directions;
import io.tessera.eval.landscape.LossSurface;
import io.tessera.eval.landscape.Normalization;
import io.tessera.eval.landscape.PerturbedWeights;
import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tessera bench landscape}: grid points per second of a 2-D landscape of the MAE ViT-Tiny
 * pre-training loss (the {@code bench pretrain} model, eval mode, fixed masks, filter-normalised random
 * directions with biasbn) over a fixed set of images, next to PyTorch evaluating the same grid the way
 * loss-landscape does ({@code torch.no_grad()}, weights set per point) in the same invocation. Ends with
 * {@code landscape_vs_pytorch <ratio>} (points/s, Tessera over PyTorch).
 */
@Command(name = "landscape", mixinStandardHelpOptions = true,
        description = {"Time a 2-D loss-landscape grid of the MAE ViT-Tiny loss (32×32, patch 4) on 256 images next to PyTorch.",
                "Prints grid points/s for both, and last: landscape_vs_pytorch <ratio>."})
public final class LandscapeBench implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "cpu", converter = io.tessera.cli.DeviceSpec.Converter.class,
            description = "Where both sides run: " + io.tessera.cli.DeviceSpec.HELP + " PyTorch runs on the CPU or on cuda.")
    io.tessera.cli.DeviceSpec device;

    @Option(names = "--matmul", defaultValue = "tiled", description = io.tessera.cli.DeviceSpec.MATMUL_HELP)
    io.tessera.cli.DeviceSpec.Matmul matmul;

    @Option(names = "--grid", defaultValue = "5", description = "Points per axis (default ${DEFAULT-VALUE}: a 5 × 5 grid).")
    int grid;

    @Option(names = "--images", defaultValue = "256", description = "Images per point (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--batch", defaultValue = "128", description = "Images per forward pass (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", description = "Threads for both sides (default: all cores).")
    Integer threads;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch for the reference (default ${DEFAULT-VALUE}).")
    Path python;

    @Option(names = "--no-reference", description = "Skip the PyTorch run.")
    boolean noReference;

    @Override
    public Integer call() throws Exception {
        if (grid < 2 || images < 1 || batch < 1 || images % batch != 0) throw new IllegalArgumentException("--grid must be ≥ 2 and --batch must divide --images");
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        MaeConfig cfg = MaeConfig.tiny32();
        System.out.printf(Locale.ROOT, "landscape grid %d × %d of the MAE loss: ViT-Tiny %d×%d×%d on 32×32 (patch 4), %d images per point in batches of %d, %s%n",
                grid, grid, cfg.encoder().width(), cfg.encoder().depth(), cfg.encoder().heads(), images, batch,
                device.kind() == io.tessera.cli.DeviceSpec.Kind.CPU ? t + " thread(s)" : device + ", matmul " + matmul.name().toLowerCase(Locale.ROOT));
        double ours;
        try (ExecutionContext ctx = device.open(t, 0, matmul)) {
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, cfg, DType.F32));
            List<Batch> batches = new ArrayList<>();
            for (int b = 0; b < images / batch; b++) {
                Tensor imgs = ctx.ops().randn(new Rng(1).split(b), Shape.of(batch, 3, 32, 32), DType.F32);
                batches.add(new Batch(imgs, ctx.ops().indices(new int[batch], batch)));
            }
            FrozenObjective obj = new FrozenObjective(m, batches, 7, FrozenObjective.Terms.TASK, 0);
            ParameterSelection sel = ParameterSelection.of(m.trainable(), ParameterSelection.Rule.ALL_TRAINABLE);
            double[] w = sel.values();
            double[] dx = Directions.random(sel, w, 123, Normalization.FILTER, Directions.LowRank.IGNORE);
            double[] dy = Directions.random(sel, w, 124, Normalization.FILTER, Directions.LowRank.IGNORE);
            try (PerturbedWeights pw = new PerturbedWeights(sel, dx, dy)) {
                LossSurface surface = new LossSurface(ctx, obj, pw);
                surface.at(0, 0); // warm-up
                long t0 = System.nanoTime();
                for (int iy = 0; iy < grid; iy++) {
                    for (int ix = 0; ix < grid; ix++) surface.at(-1 + 2.0 * ix / (grid - 1), -1 + 2.0 * iy / (grid - 1));
                }
                if (ctx.backend() instanceof io.tessera.gpu.GpuBackend g) g.synchronize();
                ours = grid * grid / ((System.nanoTime() - t0) / 1e9);
            }
        }
        System.out.printf(Locale.ROOT, "tessera  %8.3f points/s   peak RSS %d MB%n", ours, PretrainBench.peakRssMb());
        String ratio = "n/a";
        if (!noReference) {
            String ref = pytorch(t);
            if (ref != null) {
                double theirs = PretrainBench.number(ref, "points_per_s");
                System.out.printf(Locale.ROOT, "pytorch  %8.3f points/s   peak RSS %.0f MB%n", theirs, PretrainBench.number(ref, "peak_rss_mb"));
                System.out.println("pytorch: " + TorchReference.describe(ref));
                ratio = String.format(Locale.ROOT, "%.3f", ours / theirs);
            }
        }
        System.out.println("landscape_vs_pytorch " + ratio);
        return 0;
    }

    private String pytorch(int t) throws IOException, InterruptedException {
        String where = TorchReference.torchDevice(device, System.out);
        if (where == null) return null;
        return TorchReference.run(python, List.of("landscape_torch.py", "pretrain_torch.py"),
                List.of(String.valueOf(t), String.valueOf(grid), String.valueOf(grid), String.valueOf(images), String.valueOf(batch), where), System.out);
    }
}
