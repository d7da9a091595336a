package io.tessera.cli.study;

import io.tessera.cli.study.Study.Mask;
import io.tessera.cli.study.Study.Method;
import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.LineCharts;
import io.tessera.eval.report.HtmlReport;
import io.tessera.eval.study.Stats;
import io.tessera.nn.checkpoint.Json;
import io.tessera.tensor.io.AtomicFiles;
import org.jfree.chart.JFreeChart;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The study's outputs: {@code DIR/report.html} (per claim the statement, the criterion, the
 * numbers as mean ± 95 % CI over seeds, the verdict and the figures; then the settings and the
 * time each kind of task took) and {@code DIR/study.json} ({@code "schema": "tessera.study/1"}) with
 * the same numbers, per seed.
 */
final class StudyReport {
    static final String SCHEMA = "tessera.study/1";
    private static final int W = 900, H = 380;

    private StudyReport() {
    }

    static void write(Study study, StudyResults r, List<Claim> claims, TaskLedger ledger) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("schema", SCHEMA);
        json.put("settings", r.settings.toMap());
        json.put("rule", Claims.RULE);
        List<Object> cs = new ArrayList<>();
        for (Claim c : claims) cs.add(c.toMap());
        json.put("claims", cs);
        Map<String, Double> seconds = ledger.secondsByKind();
        json.put("task_seconds", new LinkedHashMap<String, Object>(seconds));
        AtomicFiles.writeString(study.dir().resolve("study.json"), Json.write(json));
        page(study, r, claims, seconds).write(study.dir().resolve("report.html"));
    }

    private static HtmlReport page(Study study, StudyResults r, List<Claim> claims, Map<String, Double> seconds) throws IOException {
        StudySettings s = r.settings;
        HtmlReport page = new HtmlReport("Tessera study: the seed papers' claims at small scale");
        page.paragraph(String.format(Locale.ROOT, "MAE, RC-MAE, LUT and a supervised ViT with the same encoder (%s), %d epochs each on %s, %d seed%s (seed k: the same data order and "
                + "initialisation stream for every method). Every number below is computed by this run from the files it wrote; the criteria were fixed before the run.",
                s.model(), s.epochs(), s.data(), s.seeds(), s.seeds() == 1 ? "" : "s"));
        List<List<?>> rows = new ArrayList<>();
        for (Claim c : claims) rows.add(List.of(c.number(), c.title(), c.verdict().label()));
        page.heading("Verdicts").table(List.of("claim", "what it says", "verdict"), rows);
        page.paragraph(Claims.RULE);
        for (Claim c : claims) {
            page.heading("Claim " + c.number() + ": " + c.title());
            page.paragraph(c.statement());
            page.paragraph("Criterion: " + c.criterion());
            List<List<?>> pr = new ArrayList<>();
            for (Claim.Part p : c.parts()) {
                StringBuilder by = new StringBuilder();
                p.byMethod().forEach((k, v) -> by.append(by.isEmpty() ? "" : "; ").append(k).append(" ").append(format(v)));
                pr.add(List.of(p.name(), p.metric(), by.toString(), format(p.difference()), p.verdict().label()));
            }
            page.table(List.of("part", "metric", "per method (mean ± 95 % CI over seeds)", "difference (claimed direction +)", "verdict"), pr);
            page.paragraph("Verdict: " + c.verdict().label() + ".");
            figures(c.number(), study, r, page);
        }
        page.heading("Settings");
        Map<String, Object> settings = new LinkedHashMap<>(s.toMap());
        settings.remove("schema");
        page.table(settings);
        Map<String, Object> shown = new LinkedHashMap<>();
        seconds.forEach((k, v) -> shown.put(k, String.format(Locale.ROOT, "%.1f min", v / 60)));
        page.heading("Time per kind of task (as recorded when each finished)").table(shown);
        page.links("Files", Map.of("study.json", "study.json", "settings", "study.settings.json"));
        return page;
    }

    /** "12.3 ± 4.5", "0.712 ± 0.031", or "3.1e-05 ± 2.0e-05" for small magnitudes. */
    static String format(Stats.Summary v) {
        double a = Math.max(Math.abs(v.mean()), v.hasInterval() ? Math.abs(v.halfWidth()) : 0);
        if (a != 0 && a < 1e-3) {
            String m = String.format(Locale.ROOT, "%.2e", v.mean());
            return v.hasInterval() ? m + " ± " + String.format(Locale.ROOT, "%.2e", v.halfWidth()) : m;
        }
        return v.format(a >= 10 ? 1 : a >= 0.1 ? 3 : 4);
    }

    /** The x axis with integer ticks (epochs, blocks). */
    private static JFreeChart integerX(JFreeChart chart) {
        if (chart.getXYPlot().getDomainAxis() instanceof org.jfree.chart.axis.NumberAxis axis) {
            axis.setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createIntegerTickUnits());
        }
        return chart;
    }

    private static void figures(int claim, Study study, StudyResults r, HtmlReport page) throws IOException {
        switch (claim) {
            case 1, 2 -> {
                List<Method> ms = claim == 1 ? List.of(Method.MAE, Method.RCMAE) : List.of(Method.MAE, Method.LUT);
                page.svg(ChartFiles.svgElement(curve(r, r.probeTop1, ms, "linear-probe top-1 against pre-training epochs (mean over seeds)"), W, H));
                if (claim == 1) page.svg(ChartFiles.svgElement(curve(r, r.knnTop1, ms, "k-NN (k = 20) top-1 against pre-training epochs (mean over seeds)"), W, H));
            }
            case 3 -> {
                for (String loss : List.of("pretrain", "probe")) {
                    List<BufferedImage> imgs = new ArrayList<>();
                    List<String> labels = new ArrayList<>();
                    for (Method m : Study.LANDSCAPE) {
                        Path f = study.landscapeDir(loss, m, 0).resolve("loss_2dcontour.png");
                        if (Files.exists(f)) {
                            imgs.add(ImageIO.read(f.toFile()));
                            labels.add(m.label);
                        }
                    }
                    if (!imgs.isEmpty()) {
                        page.paragraph((loss.equals("pretrain") ? "Pre-training" : "Linear-probe") + "-loss landscapes, seed 0 (filter-normalised random directions, [−1, 1]²):");
                        page.image(sideBySide(imgs, labels), loss + " landscapes");
                    }
                }
                if (!r.ratioMapConvex.isEmpty()) {
                    Map<String, Object> t = new LinkedHashMap<>();
                    r.ratioMapConvex.forEach((m, v) -> t.put(m.label, String.format(Locale.ROOT, "%.1f %% of the grid convex by |λmin/λmax|", 100 * v)));
                    page.paragraph("Eigen-ratio maps of the pre-training loss (seed 0 only, so no interval; shown, not tested):").table(t);
                    List<BufferedImage> imgs = new ArrayList<>();
                    List<String> labels = new ArrayList<>();
                    for (Method m : Study.LANDSCAPE) {
                        Path f = firstPng(study.ratioMapDir(m), "ratio");
                        if (f != null) {
                            imgs.add(ImageIO.read(f.toFile()));
                            labels.add(m.label);
                        }
                    }
                    if (!imgs.isEmpty()) page.image(sideBySide(imgs, labels), "eigen-ratio maps");
                }
            }
            case 4 -> {
                List<LineCharts.Series> series = new ArrayList<>();
                for (Method m : Method.values()) {
                    double[][] by = r.attentionByBlock.get(m);
                    double[] x = new double[by[0].length], y = new double[by[0].length];
                    for (int b = 0; b < x.length; b++) {
                        x[b] = b;
                        double sum = 0;
                        for (double[] seed : by) sum += seed[b];
                        y[b] = sum / by.length;
                    }
                    series.add(new LineCharts.Series(m.label, x, y));
                }
                page.svg(ChartFiles.svgElement(integerX(LineCharts.chart("mean attention distance per block (mean over seeds and heads)", "block", "attention distance (pixels)", series)), W, H));
                Path spec = study.spectrumDir(0).resolve("spectrum-final-loglog.png");
                if (Files.exists(spec)) {
                    page.paragraph("Spectrum of the final cls features, seed 0 (covariance eigenvalues: the squared singular values of the centred features over N), with the α-ReQ fits:");
                    page.png(Files.readAllBytes(spec), "feature spectra");
                }
            }
            case 5 -> {
                for (boolean gap : new boolean[]{true, false}) {
                    List<LineCharts.Series> series = new ArrayList<>();
                    for (Mask mask : Mask.values()) {
                        StudyResults.PropRun[] runs = r.prop.get(mask);
                        int len = runs[0].step().length;
                        double[] y = new double[len];
                        for (int i = 0; i < len; i++) {
                            double sum = 0;
                            int n = 0;
                            for (StudyResults.PropRun run : runs) {
                                double v = i < run.step().length ? (gap ? run.cosGap()[i] : run.cosR()[i]) : Double.NaN;
                                if (Double.isFinite(v)) {
                                    sum += v;
                                    n++;
                                }
                            }
                            y[i] = n == 0 ? Double.NaN : sum / n;
                        }
                        series.add(new LineCharts.Series("RC-MAE-" + mask.name() + " (teacher mask " + mask.cli + ")", runs[0].step(), y));
                    }
                    String what = gap ? "cos(∇L_c, θ_S − θ_T)" : "cos(∇L_c, ∇L_r)";
                    page.svg(ChartFiles.svgElement(LineCharts.chart(what + " per step (mean over seeds)", "optimizer step", what, series), W, H));
                }
            }
            default -> {
            }
        }
    }

    private static JFreeChart curve(StudyResults r, Map<Method, double[][]> acc, List<Method> methods, String title) {
        List<LineCharts.Series> series = new ArrayList<>();
        for (Method m : methods) {
            double[][] by = acc.get(m);
            double[] x = new double[r.probeEpochs.size()], y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.probeEpochs.get(i);
                double sum = 0;
                for (double[] seed : by) sum += seed[i];
                y[i] = 100 * sum / by.length;
            }
            series.add(new LineCharts.Series(m.label, x, y));
        }
        return integerX(LineCharts.chart(title, "pre-training epoch", "top-1 (%)", series));
    }

    private static Path firstPng(Path dir, String contains) throws IOException {
        if (!Files.isDirectory(dir)) return null;
        TreeMap<String, Path> found = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.png")) {
            for (Path p : ds) if (p.getFileName().toString().contains(contains)) found.put(p.getFileName().toString(), p);
        }
        return found.isEmpty() ? null : found.firstEntry().getValue();
    }

    /** The images scaled to one height, side by side, each under its caption. */
    static BufferedImage sideBySide(List<BufferedImage> imgs, List<String> labels) {
        int h = 300, caption = 24, gap = 12;
        int[] widths = new int[imgs.size()];
        int total = 0;
        for (int i = 0; i < imgs.size(); i++) {
            widths[i] = Math.max(1, imgs.get(i).getWidth() * h / imgs.get(i).getHeight());
            total += widths[i] + (i > 0 ? gap : 0);
        }
        BufferedImage out = new BufferedImage(total, h + caption, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(new Color(0x22, 0x22, 0x22));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        int x = 0;
        for (int i = 0; i < imgs.size(); i++) {
            g.drawString(labels.get(i), x + 6, 17);
            g.drawImage(imgs.get(i), x, caption, widths[i], h, null);
            x += widths[i] + gap;
        }
        g.dispose();
        return out;
    }
}
