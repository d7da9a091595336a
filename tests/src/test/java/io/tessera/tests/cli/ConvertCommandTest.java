package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.StTensor;
import io.tessera.nn.checkpoint.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tessera convert} end to end on the MAE golden file and on .pth files written by PyTorch. */
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

    @Test
    void aPyTorchCheckpointBecomesSafetensorsWithItsModelEntry() throws Exception {
        Path out = dir.resolve("mae.safetensors");
        assertThat(Main.execute("convert", "reference/golden/pth_mae_micro.pth", out.toString())).isZero();
        SafeTensors.Contents c = SafeTensors.read(out);
        StateDict pth = StateDict.read(Path.of("reference/golden/pth_mae_micro.pth"));
        assertThat(c.tensors()).containsExactlyElementsOf(pth.tensors());
        assertThat(c.metadata().get("source")).isEqualTo("pth_mae_micro.pth (torch_zip, state dict at model)");

        Path vit = dir.resolve("vit.safetensors");
        assertThat(Main.execute("convert", "--from", "mae", "--to", "timm", "reference/golden/pth_mae_micro.pth", vit.toString())).isZero();
        assertThat(SafeTensors.read(vit).tensors()).noneMatch(t -> t.name().startsWith("decoder_")).anyMatch(t -> t.name().equals("blocks.1.norm2.bias"));
    }

    @Test
    void safetensorsBecomeAPthNestedUnderModelWithTorchCounters() throws Exception {
        Path st = dir.resolve("lut.safetensors"), pth = dir.resolve("lut.pth");
        assertThat(Main.execute("convert", "reference/golden/pth_lut_nano.pth", st.toString())).isZero();
        assertThat(Main.execute("convert", "--out-key", "model", "reference/golden/pth_lut_nano.safetensors", pth.toString())).isZero();
        StateDict back = StateDict.read(pth);
        assertThat(back.keyPath()).containsExactly("model");
        StTensor counter = back.get("head.1.num_batches_tracked");
        assertThat(counter.dtype()).as("written as PyTorch holds it").isEqualTo(StDType.I64);
        assertThat(counter.shape()).isEmpty();
        assertThat(counter.toLongs()).containsExactly(7L);
        assertThat(back.tensors()).containsExactlyElementsOf(SafeTensors.read(st).tensors());
    }

    @Test
    void aMaliciousPthIsOneClearLineAndExitCodeOne() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int rc;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = Main.execute("convert", "reference/golden/pth_evil_reduce.pth", dir.resolve("x.safetensors").toString());
        } finally {
            System.setErr(old);
        }
        assertThat(rc).isEqualTo(1);
        String text = err.toString(StandardCharsets.UTF_8).strip();
        assertThat(text.lines().count()).isEqualTo(1);
        assertThat(text).contains("refused global posix.system").contains("pth_evil_reduce.pth");
        assertThat(dir.resolve("x.safetensors")).doesNotExist();
        assertThat(Main.execute("convert", "--key", "nope", "reference/golden/pth_mae_micro.pth", dir.resolve("y.safetensors").toString())).isEqualTo(1);
        assertThat(Main.execute("convert", "--from", "mae", "reference/golden/pth_mae_micro.pth", dir.resolve("z.safetensors").toString())).isEqualTo(1);
    }
}
