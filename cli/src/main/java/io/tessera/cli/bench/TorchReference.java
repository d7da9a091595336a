package io.tessera.cli.bench;

import io.tessera.cli.DeviceSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch side of a benchmark: the bundled scripts copied to a temporary directory and run by the
 * given Python in a child process, as the machine would run PyTorch unforced — variables that pin
 * OpenBLAS to a kernel family ({@code OPENBLAS_CORETYPE}, {@code OPENBLAS_L2_SIZE}) are removed from the
 * child's environment, and the run says so. Every script ends with one JSON line that names torch's
 * version, its BLAS, the OpenBLAS core it picked and its threads ({@code reference_info} in
 * pretrain_torch.py); {@link #describe} prints them, so a ratio always says what it was measured against.
 */
final class TorchReference {
    static final List<String> FORCING = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");

    private TorchReference() {
    }

    /** "cpu" or "cuda:N" for PyTorch, or null (and a printed reason) when PyTorch has no such device. */
    static String torchDevice(DeviceSpec device, PrintStream out) {
        if (device.kind() == DeviceSpec.Kind.CPU) return "cpu";
        if (device.kind() == DeviceSpec.Kind.CUDA) return "cuda:" + device.device();
        out.println("pytorch: not measured (PyTorch has no OpenCL device)");
        return null;
    }

    /**
     * Runs {@code scripts[0]} (the others are copied beside it for import) with {@code args}; returns its
     * last JSON line, or null after printing why nothing was measured.
     */
    static String run(Path python, List<String> scripts, List<String> args, PrintStream out) throws IOException, InterruptedException {
        if (!Files.isExecutable(python)) {
            out.println("pytorch: not measured (" + python + " not found; Debian: apt-get install python3-torch)");
            return null;
        }
        Path dir = Files.createTempDirectory("tessera-bench");
        try {
            for (String name : scripts) {
                try (InputStream in = TorchReference.class.getResourceAsStream(name)) {
                    if (in == null) throw new IllegalStateException("benchmark script " + name + " is missing from the jar");
                    Files.write(dir.resolve(name), in.readAllBytes());
                }
            }
            List<String> cmd = new ArrayList<>(List.of(python.toString(), dir.resolve(scripts.get(0)).toString()));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            List<String> removed = new ArrayList<>();
            for (String v : FORCING) if (env.remove(v) != null) removed.add(v + "=" + System.getenv(v));
            if (!removed.isEmpty()) out.println("pytorch: run with " + String.join(", ", removed) + " removed from its environment (they force an OpenBLAS kernel)");
            Process p = pb.start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0 || text.lines().noneMatch(l -> l.startsWith("{"))) {
                String last = text.strip().lines().reduce((a, b) -> b).orElse("");
                out.println("pytorch: not measured (" + (last.contains("No module named") ? "PyTorch is not installed for " + python : last) + ")");
                return null;
            }
            return text.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
    }

    /** "torch 1.13.0, BLAS openblas (core SkylakeX, 2 threads), cpu" from a script's JSON line. */
    static String describe(String json) {
        return String.format(Locale.ROOT, "torch %s, BLAS %s (OpenBLAS core %s), %s, %s intra-op thread(s)", PretrainBench.string(json, "torch"),
                PretrainBench.string(json, "blas"), PretrainBench.string(json, "blas_core"), PretrainBench.string(json, "device"),
                PretrainBench.string(json, "threads")) + (json.contains("\"precision\"") ? ", " + PretrainBench.string(json, "precision") : "");
    }
}
