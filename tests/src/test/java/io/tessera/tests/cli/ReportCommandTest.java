package io.tessera.tests.cli;

import io.tessera.cli.Main;
import io.tessera.cli.OcclusionCommand;
import io.tessera.nn.checkpoint.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tessera report} on a run directory made by real commands on a micro checkpoint of the
 * embedded data: every section is there, in order, with the numbers of the JSON files the commands
 * wrote, the figures embedded; damaged files become warnings; an empty or missing directory is one line.
 */
class ReportCommandTest {
    @TempDir
    static Path dir;
    static Path run;
    static String page;
    static CliRun report;

    @BeforeAll
    static void runTheCommandsThenTheReport() throws Exception {
        run = dir.resolve("run");
        Path ckpt = run.resolve("pretrain/checkpoint-4");
        assertThat(Main.execute("pretrain", "--method", "rcmae", "--model", "micro16", "--epochs", "1", "--max-steps", "4", "--batch", "16",
                "--threads", "2", "--workers", "1", "--out", run.resolve("pretrain").toString())).isZero();
        assertThat(Main.execute("reconstruct", ckpt.toString(), "--images", "2", "--threads", "2", "--out", run.resolve("pretrain/reconstructions.png").toString())).isZero();
        assertThat(Main.execute("probe", "linear", "--checkpoint", ckpt.toString(), "--epochs", "2", "--warmup", "1", "--blr", "10", "--threads", "2",
                "--out", run.resolve("probe").toString())).isZero();
        assertThat(Main.execute("probe", "knn", "--checkpoint", ckpt.toString(), "--k", "5,20", "--threads", "2", "--out", run.resolve("knn").toString())).isZero();
        assertThat(OcclusionCommand.execute("--checkpoint", run.resolve("probe/probe.json").toString(), "--mode", "patches", "--ratios", "0,0.5",
                "--threads", "2", "--out", run.resolve("occlusion").toString())).isZero();
        assertThat(Main.execute("hessian", "--checkpoint", ckpt.toString(), "--batch", "4", "--top-k", "1", "--ratio", "--density", "--lanczos-steps", "8",
                "--threads", "2", "--out", run.resolve("hessian").toString())).isZero();
        assertThat(Main.execute("landscape", "--checkpoint", ckpt.toString(), "--x", "-1:1:3", "--y", "-1:1:3", "--images", "8", "--batch", "8",
                "--threads", "2", "--out", run.resolve("landscape").toString())).isZero();
        assertThat(Main.execute("analyze", "spectrum", "--checkpoint", ckpt.toString(), "--images", "40", "--batch", "20", "--layer", "0,final",
                "--threads", "2", "--out", run.resolve("spectrum").toString())).isZero();
        assertThat(Main.execute("analyze", "attention", "--checkpoint", ckpt.toString(), "--images", "4", "--batch", "4", "--show", "2",
                "--threads", "2", "--out", run.resolve("attention").toString())).isZero();
        Path sup = run.resolve("sup/checkpoint-1");
        assertThat(Main.execute("pretrain", "--method", "supervised", "--model", "micro16", "--epochs", "1", "--max-steps", "1", "--batch", "8",
                "--threads", "2", "--workers", "1", "--out", run.resolve("sup").toString())).isZero();
        assertThat(Main.execute("analyze", "gradcam", "--checkpoint", sup.toString(), "--images", "3", "--threads", "2", "--out", run.resolve("gradcam").toString())).isZero();
        report = CliRun.of("report", run.toString());
        assertThat(report.rc()).as("stderr: %s", report.err()).isZero();
        page = Files.readString(run.resolve("report.html"));
    }

    static JsonFieldsView json(Path p) throws Exception {
        return new JsonFieldsView((Map<?, ?>) Json.parse(Files.readString(p)));
    }

    /** Dotted-path access to a parsed JSON tree ("results.top1", "epochs.1.top5"). */
    record JsonFieldsView(Map<?, ?> tree) {
        Object at(String path) {
            Object o = tree;
            for (String part : path.split("\\.")) o = o instanceof List<?> l ? l.get(Integer.parseInt(part)) : ((Map<?, ?>) o).get(part);
            return o;
        }

        double number(String path) {
            return ((Number) at(path)).doubleValue();
        }
    }

    /** A table row as the page writes it. */
    static String row(String key, String value) {
        return "<tr><th>" + key + "</th><td>" + value + "</td></tr>";
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }

