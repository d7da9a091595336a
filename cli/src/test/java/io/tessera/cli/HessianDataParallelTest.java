package io.tessera.cli;

import io.tessera.nn.checkpoint.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code mpirun -np 2 tessera hessian} against one process on a micro16 MAE checkpoint, 3 batches of
 * 2 images: rank 0 takes batch 0 (and keeps its graph between products), rank 1 batches 1 and 2,
 * and the products are summed over the ranks. Each batch's product is the same float32 computation
 * in both runs, so power iteration, Lanczos, the trace and the per-batch spectra agree to double
 * rounding (seen: 1e-15 relative): the test asks for 1e-9 relative, far below what a wrong share,
 * mask or weight would move (whole percents). Without mpirun it skips, except under CI=true.
 */
class HessianDataParallelTest {
    @TempDir
    Path dir;

    @Test
    void twoProcessesFindTheSpectrumOfOne() throws Exception {
        Path mpirun = MpiJobs.mpirunOrSkip();
        Path run = dir.resolve("run");
        assertThat(Main.execute("pretrain", "--method", "mae", "--model", "micro16", "--epochs", "1", "--max-steps", "1", "--batch", "8",
                "--threads", "1", "--workers", "0", "--distributed", "none", "--out", run.toString())).isZero();
        List<String> args = new ArrayList<>(List.of("hessian", "--checkpoint", run.resolve("checkpoint-1").toString(), "--batch", "2", "--batches", "3",
                "--top-k", "2", "--ratio", "--trace", "--batch-spectra", "--iters", "3", "--tol", "1e-2", "--lanczos-steps", "4", "--threads", "1"));
        MpiJobs.Job one = MpiJobs.run(mpirun, 0, dir.resolve("one.log"), 180, with(args, "--distributed", "none", "--out", dir.resolve("one").toString()));
        assertThat(one.exitCode()).as(one.output()).isZero();
        MpiJobs.Job two = MpiJobs.run(mpirun, 2, dir.resolve("two.log"), 180, with(args, "--out", dir.resolve("two").toString()));
        assertThat(two.exitCode()).as(two.output()).isZero();
        // rank 0 alone prints and writes
        assertThat(two.output()).contains(", 2 processes");
        assertThat(two.output().split("wrote ", -1)).hasSize(2);

        Map<?, ?> a = json(dir.resolve("one")), b = json(dir.resolve("two"));
        assertThat((String) ctx(b).get("batches")).isEqualTo("3 × 2, contiguous shares of 2 processes, products summed over them");
        assertThat(ctx(b).get("loss_value")).isEqualTo(ctx(a).get("loss_value"));
        close(doubles(a, "top_eigenvalues", "eigenvalues"), doubles(b, "top_eigenvalues", "eigenvalues"), "top-2 by power iteration");
        close(doubles(a, "extremes", "lanczos", "ritz_values"), doubles(b, "extremes", "lanczos", "ritz_values"), "Lanczos Ritz values");
        close(doubles(a, "trace", "samples"), doubles(b, "trace", "samples"), "Hutchinson samples");
        assertThat(ints(b, "top_eigenvalues", "iterations")).isEqualTo(ints(a, "top_eigenvalues", "iterations"));
        List<?> pa = (List<?>) ((Map<?, ?>) a.get("batches")).get("per_batch"), pb = (List<?>) ((Map<?, ?>) b.get("batches")).get("per_batch");
        assertThat(pb).hasSize(3).hasSameSizeAs(pa);
        for (int i = 0; i < 3; i++) {
            close(numbers((Map<?, ?>) pa.get(i), "eigenvalues"), numbers((Map<?, ?>) pb.get(i), "eigenvalues"), "batch " + i + "'s top-2");
        }
        // the batches differ, so a share that held the wrong batch would not pass the line above
        assertThat(numbers((Map<?, ?>) pa.get(0), "eigenvalues")[0]).isNotEqualTo(numbers((Map<?, ?>) pa.get(2), "eigenvalues")[0]);
    }

    private static void close(double[] want, double[] got, String what) {
        assertThat(got).as(what).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).as("%s [%d]", what, i).isCloseTo(want[i], within(1e-9 * Math.abs(want[i]) + 1e-12));
        }
    }

    private static List<String> with(List<String> args, String... more) {
        List<String> l = new ArrayList<>(args);
        l.addAll(List.of(more));
        return l;
    }

    private static Map<?, ?> json(Path out) throws Exception {
        return (Map<?, ?>) Json.parse(Files.readString(out.resolve("hessian.json")));
    }

    private static Map<?, ?> ctx(Map<?, ?> json) {
        return (Map<?, ?>) json.get("context");
    }

    private static Object at(Map<?, ?> m, String... path) {
        Object o = m;
        for (String k : path) o = ((Map<?, ?>) o).get(k);
        return o;
    }

    private static double[] doubles(Map<?, ?> m, String... path) {
        return ((List<?>) at(m, path)).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
    }

    private static long[] ints(Map<?, ?> m, String... path) {
        return ((List<?>) at(m, path)).stream().mapToLong(x -> ((Number) x).longValue()).toArray();
    }

    private static double[] numbers(Map<?, ?> m, String key) {
        return doubles(m, key);
    }
}
