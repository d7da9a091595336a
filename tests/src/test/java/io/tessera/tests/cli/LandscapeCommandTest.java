package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.eval.landscape.SurfaceGrid;
import io.tessera.nn.checkpoint.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tessera landscape} end to end: every method's checkpoint, interpolation and PCA directions, the
 * eigen-ratio map, and a sharded run over separate JVMs — one killed mid-grid and restarted — merged into
 * exactly the single-worker grid; bad input as one clear line.
 */
class LandscapeCommandTest {
    @TempDir
    Path dir;

    private Path pretrain(String method, int steps, int every) {
        Path out = dir.resolve(method);
        assertThat(Main.execute("pretrain", "--method", method, "--model", "micro16", "--epochs", "1", "--max-steps", String.valueOf(steps),
                "--batch", "8", "--threads", "2", "--workers", "1", "--checkpoint-every", String.valueOf(every), "--out", out.toString())).isZero();
        return out.resolve("checkpoint-" + steps);
    }

    private static SurfaceGrid grid(Path landscapeDir) throws IOException {
        Path f = landscapeDir.resolve("surface.json");
        return SurfaceGrid.parse(Files.readString(f), f.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mae", "rcmae", "lut", "supervised"})
    void everyMethodsLandscapeIsComputedAndCentredOnItsLoss(String method) throws Exception {
        Path ckpt = pretrain(method, 1, 0), out = dir.resolve("l-" + method);
        assertThat(Main.execute("landscape", "--checkpoint", ckpt.toString(), "--x", "-1:1:3", "--y", "-1:1:3", "--images", "16", "--batch", "8",
                "--threads", "2", "--out", out.toString())).isZero();
        SurfaceGrid g = grid(out);
        assertThat(g.todo()).isEmpty();
        Map<?, ?> summary = (Map<?, ?>) Json.parse(Files.readString(out.resolve("landscape.json")));
        double centre = ((Number) ((Map<?, ?>) summary.get("centre")).get("loss")).doubleValue();
        assertThat(centre).isEqualTo(g.field("loss")[4]);
        assertThat(out.resolve("directions.safetensors")).exists();
        for (String f : new String[] {"landscape.html", "loss_2dcontour.png", "loss_2dcontour.svg", "loss_2dcontourf.png", "loss_2dheat.png", "loss_3dsurface.png", "loss.vtp"}) {
            assertThat(out.resolve(f)).as(f).exists();
        }
        assertThat(Files.readString(out.resolve("landscape.html"))).contains("data:image/png;base64,").doesNotContain("http://", "https://");
        if (method.equals("supervised")) assertThat(g.fieldNames()).contains("accuracy");
        // the same directions loaded from the file give the same surface, bit for bit
        Path again = dir.resolve("again-" + method);
        assertThat(Main.execute("landscape", "--checkpoint", ckpt.toString(), "--x", "-1:1:3", "--y", "-1:1:3", "--images", "16", "--batch", "8",
                "--threads", "2", "--directions", out.resolve("directions.safetensors").toString(), "--out", again.toString())).isZero();
        assertThat(grid(again).field("loss")).containsExactly(g.field("loss"));
    }

    @Test
    void interpolationPcaAndTheEigenRatioMap() throws Exception {
        Path last = pretrain("mae", 4, 1), first = last.resolveSibling("checkpoint-1");
        Path interp = dir.resolve("interp");
        assertThat(Main.execute("landscape", "--checkpoint", first.toString(), "--checkpoint2", last.toString(), "--x", "-0.5:1.5:5",
                "--images", "8", "--batch", "8", "--threads", "2", "--out", interp.toString())).isZero();
        assertThat(grid(interp).twoDimensional()).isFalse();
        Path pca = dir.resolve("pca");
        assertThat(Main.execute("landscape", "--checkpoint", last.toString(), "--pca-of", last.getParent().toString(), "--x", "-1:1:3", "--y", "-1:1:3",
                "--ratio", "--lanczos-steps", "3", "--images", "8", "--batch", "8", "--threads", "2", "--out", pca.toString())).isZero();
        SurfaceGrid g = grid(pca);
        assertThat(g.fieldNames()).contains("lambda_max", "lambda_min", "ratio");
        Map<?, ?> dirs = (Map<?, ?>) Json.parse(Files.readString(pca.resolve("directions.json")));
        assertThat(dirs.get("kind")).isEqualTo("pca");
        assertThat((List<?>) dirs.get("trajectory")).hasSize(4);
        assertThat(String.valueOf(dirs.get("axis_labels"))).contains("1st PC: ");
        Map<?, ?> summary = (Map<?, ?>) Json.parse(Files.readString(pca.resolve("landscape.json")));
        assertThat(String.valueOf(summary.get("convex_regions"))).contains("eigen-ratio", "surface PSD");
        for (String f : new String[] {"trajectory.png", "ratio_2dheat.png", "convex_region.png", "convex_region_proxy.png"}) assertThat(pca.resolve(f)).as(f).exists();
        assertThat(interp.resolve("loss_1d.png")).exists();
    }

    @Test
    void theLinearProbeLossHasItsLandscapeAndHessian() throws Exception {
        Path ckpt = pretrain("mae", 1, 0), probes = dir.resolve("probe");
        assertThat(Main.execute("probe", "linear", "--checkpoint", ckpt.toString(), "--epochs", "1", "--batch", "64", "--threads", "2",
                "--out", probes.toString())).isZero();
        Path probe = probes.resolve("probe");
        Path out = dir.resolve("probe-land");
        assertThat(Main.execute("landscape", "--checkpoint", ckpt.toString(), "--probe", probe.toString(), "--x", "-1:1:3", "--y", "-1:1:3",
                "--images", "16", "--batch", "8", "--threads", "2", "--out", out.toString())).isZero();
        SurfaceGrid g = grid(out);
        assertThat(g.fieldNames()).containsExactly("loss", "accuracy");
        assertThat(g.settings().get("method")).isEqualTo("linear-probe");
        assertThat(g.field("accuracy")[4]).isBetween(0.0, 100.0);
        Path h = dir.resolve("probe-hess");
        assertThat(Main.execute("hessian", "--checkpoint", ckpt.toString(), "--probe", probe.toString(), "--batch", "8", "--top-k", "1",
                "--iters", "3", "--tol", "1e-2", "--threads", "2", "--out", h.toString())).isZero();
        assertThat(Files.readString(h.resolve("hessian.json"))).contains("\"method\":\"linear-probe\"");
        // a probe of another model is refused
        Path other = dir.resolve("mini");
        assertThat(Main.execute("pretrain", "--method", "mae", "--model", "mini", "--epochs", "1", "--max-steps", "1", "--batch", "8",
                "--threads", "2", "--workers", "1", "--out", other.toString())).isZero();
        assertThat(errorOf("landscape", "--checkpoint", other.resolve("checkpoint-1").toString(), "--probe", probe.toString(), "--x", "-1:1:2",
                "--images", "8", "--batch", "8")).contains("probe this checkpoint first");
    }

    private Process worker(Path ckpt, Path out, int rank, int size, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), "io.tessera.cli.Main", "landscape", "--checkpoint", ckpt.toString(),
                "--x", "-1:1:4", "--y", "-1:1:3", "--ratio", "--lanczos-steps", "3", "--images", "8", "--batch", "8", "--threads", "1", "--out", out.toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("worker-" + rank + ".log").toFile());
        pb.environment().put("RANK", String.valueOf(rank));
        pb.environment().put("WORLD_SIZE", String.valueOf(size));
        return pb.start();
    }

