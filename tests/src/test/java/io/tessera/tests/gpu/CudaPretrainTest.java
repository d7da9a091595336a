package io.tessera.tests.gpu;

import io.tessera.cli.Main;
import io.tessera.gpu.CudaDevice;
import io.tessera.gpu.GpuUnavailableException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every pre-training method on the CUDA backend through the same command line, model, method
 * and trainer code as on the CPU: the first step's loss and gradient norm agree with the CPU
 * backend's (tiled kernel and cuBLAS FP32), and the run checkpoints. Skipped where no CUDA
 * device (driver, NVRTC and a GPU) is present.
 */
@Tag("gpu")
class CudaPretrainTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void requireCuda() {
        String why = null;
        try (CudaDevice dev = CudaDevice.open(CudaDevice.Options.defaults())) {
            dev.info();
        } catch (GpuUnavailableException e) {
            why = e.getMessage();
        }
        Assumptions.assumeTrue(why == null, "no CUDA device: " + why);
    }

    private List<String> run(String method, String device, String matmul) throws IOException {
        Path out = dir.resolve(method + "-" + device.replace(':', '-') + "-" + matmul);
        int rc = Main.execute("pretrain", "--method", method, "--model", "micro16", "--epochs", "1", "--max-steps", "2",
                "--batch", "8", "--threads", "2", "--workers", "1", "--device", device, "--matmul", matmul, "--out", out.toString());
        assertThat(rc).as(method + " on " + device + " with " + matmul).isZero();
        assertThat(out.resolve("checkpoint-2.safetensors")).exists();
        return Files.readAllLines(out.resolve("metrics.jsonl"));
    }

    private static double field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*([-0-9.eE+]+)").matcher(json);
        assertThat(m.find()).as(key + " in " + json).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static void sameFirstStep(String what, List<String> cpu, List<String> gpu) {
        assertThat(gpu).hasSize(2);
        double lc = field(cpu.get(0), "loss"), lg = field(gpu.get(0), "loss");
        assertThat(lg).as(what + " step-1 loss").isCloseTo(lc, within(2e-4 * Math.max(1, Math.abs(lc))));
        double gc = field(cpu.get(0), "grad_norm"), gg = field(gpu.get(0), "grad_norm");
        assertThat(gg).as(what + " step-1 gradient norm").isCloseTo(gc, within(1e-3 * Math.max(1, gc)));
        double l2 = field(gpu.get(1), "loss");
        assertThat(Double.isFinite(l2)).as(what + " step-2 loss " + l2).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mae", "rcmae", "lut", "simmim", "lut-simmim", "supervised"})
    void firstStepMatchesTheCpu(String method) throws IOException {
        sameFirstStep(method, run(method, "cpu", "tiled"), run(method, "cuda", "tiled"));
    }

    @Test
    void maeWithCublasMatchesTheCpu() throws IOException {
        sameFirstStep("mae with cublas", run("mae", "cpu", "tiled"), run("mae", "cuda", "cublas"));
    }

    @Test
    void engineAndDeviceMismatchesAreOneLineErrors() {
        assertThat(Main.execute("pretrain", "--device", "cuda:99", "--max-steps", "1", "--out", dir.toString())).isNotZero();
        assertThat(Main.execute("pretrain", "--device", "cuda", "--matmul", "clblast", "--max-steps", "1", "--out", dir.toString())).isNotZero();
    }
}
