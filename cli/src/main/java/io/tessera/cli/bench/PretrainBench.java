package io.tessera.cli.bench;

import io.tessera.nn.optim.AdamW;
import io.tessera.nn.optim.LossScaler;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tessera bench pretrain}: one MAE pre-training step (by default ViT-Tiny encoder 192×12×3
 * on 32×32 images with patch 4, decoder 128×4×4; {@code --model base} is MAE ViT-B/16 at 224 px
 * with the 512×8 decoder; batch 64 by default, mask 0.75, norm-pix, AdamW) timed on all cores,
 * or on a GPU with {@code --device}, next to the same step in PyTorch (the same dimensions passed
 * to its script) on the same device run in the same invocation when a PyTorch is present. On a GPU every step ends with a
 * device synchronisation, so step times are device times. Ends with
 * {@code pretrain_vs_pytorch <ratio>} (images/s, Tessera over PyTorch).
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Time an MAE pre-training step (default ViT-Tiny, 32×32, patch 4, decoder 128×4, batch 64) next to PyTorch on the same device.",
                "Prints images/s, step-time percentiles, peak memory, and last: pretrain_vs_pytorch <ratio>."})
public final class PretrainBench implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "cpu", converter = io.tessera.cli.DeviceSpec.Converter.class,
            description = "Where both sides run: " + io.tessera.cli.DeviceSpec.HELP + " PyTorch runs on the CPU or on cuda.")
    io.tessera.cli.DeviceSpec device;

    @Option(names = "--matmul", defaultValue = "tiled", description = io.tessera.cli.DeviceSpec.MATMUL_HELP)
    io.tessera.cli.DeviceSpec.Matmul matmul;

    @Option(names = "--attention", defaultValue = "composed", description = io.tessera.cli.DeviceSpec.ATTENTION_HELP)
    io.tessera.cli.DeviceSpec.Attention attention;

    @Option(names = "--precision", defaultValue = "fp32", description = io.tessera.cli.DeviceSpec.PRECISION_HELP
            + " PyTorch runs the same step under torch.autocast with its own policy for the device.")
    io.tessera.cli.DeviceSpec.Precision precision;

    @Option(names = "--batch", defaultValue = "64", description = "Images per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--model", defaultValue = "tiny32", description = "The MAE: tiny32 (default; ViT-Tiny on 32×32, patch 4), "
            + "base (MAE ViT-B/16 at 224 px, decoder 512×8, the official recipe's model), or another preset: micro16, micro28, mini, "
            + "tiny, small, large, huge.")
    String model;

    @Option(names = "--profile", description = "On a GPU: after the timed steps, one more step with per-kernel timing; prints the kernels that took longest.")
    boolean profile;

    @Option(names = "--threads", description = "Threads for both sides (default: all cores).")
    Integer threads;

    @Option(names = "--steps", defaultValue = "20", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch for the reference (default ${DEFAULT-VALUE}).")
    Path python;

    @Option(names = "--no-reference", description = "Skip the PyTorch run.")
    boolean noReference;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || warmup < 0 || batch < 1) throw new IllegalArgumentException("--steps and --batch must be ≥ 1 and --warmup ≥ 0");
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (!MaeConfig.PRESETS.contains(model)) {
            throw new IllegalArgumentException("--model " + model + " is not a preset; one of " + String.join(", ", MaeConfig.PRESETS));
        }
        MaeConfig cfg = MaeConfig.preset(model);
        int img = cfg.encoder().imageSize(), channels = cfg.encoder().inChannels();
        System.out.printf(Locale.ROOT, "MAE step (%s): encoder %d×%d×%d on %d×%d (patch %d), decoder %d×%d×%d, batch %d, mask %.2f, %s%n", model,
                cfg.encoder().width(), cfg.encoder().depth(), cfg.encoder().heads(), cfg.encoder().imageSize(), cfg.encoder().imageSize(),
                cfg.encoder().patchSize(), cfg.decoderWidth(), cfg.decoderDepth(), cfg.decoderHeads(), batch, cfg.maskRatio(),
                (device.kind() == io.tessera.cli.DeviceSpec.Kind.CPU ? t + " thread(s)" : device + ", matmul " + matmul.name().toLowerCase(Locale.ROOT)
                        + ", attention " + attention.name().toLowerCase(Locale.ROOT)) + ", " + precision.name().toLowerCase(Locale.ROOT));
        double ours;
        long stepMb;
        Histogram hist = new Histogram(3_600_000_000_000L, 3);
        try (ExecutionContext ctx = device.open(t, 0, matmul, attention)) {
            io.tessera.gpu.GpuBackend gpu = ctx.backend() instanceof io.tessera.gpu.GpuBackend g ? g : null;
            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, cfg, DType.F32);
            AdamW opt = AdamW.maePretrain(mae.store());
            LossScaler scaler = precision == io.tessera.cli.DeviceSpec.Precision.FP16 ? new LossScaler() : null;
            Tensor imgs = ctx.ops().randn(new Rng(1), Shape.of(batch, channels, img, img), DType.F32);
            Rng masks = new Rng(2);
            long start = 0;
            for (int i = 0; i < warmup + steps; i++) {
                if (i == warmup) start = System.nanoTime();
                long t0 = System.nanoTime();
                step(ctx, mae, opt, scaler, imgs, masks.split(i));
                if (gpu != null) gpu.synchronize();
                if (i >= warmup) hist.recordValue(System.nanoTime() - t0);
            }
            ours = (double) batch * steps / ((System.nanoTime() - start) / 1e9);
            stepMb = (gpu != null ? gpu.memoryStats().peakLiveBytes() : ((io.tessera.tensor.cpu.ReferenceBackend) ctx.backend()).pooledBytes()) >> 20;
            if (profile && gpu != null) {
                gpu.profiling(true);
                step(ctx, mae, opt, scaler, imgs, masks.split(warmup + steps));
                printProfile(gpu.kernelProfile());
                gpu.profiling(false);
            }
        }
        long rss = peakRssMb(), heap = peakHeapMb();
        System.out.printf(Locale.ROOT, "tessera  %8.1f images/s   step p50 %.0f ms, p90 %.0f ms, max %.0f ms   peak RSS %d MB (peak heap %d MB, %s %d MB)%n",
                ours, hist.getValueAtPercentile(50) / 1e6, hist.getValueAtPercentile(90) / 1e6, hist.getMaxValue() / 1e6, rss, heap,
                device.kind() == io.tessera.cli.DeviceSpec.Kind.CPU ? "tensors of one step" : "peak device tensors", stepMb);
        String ratio = "n/a";
        if (!noReference) {
            String ref = pytorch(t, cfg);
            if (ref != null) {
                double theirs = number(ref, "images_per_s");
                double deviceMb = number(ref, "peak_device_mb");
                System.out.printf(Locale.ROOT, "pytorch  %8.1f images/s   peak RSS %.0f MB%s%n", theirs,
                        number(ref, "peak_rss_mb"), deviceMb > 0 ? String.format(Locale.ROOT, ", peak device tensors %.0f MB", deviceMb) : "");
                System.out.println("pytorch: " + TorchReference.describe(ref));
                ratio = String.format(Locale.ROOT, "%.3f", ours / theirs);
            }
        }
        System.out.println("pretrain_vs_pytorch " + ratio);
        return 0;
    }

    /**
     * One training step: gradients zeroed, the forward pass (under autocast with --precision bf16 or
     * fp16), backward, AdamW; with fp16 as the trainer runs it: backward on the scaled loss, the
     * gradients unscaled and checked (a read back, as GradScaler's step), AdamW unless they are not
     * finite, the scale updated.
     */
    private void step(ExecutionContext ctx, MaskedAutoencoder mae, AdamW opt, LossScaler scaler, Tensor imgs, Rng maskRng) {
        mae.store().zeroGrad();
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            Tensor loss;
            try (ExecutionContext.Autocast ac = precision.autocast() == null ? null : ctx.autocast(precision.autocast())) {
                loss = mae.forward(ctx.ops(), imgs, maskRng).loss();
            }
            tape.backward(scaler == null ? loss : ctx.ops().scale(loss, scaler.scale()));
        }
        if (scaler == null) {
            opt.step(1e-4);
            return;
        }
        scaler.unscale(mae.store().gradients());
        boolean finite;
        try (Scope s = ctx.openScope()) {
            finite = Double.isFinite(ctx.ops().sum(ctx.ops().square(mae.store().gradients())).item());
        }
        if (finite) opt.step(1e-4);
        scaler.update(!finite);
    }

    private String pytorch(int t, MaeConfig cfg) throws IOException, InterruptedException {
        String where = TorchReference.torchDevice(device, System.out);
        if (where == null) return null;
        return TorchReference.run(python, java.util.List.of("pretrain_torch.py"), java.util.List.of(String.valueOf(t), String.valueOf(Math.max(3, steps / 2)),
                String.valueOf(Math.max(1, warmup / 2)), where, String.valueOf(batch), torchPrecision(), dimensions(cfg)),
                System.out);
    }

    /** PyTorch's precision: bf16 autocast, or float32 with TF32 matrix products when ours run on TF32 tensor cores (fair both ways). */
    private String torchPrecision() {
        if (precision == io.tessera.cli.DeviceSpec.Precision.FP32 && matmul == io.tessera.cli.DeviceSpec.Matmul.CUBLAS_TF32) return "tf32";
        return precision.name().toLowerCase(Locale.ROOT);
    }

    /** The model as pretrain_torch.py's 7th argument: image, patch, channels, width, depth, heads, decoder width, depth, heads, mask ratio. */
    static String dimensions(MaeConfig c) {
        io.tessera.nn.VitConfig e = c.encoder();
        if (e.mlpRatio() != 4.0 || !e.qkvBias()) throw new IllegalStateException("the PyTorch side builds MLP ratio 4 with qkv bias; " + e);
        return String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%s", e.imageSize(), e.patchSize(), e.inChannels(), e.width(), e.depth(),
                e.heads(), c.decoderWidth(), c.decoderDepth(), c.decoderHeads(), Double.toString(c.maskRatio()));
    }

    /**
     * The kernels of one profiled step: longest total first (the first 15) with their share of the step's kernel
     * time, then the most launched (the first 10) with their share of the launches.
     */
    private static void printProfile(java.util.List<io.tessera.gpu.GpuBackend.KernelTime> times) {
        long total = times.stream().mapToLong(io.tessera.gpu.GpuBackend.KernelTime::nanos).sum();
        long launches = times.stream().mapToLong(io.tessera.gpu.GpuBackend.KernelTime::launches).sum();
        System.out.printf(Locale.ROOT, "profile of one step: %d launches, %.2f ms of kernel time%n", launches, total / 1e6);
        times.stream().sorted(java.util.Comparator.comparingLong(io.tessera.gpu.GpuBackend.KernelTime::nanos).reversed()).limit(15)
                .forEach(t -> System.out.printf(Locale.ROOT, "  %6.2f ms %5.1f %%  %5d x  %s%n", t.nanos() / 1e6, 100.0 * t.nanos() / Math.max(1, total),
                        t.launches(), t.kernel()));
        // launch-bound work (what fusion and step replay remove) ranks by count, not by time
        System.out.println("most launched:");
        times.stream().sorted(java.util.Comparator.comparingLong(io.tessera.gpu.GpuBackend.KernelTime::launches).reversed()).limit(10)
                .forEach(t -> System.out.printf(Locale.ROOT, "  %5d x %5.1f %%  %6.2f ms  %s%n", t.launches(), 100.0 * t.launches() / Math.max(1, launches),
                        t.nanos() / 1e6, t.kernel()));
    }

    /** The number under {@code key} in a flat JSON line. */
    static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*([-0-9.eE+]+)").matcher(json);
        if (!m.find()) throw new IllegalStateException("no " + key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    /** The string under {@code key} in a flat JSON line. */
    static String string(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "?";
    }

    /** Peak resident set of this process (VmHWM), or -1 where /proc is not available. */
    static long peakRssMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static long peakHeapMb() {
        long sum = 0;
        for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) {
            if (b.getType() == MemoryType.HEAP && b.getPeakUsage() != null) sum += b.getPeakUsage().getUsed();
        }
        return sum >> 20;
    }
}
