package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StDType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tessera convert} end to end on the MAE golden file. */
class ConvertCommandTest {
    @TempDir
    Path dir;

    @Test
    void maeToTimmKeepsTheEncoderOnly() throws Exception {
        Path out = dir.resolve("vit.safetensors");
        int rc = Main.execute("convert", "--from", "mae", "--to", "timm", "--select", "weights.", "--dtype", "BF16",
                "reference/golden/mae_tiny.safetensors", out.toString());
        assertThat(rc).isZero();
        SafeTensors.Contents c = SafeTensors.read(out);
        assertThat(c.get("blocks.1.mlp.fc2.weight")).isNotNull();
        assertThat(c.get("blocks.1.mlp.fc2.weight").dtype()).isEqualTo(StDType.BF16);
        assertThat(c.tensors()).noneMatch(t -> t.name().startsWith("decoder_") || t.name().equals("mask_token") || t.name().startsWith("grad."));
        assertThat(c.metadata()).containsEntry("converted", "mae -> timm");
    }

    @Test
    void badInputIsOneClearErrorAndExitCode() {
        int rc = Main.execute("convert", "--from", "mae", "--to", "timm", dir.resolve("missing.safetensors").toString(), dir.resolve("o").toString());
        assertThat(rc).isEqualTo(1);
    }
}
