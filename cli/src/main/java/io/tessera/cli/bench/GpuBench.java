package io.tessera.cli.bench;

import io.tessera.cli.DeviceSpec;
import io.tessera.gpu.CudaBackend;
import io.tessera.gpu.CudaDevice;
import io.tessera.gpu.GpuBackend;
import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code tessera bench gpu}: on a CUDA device, square FP32 matrix products at each size through
 * our tiled kernel (sgemm.kc compiled by NVRTC), cuBLAS through FFM (FP32, and TF32 tensor
 * cores), and PyTorch's torch.matmul with TF32 off and on; then attention forward + backward at
 * ViT-B sizes (B, 12 heads, 197 tokens, head size 64) through our kernels (composed on the tiled
 * and cuBLAS products, and the fused attention.kc) and PyTorch's (the same composed algorithm, and
 * its fused scaled_dot_product_attention). Every figure is the median over 5
 * trials of the mean time of back-to-back calls after a warm-up; PyTorch runs in a child process
 * on the same device, in the same run. Ends with the ratios the targets are read from.
 */
@Command(name = "gpu", mixinStandardHelpOptions = true,
        description = "GEMM 1024-8192 (tiled kernel, cuBLAS, torch.matmul TF32 off/on) and attention forward+backward at ViT-B sizes on a CUDA device.")
public final class GpuBench implements Callable<Integer> {
    private static final int TRIALS = 5;

    @Option(names = "--device", defaultValue = "cuda", converter = DeviceSpec.Converter.class, description = "A CUDA device: cuda or cuda:N (default ${DEFAULT-VALUE}).")
    DeviceSpec device;

