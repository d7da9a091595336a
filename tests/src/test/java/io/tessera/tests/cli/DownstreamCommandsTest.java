package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.cli.OcclusionCommand;
import io.tessera.eval.downstream.ClassifierMetrics;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.eval.probe.ProbeCheckpoint;
import io.tessera.eval.probe.ProbedModel;
import io.tessera.nn.checkpoint.Json;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Split;
import io.tessera.tensor.ExecutionContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code tessera probe linear|knn}, {@code tessera finetune} and the occlusion command end to end on a
 * micro RC-MAE checkpoint of the embedded data: their files, that the probe checkpoint rebuilds the
 * classifier eval.json measured, and one clear line for each kind of bad input.
 */
class DownstreamCommandsTest {
    @TempDir
    static Path dir;
    static Path ckpt;

    @BeforeAll
    static void pretrain() {
        Path out = dir.resolve("rcmae");
        assertThat(Main.execute("pretrain", "--method", "rcmae", "--model", "micro16", "--epochs", "1", "--max-steps", "8",
                "--batch", "32", "--threads", "2", "--workers", "1", "--out", out.toString())).isZero();
        ckpt = out.resolve("checkpoint-8");
    }

    private static Map<?, ?> json(Path p) throws Exception {
        return (Map<?, ?>) Json.parse(Files.readString(p));
    }

