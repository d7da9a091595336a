package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.nn.checkpoint.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code tessera study --quick} end to end: every claim's section and verdict in the report, the
 * verdicts computed from the numbers the run's own commands wrote, and a study interrupted between
 * tasks and inside a pre-training that, continued seed by seed ({@code --seed}) and then as a whole,
 * gives the numbers of an uninterrupted one.
 */
class StudyCommandTest {
    @TempDir
    static Path dir;
    static Path quick;

    @BeforeAll
    static void runQuickStudy() {
        quick = dir.resolve("quick");
        assertThat(Main.execute("study", "--quick", "--threads", "2", "--out", quick.toString())).isZero();
    }

    private static Map<?, ?> json(Path p) throws Exception {
        return (Map<?, ?>) Json.parse(Files.readString(p));
    }

    private static double top1(Path evalJson) throws Exception {
        return ((Number) ((Map<?, ?>) json(evalJson).get("results")).get("top1")).doubleValue();
    }

    @Test
    void reportHasEveryClaimWithAComputedVerdict() throws Exception {
        String html = Files.readString(quick.resolve("report.html"));
        for (int c = 1; c <= 5; c++) assertThat(html).contains("Claim " + c + ":");
        assertThat(html).contains("Criterion:").contains("<svg").contains("data:image/png;base64,").contains("Settings");
        Map<?, ?> study = json(quick.resolve("study.json"));
        assertThat(study.get("schema")).isEqualTo("tessera.study/1");
        List<?> claims = (List<?>) study.get("claims");
        assertThat(claims).hasSize(5);
        Set<String> verdicts = Set.of("reproduced", "not reproduced", "inconclusive");
        for (Object o : claims) {
            Map<?, ?> c = (Map<?, ?>) o;
            assertThat(verdicts).contains((String) c.get("verdict"));
            for (Object p : (List<?>) c.get("parts")) assertThat(verdicts).contains((String) ((Map<?, ?>) p).get("verdict"));
        }
    }

    @Test
    void claimTwoIsComputedFromTheProbesItRan() throws Exception {
        Map<?, ?> c2 = (Map<?, ?>) ((List<?>) json(quick.resolve("study.json")).get("claims")).get(1);
        Map<?, ?> part = (Map<?, ?>) ((List<?>) c2.get("parts")).getFirst();
        List<?> diffs = (List<?>) part.get("differences_by_seed");
        assertThat(diffs).hasSize(2);
        for (int s = 0; s < 2; s++) {
            double lut = top1(quick.resolve("probe/lut-s" + s + "/e2/eval.json")), mae = top1(quick.resolve("probe/mae-s" + s + "/e2/eval.json"));
            assertThat(((Number) diffs.get(s)).doubleValue()).isCloseTo(100 * (lut - mae), within(1e-9));
        }
        Map<?, ?> d = (Map<?, ?>) part.get("difference");
        double mean = (((Number) diffs.get(0)).doubleValue() + ((Number) diffs.get(1)).doubleValue()) / 2;
        assertThat(((Number) d.get("mean")).doubleValue()).isCloseTo(mean, within(1e-9));
        double half = ((Number) d.get("ci95_half_width")).doubleValue();
        String expected = mean - half > 0 ? "reproduced" : mean + half < 0 ? "not reproduced" : "inconclusive";
        assertThat(part.get("verdict")).isEqualTo(expected);
    }

    @Test
    void linearModelIdentitiesAreExact() throws Exception {
        Map<?, ?> c5 = (Map<?, ?>) ((List<?>) json(quick.resolve("study.json")).get("claims")).get(4);
        Map<?, ?> identities = (Map<?, ?>) ((List<?>) c5.get("parts")).get(1);
        assertThat(identities.get("verdict")).isEqualTo("reproduced");
        Map<?, ?> lm = json(quick.resolve("prop41/linear-model.json"));
        assertThat(((Number) ((Map<?, ?>) lm.get("same_mask")).get("max_step5_residual")).doubleValue()).isLessThan(1e-10);
        assertThat(((Number) ((Map<?, ?>) lm.get("independent_mask")).get("max_step3_residual")).doubleValue()).isGreaterThan(1e-3);
    }

    @Test
    void anInterruptedStudyContinuesToTheSameNumbers() throws Exception {
        Path cut = dir.resolve("cut");
        String[] args = {"study", "--quick", "--seeds", "1", "--threads", "2", "--out", cut.toString()};
        String[] first = java.util.Arrays.copyOf(args, args.length + 2);
        first[args.length] = "--stop-after";
        first[args.length + 1] = "3";
        assertThat(Main.execute(first)).isEqualTo(3);
        // LUT's pre-training (the third task) "killed" after its first epoch: its last checkpoint and ledger entry gone
        Path lut = cut.resolve("pretrain/lut-s0");
        Path last = newest(lut);
        Files.delete(Path.of(last + ".json"));
        Files.delete(Path.of(last + ".safetensors"));
        Files.delete(cut.resolve("tasks/pretrain_lut-s0.json"));
        // the rest of seed 0 alone (as one of several processes splitting a study by seed), then the remainder
        String[] seed0 = java.util.Arrays.copyOf(args, args.length + 2);
        seed0[args.length] = "--seed";
        seed0[args.length + 1] = "0";
        assertThat(Main.execute(seed0)).isZero();
        assertThat(cut.resolve("report.html")).doesNotExist();
        assertThat(cut.resolve("tasks/pretrain_lut-s0.json")).exists();
        assertThat(Main.execute(args)).isZero();

        Path whole = dir.resolve("whole");
        assertThat(Main.execute("study", "--quick", "--seeds", "1", "--threads", "2", "--out", whole.toString())).isZero();
        assertThat(Files.readAllBytes(Path.of(newest(lut) + ".safetensors")))
                .isEqualTo(Files.readAllBytes(Path.of(newest(whole.resolve("pretrain/lut-s0")) + ".safetensors")));
        assertThat(json(cut.resolve("study.json")).get("claims")).isEqualTo(json(whole.resolve("study.json")).get("claims"));
    }

    @Test
    void otherSettingsInTheSameDirectoryAreRefused() {
        Path d = dir.resolve("refuse");
        assertThat(Main.execute("study", "--quick", "--seeds", "1", "--stop-after", "1", "--threads", "2", "--out", d.toString())).isEqualTo(3);
        var err = new java.io.ByteArrayOutputStream();
        var old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        int rc;
        try {
            rc = Main.execute("study", "--quick", "--seeds", "1", "--epochs", "3", "--threads", "2", "--out", d.toString());
        } finally {
            System.setErr(old);
        }
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString()).contains("other settings").contains("epochs 2 → 3");
        assertThat(Main.execute("study", "--quick", "--seeds", "1", "--seed", "1", "--threads", "2", "--out", d.toString())).isEqualTo(1);
    }

    private static Path newest(Path run) throws Exception {
        try (var s = Files.list(run)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("checkpoint-[0-9]+\\.json"))
                    .map(n -> Long.parseLong(n.replaceAll("[^0-9]", ""))).max(Long::compare)
                    .map(step -> run.resolve("checkpoint-" + step)).orElseThrow();
        }
    }
}
