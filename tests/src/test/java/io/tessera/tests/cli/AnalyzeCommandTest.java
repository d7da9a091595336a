package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.StTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tessera analyze spectrum|attention|gradcam} on micro checkpoints of every method, comparisons, and one-line refusals. */
class AnalyzeCommandTest {
    @TempDir
    Path dir;

    private Path pretrain(String method, String out) {
        Path o = dir.resolve(out);
        assertThat(Main.execute("pretrain", "--method", method, "--model", "micro16", "--epochs", "1", "--max-steps", "1",
                "--batch", "8", "--threads", "2", "--workers", "1", "--out", o.toString())).isZero();
        return o.resolve("checkpoint-1");
    }

    private static Map<?, ?> json(Path p) throws Exception {
        String text = Files.readString(p);
        assertThat(text).doesNotContain("NaN");
        return (Map<?, ?>) Json.parse(text);
    }

    @ParameterizedTest
    @CsvSource({"mae, student", "rcmae, teacher", "lut, student", "simmim, student", "lut-simmim, student", "supervised, student"})
    void everyMethodsEvaluationEncoderIsAnalysed(String method, String role) throws Exception {
        Path ckpt = pretrain(method, method), spec = dir.resolve("s-" + method), att = dir.resolve("a-" + method);
        assertThat(Main.execute("analyze", "spectrum", "--checkpoint", ckpt.toString(), "--images", "40", "--batch", "16", "--layer", "0,final",
                "--threads", "2", "--out", spec.toString())).isZero();
        Map<?, ?> s = json(spec.resolve("spectrum.json"));
        assertThat(s.get("schema")).isEqualTo("tessera.spectrum/1");
        assertThat((List<?>) s.get("spectra")).hasSize(2);
        assertThat(String.valueOf(((Map<?, ?>) s.get("context")).get("checkpoint 1"))).endsWith("encoder " + role);
        for (String f : List.of("spectrum-final.png", "spectrum-final.svg", "spectrum-block0-loglog.png", "rankme-by-layer.svg", "spectrum.html")) {
            assertThat(spec.resolve(f)).exists();
        }
        assertThat(Main.execute("analyze", "attention", "--checkpoint", ckpt.toString(), "--images", "6", "--batch", "4", "--show", "2",
                "--threads", "2", "--out", att.toString())).isZero();
        Map<?, ?> a = json(att.resolve("attention.json"));
        assertThat(a.get("schema")).isEqualTo("tessera.attention/1");
        Map<?, ?> st = (Map<?, ?>) ((List<?>) a.get("statistics")).get(0);
        assertThat(st.get("images")).isEqualTo(6L);
        assertThat((List<?>) st.get("distance_px")).hasSize(2);              // micro16: 2 blocks
        assertThat(Files.readString(att.resolve("attention.html"))).contains("Attention maps", "data:image/png;base64,");
        assertThat(att.resolve("attention-maps-1.png")).exists();
        assertThat(att.resolve("attention-distance.svg")).exists();
    }