    static String sig4(double v) {
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    @Test
    void everySectionIsThereInOrder() {
        List<String> headings = List.of("Run summary: pretrain/", "Run summary: sup/", "Training curves: pretrain/metrics.jsonl", "Training curves: sup/metrics.jsonl",
                "Reconstructions", "Linear probe: probe/eval.json", "k-NN classification: knn/eval.json", "Hessian spectrum: hessian/hessian.json",
                "Loss landscape: landscape/landscape.json", "Feature spectrum: spectrum/spectrum.json", "Attention: attention/attention.json",
                "Grad-CAM: gradcam/gradcam.json", "Occlusion robustness: occlusion/occlusion.json");
        int at = -1;
        for (String h : headings) {
            int i = page.indexOf("<h2>" + h + "</h2>");
            assertThat(i).as("section %s after the previous one", h).isGreaterThan(at);
            at = i;
        }
        assertThat(page).doesNotContain("Other JSON files").doesNotContain("class=\"warn\"").contains("<meta name=\"generator\" content=\"tessera report\">");
        assertThat(report.out()).contains("wrote " + run.resolve("report.html"), headings.size() + " sections");
        assertThat(report.err()).doesNotContain("warning");
    }

    @Test
    void summaryAndCurvesShowTheSidecarAndTheLog() throws Exception {
        JsonFieldsView side = json(run.resolve("pretrain/checkpoint-4.json"));
        assertThat(page).contains(row("method", (String) side.at("method")), row("optimizer steps", String.valueOf(side.at("optimizer_steps"))),
                row("seed", String.valueOf(side.at("seed"))), row("batch", String.valueOf(side.at("batch_size"))));
        assertThat(page).contains("<th>model</th><td>micro16: ViT width " + side.at("model.embed_dim") + ", " + side.at("model.depth") + " blocks");
        assertThat(page).contains(row("backend", side.at("pretrain.execution.device") + ", 2 threads"));
        List<String> lines = Files.readAllLines(run.resolve("pretrain/metrics.jsonl"));
        Map<?, ?> last = (Map<?, ?>) Json.parse(lines.getLast());
        assertThat(page).contains(row("steps logged", String.valueOf(lines.size())), row("final loss", sig4(((Number) last.get("loss")).doubleValue())),
                row("final loss_c", sig4(((Number) last.get("loss_c")).doubleValue())));
        // the curves are SVG charts of the loss (with its parts), the learning rate and the gradient norm
        String curves = section("Training curves: pretrain/metrics.jsonl");
        List<String> svgs = decodedSvgs(curves);
        assertThat(svgs).hasSize(3);
        assertThat(svgs.get(0)).contains("loss and its parts", "loss_r", "loss_c");
        assertThat(svgs.get(1)).contains("learning rate");
        assertThat(svgs.get(2)).contains("gradient norm");
    }

    @Test
    void resultsShowTheirHeadlineNumbers() throws Exception {
        JsonFieldsView probe = json(run.resolve("probe/eval.json"));
        assertThat(section("Linear probe: probe/eval.json")).contains(row("top-1 at the last epoch (2)", pct(probe.number("epochs.1.top1"))),
                row("top-5 at the last epoch (2)", pct(probe.number("epochs.1.top5"))), row("optimizer steps", String.valueOf(probe.at("results.optimizer_steps"))));

        JsonFieldsView k = json(run.resolve("knn/eval.json"));
        for (int i = 0; i < 2; i++) {
            assertThat(section("k-NN classification: knn/eval.json")).contains("<tr><td>" + k.at("results.by_k." + i + ".k") + "</td><td>"
                    + pct(k.number("results.by_k." + i + ".top1")) + "</td><td>" + pct(k.number("results.by_k." + i + ".top5")) + "</td></tr>");
        }

        JsonFieldsView g = json(run.resolve("gradcam/gradcam.json"));
        int hits = 0;
        double score = 0;
        for (int i = 0; i < 3; i++) {
            if (g.at("gradcam.0.maps." + i + ".target").equals(g.at("gradcam.0.maps." + i + ".top1"))) hits++;
            score += g.number("gradcam.0.maps." + i + ".score");
        }
        assertThat(section("Grad-CAM: gradcam/gradcam.json")).contains("<td>" + g.at("gradcam.0.label") + "</td><td>" + g.at("gradcam.0.head") + "</td><td>3</td><td>"
                + sig4(score / 3) + "</td><td>" + hits + " of 3</td>", "href=\"gradcam/gradcam.html\"");
        assertThat(section("Training curves: sup/metrics.jsonl")).contains("One step logged: no curve to draw.").doesNotContain("data:image");

        JsonFieldsView h = json(run.resolve("hessian/hessian.json"));
        assertThat(section("Hessian spectrum: hessian/hessian.json")).contains(row("λmax", sig4(h.number("extremes.ratio_lanczos.lambda_max"))),
                row("λmin", sig4(h.number("extremes.ratio_lanczos.lambda_min"))),
                row("eigen-ratio |λmin/λmax|", sig4(h.number("extremes.ratio_lanczos.ratio")) + " (lanczos)"),
                row("top eigenvalues (power iteration)", sig4(h.number("top_eigenvalues.eigenvalues.0"))));

        JsonFieldsView l = json(run.resolve("landscape/landscape.json"));
        assertThat(section("Loss landscape: landscape/landscape.json")).contains(row("loss at the centre", sig4(l.number("centre.loss"))),
                row("loss range", sig4(l.number("loss_min")) + " – " + sig4(l.number("loss_max"))), row("points computed", "9 of 9"));

        JsonFieldsView s = json(run.resolve("spectrum/spectrum.json"));
        String spectrum = section("Feature spectrum: spectrum/spectrum.json");
        for (int i = 0; i < 2; i++) {
            assertThat(spectrum).contains("<td>" + s.at("spectra." + i + ".layer") + "</td><td>cls</td><td>40</td><td>32</td><td>" + sig4(s.number("spectra." + i + ".rankme"))
                    + "</td><td>" + sig4(s.number("spectra." + i + ".alpha_req.alpha")) + " (R² " + sig4(s.number("spectra." + i + ".alpha_req.r2")) + ")</td>");
        }

        JsonFieldsView a = json(run.resolve("attention/attention.json"));
        String attention = section("Attention: attention/attention.json");
        for (int b = 0; b < 2; b++) {
            assertThat(attention).contains("<td>" + b + "</td><td>" + sig4(a.number("statistics.0.distance_px_by_block." + b)) + "</td><td>"
                    + sig4(a.number("statistics.0.nmi_by_block." + b)) + "</td>");
        }

        JsonFieldsView o = json(run.resolve("occlusion/occlusion.json"));
        String occlusion = section("Occlusion robustness: occlusion/occlusion.json");
        for (int p = 0; p < 2; p++) {
            assertThat(occlusion).contains("<td>" + sig4(o.number("results.points." + p + ".ratio")) + "</td><td>" + pct(o.number("results.points." + p + ".covered_fraction"))
                    + "</td><td>" + pct(o.number("results.points." + p + ".top1")) + "</td>");
        }
    }

    @Test
    void figuresAreEmbeddedAndLinksAreRelative() throws Exception {
        for (String f : List.of("pretrain/reconstructions.png", "attention/attention-maps-1.png", "gradcam/gradcam.png", "knn/knn.svg", "probe/accuracy.svg", "occlusion/occlusion.svg",
                "hessian/density.svg", "spectrum/rankme-by-layer.svg", "landscape/loss_2dcontour.svg")) {
            assertThat(page).as(f).contains(Base64.getEncoder().encodeToString(Files.readAllBytes(run.resolve(f))));
        }
        assertThat(section("Linear probe: probe/eval.json")).doesNotContain("occlusion.svg"); // figures stay with their own result
        Matcher src = Pattern.compile("src=\"([^\"]*)\"").matcher(page);
        int images = 0;
        while (src.find()) {
            assertThat(src.group(1)).startsWith("data:image/");
            images++;
        }
        assertThat(images).isGreaterThan(15);
        assertThat(section("Hessian spectrum: hessian/hessian.json")).contains("<a href=\"hessian/hessian.html\">hessian.html</a>", "<a href=\"hessian/hessian.json\">");
        assertThat(section("Loss landscape: landscape/landscape.json")).contains("href=\"landscape/landscape.html\"", "href=\"landscape/surface.json\"",
                "href=\"landscape/directions.json\"");
        assertThat(section("Linear probe: probe/eval.json")).contains("href=\"probe/probe.json\"");

        // the page can be written elsewhere: its links then start from there
        Path elsewhere = dir.resolve("pages/run.html");
        assertThat(CliRun.of("report", run.toString(), "--out", elsewhere.toString(), "--title", "Micro <run>").rc()).isZero();
        String moved = Files.readString(elsewhere);
        assertThat(moved).contains("<h1>Micro &lt;run&gt;</h1>", "href=\"../run/hessian/hessian.html\"");
        assertThat(moved.indexOf("Run summary")).isPositive();
        assertThat(moved).as("the earlier page of this command is no command's page").doesNotContain("report.html\"");
    }

    @Test
    void damagedFilesAreWarningsAndUnknownJsonIsListed() throws Exception {
        Path d = Files.createDirectories(dir.resolve("damaged"));
        List<String> lines = Files.readAllLines(run.resolve("pretrain/metrics.jsonl"));
        Files.writeString(d.resolve("metrics.jsonl"), lines.get(0) + "\n" + lines.get(1) + "\n{\"step\":3,\"loss\":\n");
        String spectrum = Files.readString(run.resolve("spectrum/spectrum.json"));
        Files.createDirectories(d.resolve("spectrum"));
        Files.writeString(d.resolve("spectrum/spectrum.json"), spectrum.substring(0, spectrum.length() / 2));
        Files.createDirectories(d.resolve("probe"));
        Files.writeString(d.resolve("probe/eval.json"), Files.readString(run.resolve("probe/eval.json")).replaceAll("\"top1\":[0-9.eE-]+", "\"top1\":\"high\""));
        Files.writeString(d.resolve("notes.json"), "{\"schema\":\"someone.else/2\",\"x\":1}");

        CliRun r = CliRun.of("report", d.toString());
        assertThat(r.rc()).as("stderr %s", r.err()).isZero();
        String html = Files.readString(d.resolve("report.html"));
        assertThat(r.errLines()).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("tessera report: warning: "));
        assertThat(r.err()).contains("metrics.jsonl has 1 unreadable line, left out (first: line 3", "spectrum/spectrum.json is not valid JSON",
                "probe/eval.json could not be read as linear probe results: field epochs[1].top1 must be a number");
        assertThat(html).contains("<p class=\"warn\">metrics.jsonl has 1 unreadable line", "<p class=\"warn\">spectrum/spectrum.json is not valid JSON",
                "<p class=\"warn\">probe/eval.json could not be read");
        assertThat(html).contains(row("steps logged", "2"), "<h2>Linear probe: probe/eval.json</h2>", "<h2>Other JSON files</h2>",
                "<td>notes.json</td><td>someone.else/2</td>").doesNotContain("Feature spectrum");
    }

