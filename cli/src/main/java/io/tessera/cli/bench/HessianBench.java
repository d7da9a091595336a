package io.tessera.cli.bench;

import io.tessera.eval.hessian.HessianVectorProduct;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tessera bench hessian}: Hessian-vector products of the MAE ViT-Tiny loss of {@code bench
 * pretrain} (batch 64, eval mode, fixed mask) by double backward, next to PyTorch's
 * {@code autograd.grad(..., create_graph=True)} on the same device in the same invocation. Times a
 * gradient, a full product (forward, differentiable gradient, second backward) and a product on a
 * kept graph (second backward only). Ends with {@code hvp_vs_pytorch <ratio>}: PyTorch's full-product
 * time over Tessera's (above 1: Tessera is faster).
 */
@Command(name = "hessian", mixinStandardHelpOptions = true,
        description = {"Time a Hessian-vector product of the MAE ViT-Tiny loss (32×32, patch 4, batch 64) next to PyTorch's double backward.",
                "Prints ms per gradient, per full product and per product on a kept graph, and last: hvp_vs_pytorch <ratio>."})
public final class HessianBench implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "cpu", converter = io.tessera.cli.DeviceSpec.Converter.class,
            description = "Where both sides run: " + io.tessera.cli.DeviceSpec.HELP + " PyTorch runs on the CPU or on cuda.")
    io.tessera.cli.DeviceSpec device;

    @Option(names = "--matmul", defaultValue = "tiled", description = io.tessera.cli.DeviceSpec.MATMUL_HELP)
    io.tessera.cli.DeviceSpec.Matmul matmul;

    @Option(names = "--batch", defaultValue = "64", description = "Images (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", description = "Threads for both sides (default: all cores).")
    Integer threads;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed repetitions of each operation (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed repetitions first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch for the reference (default ${DEFAULT-VALUE}).")
    Path python;

    @Option(names = "--no-reference", description = "Skip the PyTorch run.")
    boolean noReference;

    @Override
    public Integer call() throws Exception {
        if (repeats < 1 || warmup < 0 || batch < 1) throw new IllegalArgumentException("--repeats and --batch must be ≥ 1 and --warmup ≥ 0");
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        MaeConfig cfg = MaeConfig.tiny32();
        System.out.printf(Locale.ROOT, "Hessian-vector product of the MAE loss: ViT-Tiny %d×%d×%d on %d×%d (patch %d), decoder %d×%d×%d, batch %d, %s%n",
                cfg.encoder().width(), cfg.encoder().depth(), cfg.encoder().heads(), cfg.encoder().imageSize(), cfg.encoder().imageSize(),
                cfg.encoder().patchSize(), cfg.decoderWidth(), cfg.decoderDepth(), cfg.decoderHeads(), batch,
                device.kind() == io.tessera.cli.DeviceSpec.Kind.CPU ? t + " thread(s)" : device + ", matmul " + matmul.name().toLowerCase(Locale.ROOT));
        double gradMs, fullMs, keptMs;
        int n;
        try (ExecutionContext ctx = device.open(t, 0, matmul)) {
            io.tessera.gpu.GpuBackend gpu = ctx.backend() instanceof io.tessera.gpu.GpuBackend g ? g : null;
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, cfg, DType.F32));
            Tensor imgs = ctx.ops().randn(new Rng(1), Shape.of(batch, 3, 32, 32), DType.F32);
            FrozenObjective obj = new FrozenObjective(m, List.of(new Batch(imgs, ctx.ops().indices(new int[batch], batch))), 2,
                    FrozenObjective.Terms.TASK, 0);
            ParameterSelection sel = ParameterSelection.of(m.trainable(), ParameterSelection.Rule.ALL_TRAINABLE);
            n = sel.dimension();
            double[] v = new double[n], out = new double[n];
            Rng r = new Rng(3);
            for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
            Runnable sync = () -> { if (gpu != null) gpu.synchronize(); };
            try (HessianVectorProduct full = new HessianVectorProduct(ctx, obj, sel, false)) {
                gradMs = timed(() -> { full.gradient(); sync.run(); });
                fullMs = timed(() -> { full.apply(v, out); sync.run(); });
            }
            try (HessianVectorProduct kept = new HessianVectorProduct(ctx, obj, sel, true)) {
                kept.apply(v, out); // builds the graph
                keptMs = timed(() -> { kept.apply(v, out); sync.run(); });
            }
        }
        System.out.printf(Locale.ROOT, "tessera  gradient %8.1f ms   HVP %8.1f ms (%.2f× a gradient)   HVP on a kept graph %8.1f ms   %d parameters, peak RSS %d MB%n",
                gradMs, fullMs, fullMs / gradMs, keptMs, n, PretrainBench.peakRssMb());
        String ratio = "n/a";
        if (!noReference) {
            String ref = pytorch(t);
            if (ref != null) {
                double tg = PretrainBench.number(ref, "gradient_ms"), tf = PretrainBench.number(ref, "hvp_ms"), tk = PretrainBench.number(ref, "hvp_kept_ms");
                System.out.printf(Locale.ROOT, "pytorch  gradient %8.1f ms   HVP %8.1f ms (%.2f× a gradient)   HVP on a kept graph %8.1f ms   peak RSS %.0f MB%n",
                        tg, tf, tf / tg, tk, PretrainBench.number(ref, "peak_rss_mb"));
                System.out.println("pytorch: " + TorchReference.describe(ref));
                System.out.printf(Locale.ROOT, "kept-graph HVP: pytorch / tessera %.3f%n", tk / keptMs);
                ratio = String.format(Locale.ROOT, "%.3f", tf / fullMs);
            }
        }
        System.out.println("hvp_vs_pytorch " + ratio);
        return 0;
    }

    /** Mean milliseconds of {@code repeats} runs after {@code warmup} untimed ones. */
    private double timed(Runnable op) {
        for (int i = 0; i < warmup; i++) op.run();
        long t0 = System.nanoTime();
        for (int i = 0; i < repeats; i++) op.run();
        return (System.nanoTime() - t0) / 1e6 / repeats;
    }

    private String pytorch(int t) throws IOException, InterruptedException {
        String where = TorchReference.torchDevice(device, System.out);
        if (where == null) return null;
        return TorchReference.run(python, List.of("hessian_torch.py", "pretrain_torch.py"),
                List.of(String.valueOf(t), String.valueOf(repeats), String.valueOf(warmup), where, String.valueOf(batch)), System.out);
    }
}