    @Test
    void linearProbeWritesItsResultsAndARebuildableCheckpoint() throws Exception {
        Path out = dir.resolve("probe");
        assertThat(Main.execute("probe", "linear", "--checkpoint", ckpt.toString(), "--epochs", "20", "--warmup", "2", "--blr", "10", "--threads", "2", "--out", out.toString())).isZero();
        Map<?, ?> e = json(out.resolve("eval.json"));
        assertThat(e.get("schema")).isEqualTo("tessera.eval/1");
        assertThat(e.get("kind")).isEqualTo("linear-probe");
        assertThat((List<?>) e.get("epochs")).hasSize(20);
        assertThat(((Map<?, ?>) e.get("source")).get("role")).isEqualTo("teacher");
        assertThat(((Map<?, ?>) e.get("settings")).get("pooling")).isEqualTo("cls");
        double top1 = ((Number) ((Map<?, ?>) e.get("results")).get("top1")).doubleValue();
        assertThat(top1).as("a probe on pre-trained features, chance 0.1").isGreaterThan(0.4);
        for (String f : new String[] {"accuracy.png", "accuracy.svg", "loss.png", "loss.svg", "probe.safetensors", "probe.json"}) assertThat(out.resolve(f)).exists();
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            ProbedModel m = ProbeCheckpoint.load(ctx, out.resolve("probe"));
            var test = Datasets.open("fashion-mnist-embedded", Split.TEST);
            ClassifierMetrics r = ClassifierMetrics.evaluate(ctx, m, test, m.normalize(), 100, ProgressListener.NONE, "test");
            assertThat(r.top1()).as("the checkpoint is the probe eval.json measured").isCloseTo(top1, within(1e-12));
        }
        // occlusion of the probe, run on its own through picocli
        Path occ = dir.resolve("occ-probe");
        assertThat(OcclusionCommand.execute("--checkpoint", out.resolve("probe.json").toString(), "--mode", "patches", "--ratios", "0,0.5,1",
                "--threads", "2", "--out", occ.toString())).isZero();
        Map<?, ?> o = json(occ.resolve("occlusion.json"));
        assertThat(o.get("kind")).isEqualTo("occlusion");
        List<?> points = (List<?>) ((Map<?, ?>) o.get("results")).get("points");
        assertThat(points).hasSize(3);
        assertThat(((Number) ((Map<?, ?>) points.get(0)).get("top1")).doubleValue()).isCloseTo(top1, within(1e-12));
        assertThat(occ.resolve("occlusion.png")).exists();
    }

    @Test
    void augmentedProbeRunsTheEncoderOnCrops() throws Exception {
        Path out = dir.resolve("probe-aug");
        assertThat(Main.execute("probe", "linear", "--checkpoint", ckpt.toString(), "--augment", "--epochs", "3", "--warmup", "1", "--blr", "10",
                "--threads", "2", "--out", out.toString())).isZero();
        Map<?, ?> e = json(out.resolve("eval.json"));
        assertThat((String) ((Map<?, ?>) e.get("settings")).get("features")).contains("RandomResizedCrop");
        assertThat((List<?>) e.get("epochs")).hasSize(3);
        assertThat(((Number) ((Map<?, ?>) e.get("results")).get("optimizer_steps")).longValue()).isEqualTo(3 * (2000 / 256));
        assertThat(((Number) ((Map<?, ?>) e.get("results")).get("top1")).doubleValue()).as("above chance").isGreaterThan(0.15);
    }

    @Test
    void knnReportsEveryK() throws Exception {
        Path out = dir.resolve("knn");
        assertThat(Main.execute("probe", "knn", "--checkpoint", ckpt.toString(), "--k", "5,20", "--threads", "2", "--out", out.toString())).isZero();
        Map<?, ?> e = json(out.resolve("eval.json"));
        assertThat(e.get("kind")).isEqualTo("knn");
        List<?> byK = (List<?>) ((Map<?, ?>) e.get("results")).get("by_k");
        assertThat(byK).hasSize(2);
        assertThat(((Number) ((Map<?, ?>) byK.get(1)).get("top1")).doubleValue()).isGreaterThan(0.3);
        assertThat(out.resolve("knn.svg")).exists();
    }

    @Test
    void finetuneRunsTheRecipeAndItsModelGetsOccluded() throws Exception {
        Path out = dir.resolve("ft");
        assertThat(Main.execute("finetune", "--checkpoint", ckpt.toString(), "--epochs", "1", "--batch", "64", "--threads", "2", "--out", out.toString())).isZero();
        Map<?, ?> e = json(out.resolve("eval.json"));
        assertThat(e.get("kind")).isEqualTo("finetune");
        Map<?, ?> settings = (Map<?, ?>) e.get("settings");
        assertThat(settings.get("rand_augment")).isEqualTo("rand-m9-mstd0.5-inc1");
        assertThat((List<?>) settings.get("param_groups")).hasSize(2 * 4); // layers 0…3 (depth 2), decay and no decay
        assertThat(((Map<?, ?>) e.get("results")).get("optimizer_steps")).isEqualTo(2000L / 64);
        assertThat(Files.readString(out.resolve("finetune.json"))).contains("\"format\":\"tessera.finetune/1\"", "\"pooling\":\"mean\"", "\"pos_embed\":\"learnable\"");
        Path occ = dir.resolve("occ-ft");
        assertThat(OcclusionCommand.execute("--checkpoint", out.resolve("finetune").toString(), "--ratios", "0,0.3", "--threads", "2", "--out", occ.toString())).isZero();
        assertThat(occ.resolve("occlusion.svg")).exists();
    }

    private static String errorOf(Function<String[], Integer> run, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(run.apply(args)).isEqualTo(1);
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
        Function<String[], Integer> main = Main::execute, occ = OcclusionCommand::execute;
        String c = ckpt.toString();
        assertThat(errorOf(main, "probe", "linear", "--checkpoint", c, "--classes", "5")).contains("--classes 5 does not match the 10 classes");
        assertThat(errorOf(main, "finetune", "--checkpoint", c, "--classes", "12")).contains("does not match the 10 classes");
        Path empty = Files.createDirectories(dir.resolve("empty-folder"));
        assertThat(errorOf(main, "probe", "knn", "--checkpoint", c, "--data", "folder:" + empty)).contains("no class sub-folders");
        assertThat(errorOf(main, "probe", "knn", "--checkpoint", c, "--k", "5000")).contains("must be in [1, 2000]");
        assertThat(errorOf(main, "finetune", "--checkpoint", c, "--batch", "63")).contains("even batch");
        assertThat(errorOf(main, "probe", "linear", "--checkpoint", c, "--pooling", "max")).contains("choose cls or avg");
        assertThat(errorOf(occ, "--checkpoint", c)).contains("neither a probe nor a fine-tune checkpoint");
        assertThat(errorOf(occ, "--checkpoint", dir.resolve("nothing/probe").toString())).contains("no checkpoint at");

        // a pre-training checkpoint whose sidecar describes another architecture than its weights
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        for (String ext : new String[] {".safetensors", ".json"}) Files.copy(Path.of(c + ext), other.resolve("checkpoint-8" + ext));
        Path side = other.resolve("checkpoint-8.json");
        Files.writeString(side, Files.readString(side).replace("\"embed_dim\":32", "\"embed_dim\":48"));
        assertThat(errorOf(main, "probe", "linear", "--checkpoint", other.resolve("checkpoint-8").toString())).contains("does not fit");

        // a probe checkpoint whose description is of another architecture, and data the probe does not take
        Path probe = dir.resolve("probe-bad");
        assertThat(Main.execute("probe", "linear", "--checkpoint", c, "--epochs", "1", "--threads", "2", "--out", probe.toString())).isZero();
        String ps = Files.readString(probe.resolve("probe.json"));
        assertThat(errorOf(occ, "--checkpoint", probe.resolve("probe").toString(), "--data", "folder:" + empty)).contains("no val/ or test/ sub-folder");
        Files.writeString(probe.resolve("probe.json"), ps.replace("\"depth\":2", "\"depth\":3"));
        assertThat(errorOf(occ, "--checkpoint", probe.resolve("probe").toString())).contains("does not fit its description");
    }
}