    @Test
    void aDirectoryWithNothingToReportIsOneLine() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("notes.json"), "{\"a\":1}");
        assertThat(CliRun.of("report", empty.toString()).oneErrorLine("report")).contains("holds nothing tessera report recognises", "1 JSON file(s) of unknown kinds");
        assertThat(empty.resolve("report.html")).doesNotExist();
        assertThat(CliRun.of("report", dir.resolve("missing").toString()).oneErrorLine("report")).contains("does not exist");
        assertThat(CliRun.of("report", empty.resolve("notes.json").toString()).oneErrorLine("report")).contains("is not a directory");
        Path demo = Files.createDirectories(dir.resolve("demo"));
        Files.copy(run.resolve("pretrain/metrics.jsonl"), demo.resolve("metrics.jsonl"));
        Files.writeString(demo.resolve("report.html"), "<!DOCTYPE html><html><head><title>demo</title></head></html>");
        assertThat(CliRun.of("report", demo.toString()).oneErrorLine("report")).contains("was not written by tessera report", "--out");
        // a page this command wrote is replaced, not refused
        assertThat(CliRun.of("report", run.toString()).rc()).isZero();
    }

    @Test
    void helpSaysWhatItGathers() {
        CliRun help = CliRun.of("report", "--help");
        assertThat(help.rc()).isZero();
        assertThat(help.out()).contains("RUN_DIR", "--out", "--title", "checkpoint-N.json", "metrics.jsonl", "recon*.png", "probe linear|knn", "hessian", "landscape",
                "RankMe", "one-line warning");
        assertThat(CliRun.of("--help").out()).contains("report");
    }

    /** The part of the page from heading {@code title} to the next heading. */
    static String section(String title) {
        return section(page, title);
    }

    static String section(String html, String title) {
        int from = html.indexOf("<h2>" + title + "</h2>");
        assertThat(from).as("section %s", title).isNotNegative();
        int to = html.indexOf("<h2>", from + 4);
        return html.substring(from, to < 0 ? html.length() : to);
    }

    /** The SVG documents embedded in {@code html}, decoded. */
    static List<String> decodedSvgs(String html) {
        Matcher m = Pattern.compile("data:image/svg\\+xml;base64,([A-Za-z0-9+/=]+)").matcher(html);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) out.add(new String(Base64.getDecoder().decode(m.group(1)), java.nio.charset.StandardCharsets.UTF_8));
        return out;
    }
}
