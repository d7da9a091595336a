package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.nn.checkpoint.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tessera hessian} on a checkpoint of every method (micro model, few iterations), and its refusals. */
class HessianCommandTest {
    @TempDir
    Path dir;

    private Path pretrain(String method) {
        Path out = dir.resolve(method);
        assertThat(Main.execute("pretrain", "--method", method, "--model", "micro16", "--epochs", "1", "--max-steps", "1",
                "--batch", "8", "--threads", "2", "--workers", "1", "--out", out.toString())).isZero();
        return out.resolve("checkpoint-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mae", "rcmae", "lut", "simmim", "lut-simmim", "supervised"})
    void everyMethodsCheckpointGetsItsSpectrum(String method) throws Exception {
        Path ckpt = pretrain(method), out = dir.resolve("h-" + method);
        int rc = Main.execute("hessian", "--checkpoint", ckpt + ".safetensors", "--batch", "4", "--batches", "2", "--top-k", "2", "--ratio",
                "--trace", "--density", "--batch-spectra", "--iters", "4", "--tol", "1e-2", "--lanczos-steps", "4", "--threads", "2", "--out", out.toString());
        assertThat(rc).isZero();
        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(out.resolve("hessian.json")));
        assertThat(json.get("schema")).isEqualTo("tessera.hessian/1");
        assertThat(Files.readString(out.resolve("hessian.html"))).contains("Eigen-ratio", "data:image/png;base64,");
        assertThat(out.resolve("density.png")).exists();
        assertThat(out.resolve("density.svg")).exists();
        assertThat(out.resolve("batch-eigenvalues.png")).exists();
        String text = Files.readString(out.resolve("hessian.json"));
        assertThat(text).doesNotContain("NaN").contains("\"method\":\"" + method + "\"");
    }

    private String errorOf(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute(args)).isEqualTo(1);
        } finally {
            System.setErr(old);
        }
        String s = err.toString(StandardCharsets.UTF_8).strip();
        List<String> lines = s.lines().filter(l -> l.startsWith("tessera ")).toList();
        assertThat(lines).as("one error line in %s", s).hasSize(1);
        return lines.get(0);
    }

    @Test
    void badInputIsOneClearLine() throws Exception {
        assertThat(errorOf("hessian", "--checkpoint", dir.resolve("nothing/checkpoint-3").toString())).contains("no checkpoint at");
        Path ckpt = pretrain("mae");
        assertThat(errorOf("hessian", "--checkpoint", ckpt.toString(), "--params", "biases")).contains("unknown parameter set");
        assertThat(errorOf("hessian", "--checkpoint", ckpt.toString(), "--top-k", "0")).contains("nothing to compute");
        assertThat(errorOf("hessian", "--checkpoint", ckpt.toString(), "--batch", "5000")).contains("images");
        // a sidecar that describes another model than its weights
        Path side = Path.of(ckpt + ".json");
        Files.writeString(side, Files.readString(side).replace("\"embed_dim\":32", "\"embed_dim\":48"));
        assertThat(errorOf("hessian", "--checkpoint", ckpt.toString())).contains("does not fit");
    }
}
