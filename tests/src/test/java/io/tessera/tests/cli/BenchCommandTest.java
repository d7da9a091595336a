package io.tessera.tests.cli;

import io.tessera.cli.Main;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmarks run end to end in their quick forms and end with their ratio lines (figures are not checked). */
class BenchCommandTest {
    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute(args)).as(String.join(" ", args)).isZero();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8).strip();
    }

    private static String lastLine(String s) {
        return s.lines().reduce((a, b) -> b).orElse("");
    }

    @Test
    void gemmEndsWithItsRatio() {
        assertThat(lastLine(run("bench", "gemm", "--quick"))).matches("gemm_vs_openblas ([0-9.]+|n/a)");
    }

    @Test
    void opsPrintsTheMachineLimits() {
        assertThat(run("bench", "ops", "--quick")).contains("limits", "layerNorm", "attention");
    }

    @Test
    void pretrainEndsWithItsRatio() {
        String out = run("bench", "pretrain", "--steps", "1", "--warmup", "0", "--no-reference");
        assertThat(out).contains("tessera", "images/s");
        assertThat(lastLine(out)).isEqualTo("pretrain_vs_pytorch n/a");
    }

    @Test
    void pretrainTakesAnyMaePreset() {
        String out = run("bench", "pretrain", "--model", "micro28", "--batch", "2", "--steps", "1", "--warmup", "0", "--no-reference");
        assertThat(out).contains("MAE step (micro28): encoder 64×4×4 on 28×28 (patch 4), decoder 32×2×4, batch 2");
        assertThat(Main.execute("bench", "pretrain", "--model", "vit_giant")).as("an unknown preset is refused").isNotZero();
    }
}
