package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.nn.checkpoint.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tessera report} of a fine-tuning run (slow: a fine-tuning epoch on the embedded data); the
 * fast sibling is {@link ReportCommandTest}, which reads a linear probe's eval.json the same way.
 */
@Tag("slow")
class ReportFinetuneSlowTest {
    @TempDir
    Path dir;

    @Test
    void finetuningSectionShowsTheLastEpochAndTheBest() throws Exception {
        Path run = dir.resolve("run");
        assertThat(Main.execute("pretrain", "--method", "mae", "--model", "micro16", "--epochs", "1", "--max-steps", "2", "--batch", "16",
                "--threads", "2", "--workers", "1", "--out", run.resolve("pretrain").toString())).isZero();
        assertThat(Main.execute("finetune", "--checkpoint", run.resolve("pretrain/checkpoint-2").toString(), "--epochs", "2", "--batch", "64",
                "--threads", "2", "--out", run.resolve("ft").toString())).isZero();
        CliRun r = CliRun.of("report", run.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        String page = Files.readString(run.resolve("report.html"));
        Map<?, ?> e = (Map<?, ?>) Json.parse(Files.readString(run.resolve("ft/eval.json")));
        Map<?, ?> last = (Map<?, ?>) ((List<?>) e.get("epochs")).getLast();
        Map<?, ?> results = (Map<?, ?>) e.get("results");
        String ft = ReportCommandTest.section(page, "Fine-tuning: ft/eval.json");
        assertThat(ft).contains(ReportCommandTest.row("top-1 at the last epoch (2)", ReportCommandTest.pct(((Number) last.get("top1")).doubleValue())),
                ReportCommandTest.row("top-5 at the last epoch (2)", ReportCommandTest.pct(((Number) last.get("top5")).doubleValue())),
                ReportCommandTest.row("best top-1", ReportCommandTest.pct(((Number) results.get("best_top1")).doubleValue()) + " (epoch " + results.get("best_epoch") + ")"),
                ReportCommandTest.row("pooling", "avg"), "href=\"ft/finetune.json\"");
        assertThat(ReportCommandTest.decodedSvgs(ft)).hasSize(2).anySatisfy(s -> assertThat(s).contains("accuracy"));
    }
}