    @Option(names = "--sizes", split = ",", defaultValue = "1024,2048,4096,8192", description = "Square GEMM sizes (default ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(names = "--repeats", defaultValue = "20", description = "Back-to-back calls per trial (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--batch", defaultValue = "64", description = "Attention batch (default ${DEFAULT-VALUE}); heads 12, tokens 197, head size 64 as in ViT-B/16.")
    int batch;

    @Option(names = "--opencl", converter = DeviceSpec.Converter.class,
            description = "Also time the same tiled kernels through OpenCL on this device (opencl:P:D, e.g. the vendor's OpenCL on the same GPU).")
    DeviceSpec opencl;

    @Option(names = "--python", defaultValue = "python3", description = "Python with a CUDA PyTorch for the reference (default ${DEFAULT-VALUE}).")
    String python;

    @Override
    public Integer call() throws Exception {
        if (device.kind() != DeviceSpec.Kind.CUDA) {
            System.err.println("bench gpu: --device must be cuda or cuda:N (got " + device + ")");
            return 2;
        }
        if (repeats < 1 || batch < 1 || sizes.length == 0 || Arrays.stream(sizes).anyMatch(n -> n < 1)) {
            System.err.println("bench gpu: --repeats, --batch and every size must be positive");
            return 2;
        }
        int heads = 12, tokens = 197, headDim = 64;
        List<String> ratios = new ArrayList<>();
        double[][] ours = new double[sizes.length][3];
        double[][] attention = new double[3][2]; // tiled, cublas (composed), fused
        try (CudaDevice dev = CudaDevice.open(CudaDevice.Options.defaults().withDevice(device.device()));
             CudaBackend tiled = CudaBackend.on(dev, CudaBackend.MatmulEngine.TILED);
             CudaBackend cublas = CudaBackend.on(dev, CudaBackend.MatmulEngine.CUBLAS);
             CudaBackend tf32 = CudaBackend.on(dev, CudaBackend.MatmulEngine.CUBLAS_TF32)) {
            CudaDevice.Info info = dev.info();
            System.out.println("device: " + info.name() + " (" + info.architecture() + ", " + info.multiprocessors() + " SMs, "
                    + (info.globalMemoryBytes() >> 20) + " MiB), driver " + info.driverVersion() + ", NVRTC " + info.nvrtcVersion());
            for (int s = 0; s < sizes.length; s++) {
                int n = sizes[s];
                Tensor a = random(tiled, 1 + s, 1, n, n), b = random(tiled, 100 + s, 1, n, n);
                Tensor c = random(tiled, 200 + s, 1, n, n), ref = random(tiled, 300 + s, 1, n, n);
                CudaBackend[] engines = {tiled, cublas, tf32};
                for (int e = 0; e < engines.length; e++) {
                    CudaBackend be = engines[e];
                    ours[s][e] = time(be, () -> be.matmul(c, a, b, false, false, 1, 0));
                    System.out.printf(Locale.ROOT, "gemm %5d  %-12s %9.3f ms  %6.1f TFLOP/s%n", n, be.matmulEngine().name().toLowerCase(Locale.ROOT),
                            ours[s][e], tflops(n, ours[s][e]));
                }
                // the same product through each engine, compared with cuBLAS FP32
                cublas.matmul(ref, a, b, false, false, 1, 0);
                float[] want = cublas.readF32(ref);
                tiled.matmul(c, a, b, false, false, 1, 0);
                System.out.printf(Locale.ROOT, "gemm %5d  tiled vs cublas: relative error %.2e%n", n, relativeError(tiled.readF32(c), want));
                tf32.matmul(c, a, b, false, false, 1, 0);
                System.out.printf(Locale.ROOT, "gemm %5d  cublas_tf32 vs cublas: relative error %.2e%n", n, relativeError(tf32.readF32(c), want));
                for (Tensor t : new Tensor[]{a, b, c, ref}) tiled.release(t.storage());
                tiled.emptyCache();
            }
            Shape qs = Shape.of(batch, heads, tokens, headDim), ps = Shape.of(batch, heads, tokens, tokens);
            Tensor q = random(tiled, 11, qs.dims()), k = random(tiled, 12, qs.dims()), v = random(tiled, 13, qs.dims());
            Tensor dout = random(tiled, 14, qs.dims()), out = random(tiled, 15, qs.dims()), probs = random(tiled, 16, ps.dims());
            Tensor dq = random(tiled, 17, qs.dims()), dk = random(tiled, 18, qs.dims()), dv = random(tiled, 19, qs.dims());
            double scale = 1 / Math.sqrt(headDim);
            CudaBackend[] engines = {tiled, cublas};
            for (int e = 0; e < engines.length; e++) {
                CudaBackend be = engines[e];
                attention[e][0] = time(be, () -> be.attention(out, probs, q, k, v, scale));
                attention[e][1] = time(be, () -> {
                    be.attention(out, probs, q, k, v, scale);
                    be.attentionBackward(dq, dk, dv, dout, q, k, v, probs, scale);
                });
                System.out.printf(Locale.ROOT, "attention (%d, %d, %d, %d) with %-7s forward %.3f ms, forward+backward %.3f ms%n", batch, heads, tokens,
                        headDim, be.matmulEngine().name().toLowerCase(Locale.ROOT), attention[e][0], attention[e][1]);
            }
            // the fused kernels (attention.kc): no probabilities, the row log-sum-exp instead
            Tensor lse = random(tiled, 20, batch, heads, tokens);
            attention[2][0] = time(tiled, () -> tiled.attentionLse(out, lse, q, k, v, scale));
            attention[2][1] = time(tiled, () -> {
                tiled.attentionLse(out, lse, q, k, v, scale);
                tiled.attentionLseBackward(dq, dk, dv, dout, q, k, v, out, lse, scale);
            });
            System.out.printf(Locale.ROOT, "attention (%d, %d, %d, %d) fused   forward %.3f ms, forward+backward %.3f ms%n", batch, heads, tokens,
                    headDim, attention[2][0], attention[2][1]);
            tiled.attentionLse(out, lse, q, k, v, scale);
            float[] fused = tiled.readF32(out);
            cublas.attention(out, probs, q, k, v, scale);
            System.out.printf(Locale.ROOT, "attention fused vs cublas: relative error of the output %.2e%n", relativeError(fused, cublas.readF32(out)));
        }
        double[] viaOpenCl = openClTimes();
        Optional<String> torch = torch(heads, tokens, headDim);
        System.out.println();
        System.out.printf(Locale.ROOT, "%-6s %10s %10s %12s %12s %12s%n", "size", "tiled ms", "cublas ms", "cublas_tf32", "torch fp32", "torch tf32");
        for (int s = 0; s < sizes.length; s++) {
            int n = sizes[s];
            double tFp32 = torch.map(j -> PretrainBench.number(j, "gemm_" + n + "_fp32_ms")).orElse(Double.NaN);
            double tTf32 = torch.map(j -> PretrainBench.number(j, "gemm_" + n + "_tf32_ms")).orElse(Double.NaN);
            System.out.printf(Locale.ROOT, "%-6d %10.3f %10.3f %12.3f %12.3f %12.3f%n", n, ours[s][0], ours[s][1], ours[s][2], tFp32, tTf32);
            ratios.add(String.format(Locale.ROOT, "tiled_vs_cublas_%d %.3f", n, ours[s][1] / ours[s][0]));
            if (viaOpenCl != null) ratios.add(String.format(Locale.ROOT, "tiled_opencl_vs_tiled_cuda_%d %.3f", n, ours[s][0] / viaOpenCl[s]));
            if (torch.isPresent()) {
                ratios.add(String.format(Locale.ROOT, "cublas_vs_torch_fp32_%d %.3f", n, tFp32 / ours[s][1]));
                ratios.add(String.format(Locale.ROOT, "cublas_tf32_vs_torch_tf32_%d %.3f", n, tTf32 / ours[s][2]));
            }
        }
        if (torch.isPresent()) {
            String j = torch.get();
            double torchBoth = PretrainBench.number(j, "attention_ms"), sdpa = PretrainBench.number(j, "attention_sdpa_ms");
            System.out.printf(Locale.ROOT, "attention fwd+bwd: tessera tiled %.3f ms, tessera cublas %.3f ms, torch (same algorithm) %.3f ms, torch sdpa %.3f ms;"
                    + " forward: tiled %.3f ms, cublas %.3f ms, torch %.3f ms%n", attention[0][1], attention[1][1], torchBoth, sdpa, attention[0][0],
                    attention[1][0], PretrainBench.number(j, "attention_forward_ms"));
            ratios.add(String.format(Locale.ROOT, "attention_tiled_vs_torch %.3f", torchBoth / attention[0][1]));
            ratios.add(String.format(Locale.ROOT, "attention_cublas_vs_torch %.3f", torchBoth / attention[1][1]));
            ratios.add(String.format(Locale.ROOT, "attention_cublas_vs_torch_sdpa %.3f", sdpa / attention[1][1]));
            ratios.add(String.format(Locale.ROOT, "attention_fused_vs_torch_sdpa %.3f", sdpa / attention[2][1]));
        }
        System.out.println("(ratios: reference time / our time; above 1 means Tessera is faster)");
        ratios.forEach(System.out::println);
        return 0;
    }

    /** The tiled products at each size through OpenCL on {@link #opencl}, or null when not asked for. */
    private double[] openClTimes() {
        if (opencl == null) return null;
        if (opencl.kind() != DeviceSpec.Kind.OPENCL) throw new IllegalArgumentException("--opencl takes opencl:P:D, got " + opencl);
        double[] out = new double[sizes.length];
        try (io.tessera.gpu.ClBackend be = io.tessera.gpu.ClBackend.open(io.tessera.gpu.OpenClDevice.Options.defaults()
                .withDevice(opencl.platform(), opencl.device()))) {
            System.out.println("opencl: " + be.openClDevice());
            for (int s = 0; s < sizes.length; s++) {
                int n = sizes[s];
                Tensor a = random(be, 1 + s, 1, n, n), b = random(be, 100 + s, 1, n, n), c = random(be, 200 + s, 1, n, n);
                out[s] = time(be, () -> be.matmul(c, a, b, false, false, 1, 0));
                System.out.printf(Locale.ROOT, "gemm %5d  tiled (OpenCL) %9.3f ms  %6.1f TFLOP/s%n", n, out[s], tflops(n, out[s]));
                for (Tensor t : new Tensor[]{a, b, c}) be.release(t.storage());
            }
        }
        return out;
    }

    private static double tflops(int n, double ms) {
        return 2.0 * n * n * n / (ms * 1e-3) / 1e12;
    }

    /** ‖got − want‖ / ‖want‖ in double. */
    private static double relativeError(float[] got, float[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += (double) want[i] * want[i];
        }
        return Math.sqrt(num / den);
    }

    private static Tensor random(GpuBackend be, long seed, int... dims) {
        Shape s = Shape.of(dims);
        Tensor t = new Tensor(be, s, DType.F32, be.allocate(DType.F32, s.size(), false), 0);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        be.write(t, v);
        return t;
    }

    /** Median over trials of the mean milliseconds per call of {@code repeats} back-to-back calls, after a warm-up. */
    private double time(GpuBackend be, Runnable call) {
        for (int i = 0; i < 3; i++) call.run();
        be.synchronize();
        double[] trials = new double[TRIALS];
        for (int t = 0; t < TRIALS; t++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < repeats; r++) call.run();
            be.synchronize();
            trials[t] = (System.nanoTime() - t0) / 1e6 / repeats;
        }
        Arrays.sort(trials);
        return trials[TRIALS / 2];
    }

    /** Runs gpu_torch.py; its JSON line, or empty (with the reason printed) when PyTorch cannot run. */
    private Optional<String> torch(int heads, int tokens, int headDim) throws IOException, InterruptedException {
        Path script = Files.createTempFile("tessera-gpu-torch", ".py");
        try (InputStream in = GpuBench.class.getResourceAsStream("gpu_torch.py")) {
            Files.write(script, in.readAllBytes());
            String sizeList = String.join(",", Arrays.stream(sizes).mapToObj(Integer::toString).toList());
            Process p = new ProcessBuilder(python, script.toString(), sizeList, String.valueOf(repeats), String.valueOf(batch),
                    String.valueOf(heads), String.valueOf(tokens), String.valueOf(headDim)).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                String[] lines = output.strip().split("\n");
                System.out.println("pytorch: not measured (" + lines[lines.length - 1] + ")");
                return Optional.empty();
            }
            String json = output.strip().lines().filter(l -> l.startsWith("{")).reduce((x, y) -> y).orElse("");
            System.out.println("pytorch: torch " + PretrainBench.string(json, "torch") + " on " + PretrainBench.string(json, "device"));
            return Optional.of(json);
        } catch (IOException e) {
            System.out.println("pytorch: not measured (" + python + ": " + e.getMessage() + ")");
            return Optional.empty();
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
