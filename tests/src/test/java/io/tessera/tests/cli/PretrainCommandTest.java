package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The pre-training commands end to end on the embedded data, with a micro model. */
class PretrainCommandTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"mae", "rcmae", "lut", "simmim", "lut-simmim", "supervised"})
    void everyMethodPretrainsAndCheckpoints(String method) throws Exception {
        Path out = dir.resolve(method);
        int rc = Main.execute("pretrain", "--method", method, "--model", "micro16", "--epochs", "1", "--max-steps", "2",
                "--batch", "16", "--threads", "2", "--out", out.toString());
        assertThat(rc).isZero();
        assertThat(TrainingCheckpoint.exists(out.resolve("checkpoint-2"))).isTrue();
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize(2);
    }

    /**
     * --precision bf16 and fp16: the step runs under autocast (other losses than float32), and the
     * sidecar records it (with the loss scaler's state for fp16).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"mae,bf16", "rcmae,bf16", "lut,bf16", "mae,fp16", "lut,fp16"})
    void lowPrecisionAutocastTrainsAndIsRecorded(String method, String precision) throws Exception {
        Path bf = dir.resolve(method + "-" + precision), fp = dir.resolve(method + "-fp32");
        for (Path out : new Path[] {bf, fp}) {
            assertThat(Main.execute("pretrain", "--method", method, "--model", "micro16", "--epochs", "1", "--max-steps", "2", "--batch", "16",
                    "--threads", "2", "--precision", out == bf ? precision : "fp32", "--out", out.toString())).isZero();
        }
        java.util.List<String> b = Files.readAllLines(bf.resolve("metrics.jsonl")), f = Files.readAllLines(fp.resolve("metrics.jsonl"));
        assertThat(b).hasSize(2);
        double lb = loss(b.get(1)), lf = loss(f.get(1));
        assertThat(lb).isFinite().isNotEqualTo(lf).isCloseTo(lf, org.assertj.core.data.Percentage.withPercentage(5));
        try (var files = Files.list(bf)) {
            String sidecars = files.filter(p -> p.getFileName().toString().startsWith("checkpoint-2") && p.toString().endsWith(".json"))
                    .map(p -> { try { return Files.readString(p); } catch (java.io.IOException e) { throw new java.io.UncheckedIOException(e); } })
                    .reduce("", String::concat);
            assertThat(sidecars).contains("\"precision\":\"" + precision + "\"");
            if (precision.equals("fp16")) assertThat(sidecars).contains("\"loss_scaler\":{\"scale\":65536.0,\"growth_tracker\":2}");
        }
        assertThat(Main.execute("pretrain", "--precision", "fp8", "--out", dir.resolve("x").toString())).isNotZero();
    }

    private static double loss(String jsonLine) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"loss\":\\s*([-0-9.eE+]+)").matcher(jsonLine);
        assertThat(m.find()).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void resumeContinuesAndReconstructRenders() throws Exception {
        Path out = dir.resolve("mae");
        assertThat(Main.execute("pretrain", "--method", "rcmae", "--model", "micro16", "--epochs", "1", "--max-steps", "2",
                "--batch", "16", "--out", out.toString())).isZero();
        assertThat(Main.execute("pretrain", "--method", "rcmae", "--model", "micro16", "--epochs", "1", "--max-steps", "3",
                "--batch", "16", "--out", out.toString(), "--resume", out.resolve("checkpoint-2").toString())).isZero();
        assertThat(TrainingCheckpoint.exists(out.resolve("checkpoint-3"))).isTrue();
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize(3);
        Path png = dir.resolve("r.png");
        assertThat(Main.execute("reconstruct", out.resolve("checkpoint-3").toString(), "--images", "3", "--out", png.toString())).isZero();
        assertThat(Files.size(png)).isGreaterThan(100);
    }

    @Test
    void badOptionsFailWithAnExitCode() {
        assertThat(Main.execute("pretrain", "--method", "byol")).isNotZero();
        assertThat(Main.execute("pretrain", "--model", "gigantic", "--out", dir.toString())).isEqualTo(1);
        assertThat(Main.execute("pretrain", "--data", "nonsense:x", "--out", dir.toString())).isEqualTo(1);
        assertThat(Main.execute("pretrain", "--batch", "5000", "--out", dir.toString())).isEqualTo(1);
    }

    @Test
    void demoWritesItsReport() throws Exception {
        Path out = dir.resolve("demo");
        assertThat(Main.execute("demo", "--epochs", "1", "--out", out.toString())).isZero();
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("k-NN", "<svg", "data:image/png;base64,");
        // both charts have real axes and legends, as text, and the page loads nothing from elsewhere
        assertThat(html).contains(">optimizer step<", ">reconstruction L_r<", ">consistency L_c<", ">k (neighbours, log scale)<", ">top-1 accuracy (%)<",
                ">teacher after pre-training<", ">same architecture, random weights<", ">20<", ">200<");
        assertThat(html).doesNotContain("<script", "<link", "<!DOCTYPE svg", "<?xml", "url(http").doesNotContainPattern("(src|href)\\s*=\\s*[\"']?(https?:|//)");
        assertThat(out.resolve("reconstructions.png")).exists();
    }
}
