package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StTensor;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tessera reconstruct} verifies the checkpoint it renders and says why it refuses one. */
class ReconstructCommandTest {
    @TempDir
    Path dir;

    /** Runs the CLI, returning exit code and standard error. */
    private static Map.Entry<Integer, String> run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = Main.execute(args);
            return Map.entry(rc, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void refusesANanPoisonedOrAlteredCheckpointWithTheRealCause() throws Exception {
        Path out = dir.resolve("run");
        assertThat(Main.execute("pretrain", "--method", "mae", "--model", "micro16", "--epochs", "1", "--max-steps", "1",
                "--batch", "16", "--threads", "2", "--out", out.toString())).isZero();
        Path base = out.resolve("checkpoint-1");
        Path weights = TrainingCheckpoint.weightsPath(base);
        byte[] good = Files.readAllBytes(weights);

        // NaN weights under a matching hash: refused for what they are, not as "not an MAE"
        SafeTensors.Contents c = SafeTensors.read(weights);
        List<StTensor> poisoned = new ArrayList<>();
        for (StTensor t : c.tensors()) {
            if (t.name().equals("student.decoder_pred.weight")) {
                float[] v = t.toFloats();
                v[3] = Float.NaN;
                t = StTensor.ofFloats(t.name(), t.dtype(), t.shape(), v);
            }
            poisoned.add(t);
        }
        SafeTensors.write(weights, poisoned, c.metadata());
        Map<String, Object> side = new LinkedHashMap<>(TrainingCheckpoint.readSidecar(base));
        side.put("weights_sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(weights))));
        Files.writeString(TrainingCheckpoint.sidecarPath(base), Json.write(side));
        var nan = run("reconstruct", base.toString(), "--images", "2", "--out", dir.resolve("nan.png").toString());
        assertThat(nan.getKey()).isEqualTo(1);
        assertThat(nan.getValue()).contains(weights.toString(), "student.decoder_pred.weight", "NaN").doesNotContain("does not hold an MAE");
        assertThat(dir.resolve("nan.png")).doesNotExist();

        // one flipped byte of the original weights: refused by the hash
        Files.writeString(TrainingCheckpoint.sidecarPath(base), Json.write(side).replace((String) side.get("weights_sha256"),
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(good))));
        good[good.length - 5] ^= 1;
        Files.write(weights, good);
        var flipped = run("reconstruct", base.toString(), "--images", "2", "--out", dir.resolve("flip.png").toString());
        assertThat(flipped.getKey()).isEqualTo(1);
        assertThat(flipped.getValue()).contains(weights.toString(), "does not match the sidecar");
    }
}
