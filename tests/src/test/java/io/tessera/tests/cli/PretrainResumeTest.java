package io.tessera.tests.cli;

import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.nn.optim.LrSchedule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code pretrain --resume} end to end: the recorded recipe is the default, a typed option that
 * differs is refused with its old and new values before anything is written, and only what cannot
 * change a step's numbers (stopping, saving, where it runs) or an explicit {@code --reschedule} of
 * the epochs may differ.
 */
class PretrainResumeTest {
    @TempDir
    static Path dir;
    static Path run;

    /** A run with a seed and learning rate other than the defaults, so a resume that took the defaults would show. */
    @BeforeAll
    static void train() {
        run = dir.resolve("run");
        CliRun r = CliRun.of("pretrain", "--model", "micro16", "--epochs", "2", "--batch", "16", "--blr", "2e-3", "--seed", "3", "--max-steps", "4",
                "--checkpoint-every", "2", "--threads", "2", "--out", run.toString());
        assertThat(r.rc()).as(r.err()).isZero();
    }

    private static List<Map<?, ?>> metrics(Path out) throws IOException {
        List<Map<?, ?>> l = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) l.add((Map<?, ?>) Json.parse(line));
        return l;
    }

    @ParameterizedTest
    @ValueSource(strings = {"checkpoint-2", "checkpoint-2.safetensors", "checkpoint-2.json"})
    void resumeTakesTheRecordedRecipeAndContinuesBitForBit(String spelling) throws IOException {
        Path fork = dir.resolve("fork-" + spelling);
        CliRun r = CliRun.of("pretrain", "--resume", run.resolve(spelling).toString(), "--max-steps", "4", "--threads", "1", "--out", fork.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        List<Map<?, ?>> full = metrics(run), resumed = metrics(fork);
        assertThat(resumed).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(resumed.get(i).get("step")).isEqualTo(full.get(i + 2).get("step"));
            assertThat(resumed.get(i).get("loss")).as("loss at step %d", i + 3).isEqualTo(full.get(i + 2).get("loss"));
            assertThat(resumed.get(i).get("lr")).isEqualTo(full.get(i + 2).get("lr"));
        }
    }

    static Stream<Arguments> conflicts() {
        return Stream.of( // typed options, as the message shows them, what the run was trained with
                Arguments.of(List.of("--seed", "1"), "--seed 1", "with --seed 3"),
                Arguments.of(List.of("--batch", "1024"), "--batch 1024", "with --batch 16"),
                Arguments.of(List.of("--accum", "2"), "--accum 2", "with --accum 1"),
                Arguments.of(List.of("--epochs", "3"), "--epochs 3", "with --epochs 2"),
                Arguments.of(List.of("--blr", "1e-3"), "--blr 0.001", "with --blr 0.002"),
                Arguments.of(List.of("--lr", "1e-3"), "--lr 0.001", "without --lr (with --blr 0.002)"),
                Arguments.of(List.of("--mask-ratio", "0.5"), "--mask-ratio 0.5", "with --mask-ratio 0.75"),
                Arguments.of(List.of("--no-norm-pix"), "--no-norm-pix", "without --no-norm-pix"),
                Arguments.of(List.of("--data", "fashion-mnist"), "--data fashion-mnist", "with --data fashion-mnist-embedded"),
                Arguments.of(List.of("--method", "rcmae"), "--method rcmae", "with --method mae"),
                Arguments.of(List.of("--model", "mini"), "--model mini", "with --model micro16"),
                Arguments.of(List.of("--warmup", "1"), "--warmup 1", "with --warmup 0.2"),
                Arguments.of(List.of("--seed", "1", "--batch", "32"), "--batch 32, --seed 1 conflict", "with --batch 16, with --seed 3"));
    }

    @ParameterizedTest
    @MethodSource("conflicts")
    void aConflictingOptionIsRefusedWithOldAndNewValuesBeforeAnythingIsWritten(List<String> options, String typed, String trained) throws IOException {
        byte[] log = Files.readAllBytes(run.resolve("metrics.jsonl"));
        List<String> files;
        try (var s = Files.list(run)) {
            files = s.map(Path::toString).sorted().toList();
        }
        List<String> args = new ArrayList<>(List.of("pretrain", "--resume", run.resolve("checkpoint-2").toString(), "--max-steps", "4"));
        args.addAll(options);
        String line = CliRun.of(args.toArray(String[]::new)).oneErrorLine("pretrain");
        assertThat(line).contains(typed).contains(" with " + run.resolve("checkpoint-2") + ", which was trained " + trained + ": leave");
        assertThat(Files.readAllBytes(run.resolve("metrics.jsonl"))).as("metrics untouched").isEqualTo(log);
        try (var s = Files.list(run)) {
            assertThat(s.map(Path::toString).sorted().toList()).as("no file written").isEqualTo(files);
        }
    }

    @Test
    void typedOptionsThatMatchAndSafeChangesAreAccepted() {
        Path fork = dir.resolve("same");
        CliRun r = CliRun.of("pretrain", "--resume", run.resolve("checkpoint-2").toString(), "--seed", "3", "--batch", "16", "--blr", "0.002", "--model", "micro16",
                "--method", "mae", "--epochs", "2", "--max-steps", "3", "--threads", "1", "--workers", "0", "--keep-last", "1", "--out", fork.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(TrainingCheckpoint.exists(fork.resolve("checkpoint-3"))).isTrue();
    }

    @Test
    void aResumeThatWouldTrainNothingIsRefused() {
        assertThat(CliRun.of("pretrain", "--resume", run.resolve("checkpoint-4").toString(), "--max-steps", "4").oneErrorLine("pretrain"))
                .contains("--max-steps 4 does not go beyond " + run.resolve("checkpoint-4") + " (step 4); give a larger --max-steps, or 0 to train all 2 epochs (250 steps)");
        assertThat(CliRun.of("pretrain", "--resume", dir.resolve("nowhere").resolve("checkpoint-9").toString()).oneErrorLine("pretrain"))
                .contains("no checkpoint there (expected checkpoint-9.json and checkpoint-9.safetensors)");
    }

    @Test
    void aFinishedRunTrainsLongerOnlyUnderAnExplicitNewSchedule() throws IOException {
        Path done = dir.resolve("done");
        assertThat(CliRun.of("pretrain", "--model", "micro16", "--epochs", "1", "--batch", "1000", "--threads", "2", "--out", done.toString()).rc()).isZero();
        String end = CliRun.of("pretrain", "--resume", done.resolve("checkpoint-2").toString()).oneErrorLine("pretrain");
        assertThat(end).contains("is the end of its 1-epoch run (step 2 of 2): nothing is left to train; --reschedule --epochs N with N > 1");
        assertThat(CliRun.of("pretrain", "--resume", done.resolve("checkpoint-2").toString(), "--epochs", "2").oneErrorLine("pretrain"))
                .contains("--epochs 2 conflicts").endsWith("(--reschedule --epochs N continues on a new N-epoch schedule)");

        CliRun longer = CliRun.of("pretrain", "--resume", done.resolve("checkpoint-2").toString(), "--reschedule", "--epochs", "2", "--max-steps", "3", "--threads", "2");
        assertThat(longer.rc()).as(longer.err()).isZero();
        Map<String, Object> side = TrainingCheckpoint.readSidecar(done.resolve("checkpoint-3"));
        Map<?, ?> pre = (Map<?, ?>) side.get("pretrain");
        assertThat(((Map<?, ?>) pre.get("optimisation")).get("epochs")).isEqualTo(2L);
        @SuppressWarnings("unchecked") List<Object> changes = (List<Object>) pre.get("schedule_changes");
        assertThat(changes).containsExactly(Map.of("at_step", 2L, "epochs_before", 1L, "epochs_after", 2L));
        double peak = 5e-3 * 1000 / 256, warmup = 0.1; // the recorded warm-up: a tenth of the original epoch
        assertThat(metrics(done).get(2).get("lr")).as("step 3 follows the 2-epoch cosine").isEqualTo(new LrSchedule(peak, 0, warmup, 2).at(1.0));
    }

    @Test
    void theNanStopNamesACheckpointThatResumeTakes() {
        Path nan = dir.resolve("nan");
        CliRun r = CliRun.of("pretrain", "--model", "micro16", "--blr", "1e30", "--warmup", "0", "--batch", "16", "--checkpoint-every", "1", "--max-steps", "5",
                "--threads", "2", "--out", nan.toString());
        assertThat(r.rc()).isEqualTo(1);
        String last = r.errLines().getLast();
        assertThat(last).startsWith("tessera pretrain: loss is NaN at step 2").endsWith("the last checkpoint is " + nan.resolve("checkpoint-1") + " (NonFiniteLossException)");
        CliRun again = CliRun.of("pretrain", "--resume", nan.resolve("checkpoint-1").toString(), "--max-steps", "5", "--threads", "2");
        assertThat(again.errLines().getLast()).as("the path is accepted; the same recipe diverges at the same step").startsWith("tessera pretrain: loss is NaN at step 2");
    }
}