    private static int done(Path shardFile) {
        try {
            SurfaceGrid g = SurfaceGrid.parse(Files.readString(shardFile), shardFile.toString());
            return g.owned() - g.todo().size();
        } catch (IOException | IllegalArgumentException e) {
            return 0;
        }
    }

    @Test
    void shardsOverSeveralJvmsOneKilledAndResumedMergeIntoTheSingleWorkerGrid() throws Exception {
        Path ckpt = pretrain("mae", 1, 0);
        Path single = dir.resolve("single"), sharded = dir.resolve("sharded");
        assertThat(Main.execute("landscape", "--checkpoint", ckpt.toString(), "--x", "-1:1:4", "--y", "-1:1:3", "--ratio", "--lanczos-steps", "3",
                "--images", "8", "--batch", "8", "--threads", "1", "--out", single.toString())).isZero();
        Path file1 = sharded.resolve("shards").resolve("shard-1-of-3.json");
        Process victim = worker(ckpt, sharded, 1, 3);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (done(file1) < 1 && victim.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
        int before = done(file1);
        victim.destroyForcibly().waitFor();
        assertThat(before).as("shard 1 was killed part-way").isBetween(1, 3);
        Process w0 = worker(ckpt, sharded, 0, 3), w2 = worker(ckpt, sharded, 2, 3), again = worker(ckpt, sharded, 1, 3);
        for (Process p : List.of(w0, w2, again)) {
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(dir.resolve("worker-" + (p == w0 ? 0 : p == w2 ? 2 : 1) + ".log"))).isZero();
        }
        assertThat(Files.readString(dir.resolve("worker-1.log"))).contains("of 4 points to do");
        assertThat(Main.execute("landscape", "merge", sharded.toString())).isZero();
        SurfaceGrid a = grid(single), b = grid(sharded);
        for (String f : a.fieldNames()) assertThat(b.field(f)).as(f).containsExactly(a.field(f));
    }

    private String errorOf(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute(args)).isNotZero();
        } finally {
            System.setErr(old);
        }
        String all = err.toString(StandardCharsets.UTF_8);
        List<String> lines = all.lines().filter(l -> l.startsWith("tessera ")).toList();
        assertThat(lines).as("stderr: %s", all).hasSize(1);
        return lines.get(0);
    }

    @Test
    void badInputIsOneClearLineAndNoMergedFile() throws Exception {
        Path ckpt = pretrain("mae", 1, 0);
        assertThat(errorOf("landscape", "--checkpoint", ckpt.toString(), "--x", "1:-1:0")).contains("at least one point");
        assertThat(errorOf("landscape", "--checkpoint", ckpt.toString(), "--images", "10", "--batch", "4")).contains("divide");
        Path other = pretrain("lut", 1, 0);
        Path lutDir = dir.resolve("lut-land");
        assertThat(Main.execute("landscape", "--checkpoint", other.toString(), "--x", "-1:1:2", "--images", "8", "--batch", "8", "--out", lutDir.toString())).isZero();
        assertThat(errorOf("landscape", "--checkpoint", ckpt.toString(), "--x", "-1:1:2", "--images", "8", "--batch", "8",
                "--directions", lutDir.resolve("directions.safetensors").toString())).contains("another model");
        Path shards = dir.resolve("partial");
        assertThat(Main.execute("landscape", "--checkpoint", ckpt.toString(), "--x", "-1:1:3", "--images", "8", "--batch", "8", "--shard", "0/2",
                "--out", shards.toString())).isZero();
        assertThat(errorOf("landscape", "merge", shards.toString())).contains("shard 1/2 is missing");
        assertThat(shards.resolve("surface.json")).doesNotExist();
        assertThat(errorOf("landscape", "--checkpoint", ckpt.toString(), "--shard", "3/2")).contains("shard 3/2");
    }
}
