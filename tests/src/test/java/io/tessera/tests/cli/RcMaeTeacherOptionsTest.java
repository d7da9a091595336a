package io.tessera.tests.cli;

import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pretrain --teacher-mask} and {@code --log-grad-cosines} end to end on the embedded data with the micro model. */
class RcMaeTeacherOptionsTest {
    private static final List<String> COSINE_FIELDS = List.of("cos_c_r", "cos_c_gap", "grad_r_norm", "grad_c_norm", "gap_norm");

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> metrics(Path out) throws IOException {
        List<Map<String, Object>> l = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) l.add((Map<String, Object>) Json.parse(line));
        return l;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> side, String key) {
        return (Map<String, Object>) side.get(key);
    }

    private CliRun pretrain(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("pretrain", "--model", "micro16", "--epochs", "1", "--batch", "16", "--threads", "2", "--out", out.toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void anIndependentTeacherMaskIsRecordedAndTheCosinesAreLoggedAndKeptOnResume() throws IOException {
        Path out = dir.resolve("d");
        CliRun r = pretrain(out, "--method", "rcmae", "--teacher-mask", "independent", "--log-grad-cosines", "--max-steps", "2");
        assertThat(r.rc()).as(r.err()).isZero();
        Map<String, Object> side = TrainingCheckpoint.readSidecar(out.resolve("checkpoint-2"));
        assertThat(object(side, "method_config")).containsEntry("teacher_mask", "independent");
        assertThat(object(side, "trainer_config")).containsEntry("grad_cosines", true);
        List<Map<String, Object>> m = metrics(out);
        assertThat(m.get(0).keySet()).containsAll(COSINE_FIELDS);
        assertThat(m.get(0).get("cos_c_gap")).as("no gap at step 1").isNull();
        assertThat(m.get(1).get("cos_c_gap")).isInstanceOf(Double.class);

        CliRun conflict = pretrain(out, "--resume", out.resolve("checkpoint-2").toString(), "--teacher-mask", "same", "--max-steps", "3");
        assertThat(conflict.oneErrorLine("pretrain")).contains("--teacher-mask same conflicts", "with --teacher-mask independent");

        CliRun resumed = pretrain(out, "--resume", out.resolve("checkpoint-2").toString(), "--max-steps", "3");
        assertThat(resumed.rc()).as(resumed.err()).isZero();
        assertThat(metrics(out)).hasSize(3);
        assertThat(metrics(out).get(2).keySet()).as("the recorded choice is kept").containsAll(COSINE_FIELDS);
        CliRun off = pretrain(out, "--resume", out.resolve("checkpoint-3").toString(), "--no-log-grad-cosines", "--max-steps", "4");
        assertThat(off.rc()).as(off.err()).isZero();
        assertThat(metrics(out).get(3).keySet()).doesNotContainAnyElementsOf(COSINE_FIELDS);
    }

    @Test
    void theDefaultIsTheSameMaskWithoutCosines() throws IOException {
        Path out = dir.resolve("s");
        CliRun r = pretrain(out, "--method", "rcmae", "--max-steps", "1");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(object(TrainingCheckpoint.readSidecar(out.resolve("checkpoint-1")), "method_config")).containsEntry("teacher_mask", "same");
        assertThat(metrics(out).getFirst().keySet()).doesNotContainAnyElementsOf(COSINE_FIELDS);
    }

    @Test
    void otherMethodsRefuseBothOptionsInOneLine() {
        assertThat(pretrain(dir.resolve("x"), "--method", "mae", "--teacher-mask", "independent").oneErrorLine("pretrain"))
                .contains("--teacher-mask applies to --method rcmae only");
        assertThat(pretrain(dir.resolve("y"), "--method", "lut", "--teacher-mask", "same").oneErrorLine("pretrain"))
                .contains("--teacher-mask applies to --method rcmae only");
        assertThat(pretrain(dir.resolve("z"), "--method", "lut", "--log-grad-cosines").oneErrorLine("pretrain"))
                .contains("--log-grad-cosines applies to --method rcmae only");
        assertThat(dir.resolve("z")).doesNotExist();
    }
}