    @Test
    void checkpointsAreComparedAndGradCamUsesTheModelsOrAGivenHead() throws Exception {
        Path sup = pretrain("supervised", "sup"), mae = pretrain("mae", "mae");
        Path spec = dir.resolve("spec"), att = dir.resolve("att"), gc = dir.resolve("gc"), gc2 = dir.resolve("gc2");
        assertThat(Main.execute("analyze", "spectrum", "--checkpoint", mae.toString(), "--checkpoint", sup.toString(), "--label", "MAE", "--label", "ViT",
                "--images", "40", "--pooling", "mean", "--window", "2:20", "--threads", "2", "--out", spec.toString())).isZero();
        List<?> spectra = (List<?>) json(spec.resolve("spectrum.json")).get("spectra");
        assertThat(spectra.stream().map(o -> String.valueOf(((Map<?, ?>) o).get("label"))).toList()).containsExactly("MAE", "ViT");
        assertThat(((Map<?, ?>) spectra.get(0)).get("pooling")).isEqualTo("mean");
        assertThat(((Map<?, ?>) ((Map<?, ?>) spectra.get(0)).get("alpha_req")).get("from")).isEqualTo(2L);
        assertThat(Main.execute("analyze", "attention", "--checkpoint", mae.toString(), "--checkpoint", sup.toString(), "--images", "4", "--rows",
                "unnormalised", "--threshold", "0.6", "--fusion", "max", "--threads", "2", "--out", att.toString())).isZero();
        Map<?, ?> a = json(att.resolve("attention.json"));
        assertThat((List<?>) a.get("statistics")).hasSize(2).allSatisfy(o -> assertThat(((Map<?, ?>) o).get("rows")).isEqualTo("unnormalised"));
        assertThat(att.resolve("attention-maps-2.png")).exists();

        assertThat(Main.execute("analyze", "gradcam", "--checkpoint", sup.toString(), "--images", "3", "--threads", "2", "--out", gc.toString())).isZero();
        Map<?, ?> g = (Map<?, ?>) ((List<?>) json(gc.resolve("gradcam.json")).get("gradcam")).get(0);
        assertThat((List<?>) g.get("maps")).hasSize(3);
        assertThat(gc.resolve("gradcam.png")).exists();
        Path head = dir.resolve("probe.safetensors");
        float[] w = new float[4 * 32];
        for (int i = 0; i < w.length; i++) w[i] = (float) Math.sin(i);
        SafeTensors.write(head, List.of(StTensor.ofFloats("weight", StDType.F32, new long[] {4, 32}, w),
                StTensor.ofFloats("bias", StDType.F32, new long[] {4}, new float[4])), Map.of());
        assertThat(Main.execute("analyze", "gradcam", "--checkpoint", mae.toString(), "--head", head.toString(), "--class", "2", "--images", "2",
                "--threads", "2", "--out", gc2.toString())).isZero();
        Map<?, ?> g2 = (Map<?, ?>) ((List<?>) json(gc2.resolve("gradcam.json")).get("gradcam")).get(0);
        assertThat((List<?>) g2.get("maps")).allSatisfy(o -> assertThat(((Map<?, ?>) o).get("target")).isEqualTo(2L));
        assertThat(Files.readString(gc2.resolve("gradcam.html"))).contains("Grad-CAM", "probe.safetensors");
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
        assertThat(errorOf("analyze", "spectrum", "--checkpoint", dir.resolve("none/checkpoint-3").toString())).contains("no checkpoint at");
        Path ckpt = pretrain("mae", "mae");
        assertThat(errorOf("analyze", "spectrum", "--checkpoint", ckpt.toString(), "--layer", "2")).contains("layer 2 is out of range: the encoder has 2 blocks");
        assertThat(errorOf("analyze", "spectrum", "--checkpoint", ckpt.toString(), "--images", "1")).contains("at least 2 images");
        assertThat(errorOf("analyze", "attention", "--checkpoint", ckpt.toString(), "--role", "teacher")).contains("mae has no encoder in role 'teacher'");
        assertThat(errorOf("analyze", "attention", "--checkpoint", ckpt.toString(), "--label", "a", "--label", "b")).contains("2 --label values for 1 --checkpoint");
        assertThat(errorOf("analyze", "attention", "--checkpoint", ckpt.toString(), "--images", "9000")).contains("has 500");
        Files.createDirectories(dir.resolve("empty/train"));
        assertThat(errorOf("analyze", "attention", "--checkpoint", ckpt.toString(), "--data", "folder:" + dir.resolve("empty"), "--split", "train"))
                .contains("no class sub-folders");
        Files.createDirectories(dir.resolve("cifar-like/train/cat"));
        assertThat(errorOf("analyze", "attention", "--checkpoint", ckpt.toString(), "--data", "folder:" + dir.resolve("cifar-like"), "--split", "train"))
                .contains("cat");
        assertThat(errorOf("analyze", "gradcam", "--checkpoint", ckpt.toString())).contains("no classification head");
        Path head = dir.resolve("wide.safetensors");
        SafeTensors.write(head, List.of(StTensor.ofFloats("weight", StDType.F32, new long[] {3, 48}, new float[3 * 48]),
                StTensor.ofFloats("bias", StDType.F32, new long[] {3}, new float[3])), Map.of());
        assertThat(errorOf("analyze", "gradcam", "--checkpoint", ckpt.toString(), "--head", head.toString())).contains("takes features of width 48; mae checkpoint-1 gives 32");
        // weights of another architecture than the sidecar describes
        Path side = Path.of(ckpt + ".json");
        Files.writeString(side, Files.readString(side).replace("\"embed_dim\":32", "\"embed_dim\":48"));
        assertThat(errorOf("analyze", "attention", "--checkpoint", ckpt.toString())).contains("does not fit");
    }
}
