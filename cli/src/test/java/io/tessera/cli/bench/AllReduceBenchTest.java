package io.tessera.cli.bench;

import io.tessera.cli.Main;
import io.tessera.cli.MpiJobs;
import io.tessera.nn.checkpoint.Json;
import io.tessera.tensor.dist.LaunchEnvironment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code mpirun -np 2 tessera bench allreduce} on three small sizes: the printed table and the JSON
 * have one row per size with both paths, the bandwidths and the ratio follow from the times by the
 * stated rules, and the reduced values the command shows are the sums over the two ranks of the
 * pattern it documents. One process is refused in one line.
 */
class AllReduceBenchTest {
    @TempDir
    Path dir;

    @Test
    void twoRanksReduceCorrectlyAndReportBothPaths() throws Exception {
        Path mpirun = MpiJobs.mpirunOrSkip();
        Path json = dir.resolve("allreduce.json");
        MpiJobs.Job job = MpiJobs.run(mpirun, 2, dir.resolve("bench.log"), 120,
                List.of("bench", "allreduce", "--sizes", "1,1021,5000", "--iters", "3", "--warmup", "1", "--json", json.toString()));
        assertThat(job.exitCode()).as(job.output()).isZero();
        String out = job.output();
        // rank 0 alone prints: one header, one row per size, the ratio last
        assertThat(out.split("all-reduce \\(sum, F32, in place\\) among 2 processes \\(mpirun\\): Open MPI v", -1)).hasSize(2);
        assertThat(out).containsPattern("(?m)^ +5000 +0\\.0 MB \\|.*\\| \\d+\\.\\d{3}$").contains("verified: both paths' sums equal");
        List<String> lines = out.strip().lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertThat(lines.getLast()).matches("allreduce_vs_mpi \\d+\\.\\d{3}");

        Map<?, ?> m = (Map<?, ?>) Json.parse(Files.readString(json));
        assertThat(m.get("schema")).isEqualTo("tessera.bench.allreduce/1");
        assertThat(m.get("world_size")).isEqualTo(2L);
        assertThat(m.get("dtype")).isEqualTo("F32");
        assertThat((String) m.get("library")).startsWith("Open MPI v");
        List<?> results = (List<?>) m.get("results");
        assertThat(results).hasSize(3);
        long[] sizes = {1, 1021, 5000};
        for (int s = 0; s < 3; s++) {
            Map<?, ?> r = (Map<?, ?>) results.get(s);
            assertThat(r.get("elements")).isEqualTo(sizes[s]);
            assertThat(r.get("bytes")).isEqualTo(4 * sizes[s]);
            double[] medians = new double[2];
            int p = 0;
            for (String path : List.of("tessera", "mpi")) {
                Map<?, ?> t = (Map<?, ?>) r.get(path);
                double median = num(t, "median_ms"), algbw = num(t, "algbw_gbs");
                assertThat(median).as(path).isPositive().isLessThanOrEqualTo(num(t, "p90_ms")).isGreaterThanOrEqualTo(num(t, "min_ms"));
                assertThat(algbw).isCloseTo(4 * sizes[s] / (median / 1e3) / 1e9, within(1e-9 * algbw));
                assertThat(num(t, "busbw_gbs")).isCloseTo(algbw * 2 * (2 - 1) / 2, within(1e-12 * algbw));
                // rank r held (i mod 1021) + (r + 1)/4: the sum over ranks 0 and 1 is 2·(i mod 1021) + 0.75
                List<?> first = (List<?>) t.get("first_values");
                assertThat(first).hasSize((int) Math.min(8, sizes[s]));
                for (int i = 0; i < first.size(); i++) assertThat(((Number) first.get(i)).doubleValue()).isEqualTo(2.0 * i + 0.75);
                medians[p++] = median;
            }
            assertThat(num(r, "allreduce_vs_mpi")).isCloseTo(medians[1] / medians[0], within(1e-12));
        }
    }

    @Test
    void oneProcessIsRefusedInOneLine() {
        Assumptions.assumeFalse(LaunchEnvironment.fromEnvironment(System.getenv()).distributed(), "this test JVM was itself started by a launcher");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute("bench", "allreduce", "--elements", "16")).isEqualTo(1);
        } finally {
            System.setErr(old);
        }
        assertThat(err.toString(StandardCharsets.UTF_8).strip())
                .isEqualTo("tessera allreduce: bench allreduce measures an all-reduce among processes and needs at least 2 ranks; this is a single process: "
                        + "start it with mpirun -np 2 (or more) java … io.tessera.cli.Main bench allreduce");
    }

    @Test
    void theTransportIsWhatTheEnvironmentTellsOpenMpi() {
        assertThat(AllReduceBench.transport(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", "2", "OMPI_MCA_orte_app_num", "0"), 2))
                .isEqualTo("Open MPI's own choice (no pml, btl, mtl or coll parameter set); all 2 ranks on one node");
        assertThat(AllReduceBench.transport(Map.of("OMPI_MCA_pml", "ob1", "OMPI_MCA_btl", "self,vader", "OMPI_MCA_coll_tuned_allreduce_algorithm", "4",
                "OMPI_MCA_ess", "^singleton", "OMPI_COMM_WORLD_LOCAL_SIZE", "2"), 4))
                .isEqualTo("--mca btl=self,vader, coll_tuned_allreduce_algorithm=4, pml=ob1; 2 of 4 ranks on this node");
    }

    private static double num(Map<?, ?> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
