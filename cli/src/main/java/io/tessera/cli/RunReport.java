// The page `tessera report` makes of a run directory: it walks the directory (bounded depth, hidden
// files and oversized files skipped), sorts what it finds into checkpoint sidecars, metrics.jsonl
// logs, reconstruction PNGs, result documents known by their schema (and file name) and the
// figures and pages written beside them, and lays them out as one self-contained HtmlReport.
// A file it cannot read becomes a one-line warning; it never guesses numbers it did not read.
package io.tessera.cli;

import io.tessera.eval.attention.AttentionAnalysis;
import io.tessera.eval.attention.AttentionJson;
import io.tessera.eval.attention.AttentionStats;
import io.tessera.eval.attention.GradCam;
import io.tessera.eval.downstream.EvalReport;
import io.tessera.eval.hessian.EigenRatio;
import io.tessera.eval.hessian.HessianAnalysis;
import io.tessera.eval.hessian.HessianJson;
import io.tessera.eval.landscape.SurfaceGrid;
import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.LineCharts;
import io.tessera.eval.report.HtmlReport;
import io.tessera.eval.spectrum.SpectrumAnalysis;
import io.tessera.eval.spectrum.SpectrumJson;
import io.tessera.eval.spectrum.SpectrumResult;
import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.JsonFields;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** One run directory gathered into one page. */
final class RunReport {
    /** Levels below the run directory that are searched (RUN_DIR/a/b/c/file is level 4). */
    static final int MAX_DEPTH = 4;
    /** JSON and JSON-lines files larger than this are listed as skipped, not read. */
    static final long MAX_JSON_BYTES = 32L << 20;
    /** Figures larger than this are not embedded. */
    static final long MAX_FIGURE_BYTES = 8L << 20;
    /** At most this many figures that belong to no recognised result are embedded. */
    static final int MAX_OTHER_FIGURES = 24;
    /** The generator named in the page's head, by which an earlier page of this command is known. */
    static final String GENERATOR = "tessera report";

    private static final Pattern SIDECAR = Pattern.compile("checkpoint-(\\d+)\\.json");
    private static final Pattern RECONSTRUCTION = Pattern.compile("(?i)recon[^/]*\\.png");
    private static final int CHART_W = 900, CHART_H = 420;

    /** The page, the warnings it shows (one line each), and the titles of its sections. */
    record Result(HtmlReport page, List<String> warnings, List<String> sections) {
    }

    /** The kinds of result documents, in the order of their sections. */
    enum Kind {
        LINEAR_PROBE("Linear probe", n -> n.startsWith("accuracy") || n.startsWith("loss")),
        KNN("k-NN classification", n -> n.startsWith("knn")),
        FINETUNE("Fine-tuning", n -> n.startsWith("accuracy") || n.startsWith("loss")),
        HESSIAN("Hessian spectrum", n -> n.startsWith("density") || n.startsWith("batch-eigenvalues")),
        LANDSCAPE("Loss landscape", n -> true),
        SURFACE("Loss surface", n -> true),
        SPECTRUM("Feature spectrum", n -> n.startsWith("spectrum") || n.startsWith("rankme")),
        ATTENTION("Attention", n -> n.startsWith("attention")),
        GRADCAM("Grad-CAM", n -> n.startsWith("gradcam")),
        OCCLUSION("Occlusion robustness", n -> n.startsWith("occlusion"));

        final String title;
        final Predicate<String> figure;

        Kind(String title, Predicate<String> figure) {
            this.title = title;
            this.figure = figure;
        }

        /** Takes every figure of its directory that no more specific kind took. */
        boolean catchAll() {
            return this == LANDSCAPE || this == SURFACE;
        }
    }

    /** A recognised result document. */
    private record Doc(Path file, Kind kind, Map<?, ?> tree) {
    }

    /** A JSON file of no kind this command knows: its name and the schema or format it declares. */
    private record Other(Path file, String declared) {
    }

    private final Path root;
    private final Path pageDir;
    private final Path outFile;
    private final List<String> warnings = new ArrayList<>();
    private final List<String> sections = new ArrayList<>();
    private final Map<Path, List<Path>> sidecars = new TreeMap<>();
    private final List<Path> metrics = new ArrayList<>();
    private final List<Path> reconstructions = new ArrayList<>();
    private final List<Doc> docs = new ArrayList<>();
    private final List<Other> others = new ArrayList<>();
    private final Map<Path, List<Path>> companions = new TreeMap<>();
    private final Map<Path, List<Path>> images = new TreeMap<>();
    private final Map<Path, List<Path>> pages = new TreeMap<>();
    private final Set<Path> claimed = new HashSet<>();

    private RunReport(Path root, Path outFile) {
        this.root = root;
        this.outFile = outFile;
        this.pageDir = outFile.getParent();
    }

    /**
     * Gathers {@code runDir} into a page that will be written to {@code outFile} (links are relative
     * to its directory).
     *
     * @throws IllegalArgumentException when runDir is not a directory or holds nothing recognised
     */
    static Result build(Path runDir, Path outFile, String title) throws IOException {
        Path root = runDir.toAbsolutePath().normalize();
        if (!Files.exists(root)) throw new IllegalArgumentException("run directory " + runDir + " does not exist");
        if (!Files.isDirectory(root)) throw new IllegalArgumentException(runDir + " is not a directory; give the --out directory of a tessera run");
        RunReport r = new RunReport(root, outFile.toAbsolutePath().normalize());
        r.walk();
        if (r.sidecars.isEmpty() && r.metrics.isEmpty() && r.reconstructions.isEmpty() && r.docs.isEmpty()) {
            throw new IllegalArgumentException(runDir + " holds nothing tessera report recognises (no checkpoint-N.json, metrics.jsonl, reconstruction PNG or result JSON within "
                    + MAX_DEPTH + " levels" + (r.others.isEmpty() ? "" : "; " + r.others.size() + " JSON file(s) of unknown kinds")
                    + (r.warnings.isEmpty() ? "" : "; " + r.warnings.size() + " unreadable file(s)") + ")");
        }
        HtmlReport page = new HtmlReport(title).generator(GENERATOR);
        r.layout(page);
        return new Result(page, List.copyOf(r.warnings), List.copyOf(r.sections));
    }

    // ---- finding the files ------------------------------------------------------------------

    private void walk() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(root, MAX_DEPTH)) {
            files = s.filter(p -> !p.equals(root) && !hidden(p) && Files.isRegularFile(p) && !p.equals(outFile)).sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            String lower = name.toLowerCase(Locale.ROOT);
            try {
                if (name.equals("metrics.jsonl")) {
                    if (small(f, MAX_JSON_BYTES)) metrics.add(f);
                } else if (lower.endsWith(".json")) {
                    if (small(f, MAX_JSON_BYTES)) classifyJson(f, name);
                } else if (lower.endsWith(".png") || lower.endsWith(".svg")) {
                    if (!small(f, MAX_FIGURE_BYTES)) continue;
                    if (lower.endsWith(".png") && RECONSTRUCTION.matcher(name).matches()) reconstructions.add(f);
                    else images.computeIfAbsent(f.getParent(), k -> new ArrayList<>()).add(f);
                } else if (lower.endsWith(".html") && !isOwnPage(f)) {
                    pages.computeIfAbsent(f.getParent(), k -> new ArrayList<>()).add(f);
                }
            } catch (IOException | UncheckedIOException e) {
                warn(f, "could not be read (" + Main.describe(e instanceof UncheckedIOException u ? u.getCause() : e) + ")");
            }
        }
        // a surface.json beside the landscape.json that names it, and directions.json, belong to that landscape
        for (Doc d : List.copyOf(docs)) {
            if (d.kind() != Kind.LANDSCAPE) continue;
            for (Doc s : List.copyOf(docs)) {
                if (s.kind() == Kind.SURFACE && s.file().getParent().equals(d.file().getParent()) && s.file().getFileName().toString().equals(String.valueOf(d.tree().get("surface")))) {
                    docs.remove(s);
                    companions.computeIfAbsent(d.file().getParent(), k -> new ArrayList<>()).add(s.file());
                }
            }
        }
        // files kept beside a result (a probe's own checkpoint description, landscape directions) are part of it
        Set<Path> resultDirs = new HashSet<>();
        for (Doc d : docs) resultDirs.add(d.file().getParent());
        for (Other o : List.copyOf(others)) {
            String n = o.file().getFileName().toString();
            boolean companion = ("tessera.probe/1".equals(o.declared()) || "tessera.finetune/1".equals(o.declared()) || n.equals("directions.json"))
                    && resultDirs.contains(o.file().getParent());
            if (companion) {
                others.remove(o);
                companions.computeIfAbsent(o.file().getParent(), k -> new ArrayList<>()).add(o.file());
            }
        }
    }

    private boolean hidden(Path p) {
        for (Path part : root.relativize(p)) if (part.toString().startsWith(".")) return true;
        return false;
    }

    private boolean small(Path f, long limit) throws IOException {
        long size = Files.size(f);
        if (size <= limit) return true;
        warn(f, "skipped: " + (size >> 20) + " MiB, more than the " + (limit >> 20) + " MiB this report reads");
        return false;
    }

    /** True for a page this command wrote earlier (it is not a command's page to link to). */
    static boolean isOwnPage(Path html) throws IOException {
        byte[] head = new byte[1024];
        int n;
        try (var in = Files.newInputStream(html)) {
            n = in.readNBytes(head, 0, head.length);
        }
        return new String(head, 0, n, StandardCharsets.UTF_8).contains("<meta name=\"generator\" content=\"" + GENERATOR + "\">");
    }

    private void classifyJson(Path f, String name) throws IOException {
        Object tree;
        try {
            tree = Json.parse(Files.readString(f, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            warn(f, "is not valid JSON (" + e.getMessage() + "); left out");
            return;
        } catch (java.nio.charset.CharacterCodingException e) {
            warn(f, "is not UTF-8 text; left out");
            return;
        }
        if (!(tree instanceof Map<?, ?> m)) {
            others.add(new Other(f, "not an object"));
            return;
        }
        Object schema = m.get("schema");
        Object declared = schema != null ? schema : m.get("format");
        String decl = declared instanceof String s ? s : null;
        if (SIDECAR.matcher(name).matches() && m.containsKey("method") && m.containsKey("optimizer_steps")) {
            sidecars.computeIfAbsent(f.getParent(), k -> new ArrayList<>()).add(f);
            return;
        }
        Kind kind = null;
        if (EvalReport.SCHEMA.equals(schema)) {
            kind = switch (String.valueOf(m.get("kind"))) {
                case "linear-probe" -> Kind.LINEAR_PROBE;
                case "knn" -> Kind.KNN;
                case "finetune" -> Kind.FINETUNE;
                case "occlusion" -> Kind.OCCLUSION;
                default -> null;
            };
            if (kind == null) decl = EvalReport.SCHEMA + ", kind " + m.get("kind");
        } else if (HessianJson.SCHEMA.equals(schema)) {
            kind = Kind.HESSIAN;
        } else if (LandscapeOutputs.SCHEMA.equals(schema)) {
            kind = Kind.LANDSCAPE;
        } else if (SurfaceGrid.SCHEMA.equals(schema)) {
            kind = Kind.SURFACE;
        } else if (SpectrumJson.SCHEMA.equals(schema)) {
            kind = Kind.SPECTRUM;
        } else if (AttentionJson.SCHEMA.equals(schema)) {
            boolean camsOnly = m.get("gradcam") instanceof List<?> g && !g.isEmpty() && m.get("statistics") instanceof List<?> st && st.isEmpty();
            kind = camsOnly || name.startsWith("gradcam") ? Kind.GRADCAM : Kind.ATTENTION;
        }
        if (kind != null) docs.add(new Doc(f, kind, m));
        else others.add(new Other(f, decl));
    }

    private void warn(Path f, String what) {
        warnings.add(rel(f) + " " + what);
    }

    /** The path of f inside the run directory, with forward slashes. */
    private String rel(Path f) {
        return root.relativize(f).toString().replace('\\', '/');
    }

    /** A relative link from the page's directory to f (each segment percent-encoded). */
    private String href(Path f) {
        String rel = pageDir.relativize(f).toString().replace('\\', '/');
        try {
            return new URI(null, null, rel, null).getRawPath();
        } catch (URISyntaxException e) {
            return rel;
        }
    }

    private String dirLabel(Path dir) {
        return dir.equals(root) ? root.getFileName() + "/" : rel(dir) + "/";
    }

    // ---- the page -----------------------------------------------------------------------------

    private void layout(HtmlReport page) throws IOException {
        page.paragraph("Gathered from " + root.getFileName() + "/ (searched " + MAX_DEPTH + " levels deep): " + count(sidecars.values().stream().mapToInt(List::size).sum(), "checkpoint") + ", "
                + count(metrics.size(), "training log") + ", " + count(reconstructions.size(), "reconstruction image") + ", "
                + count(docs.size(), "result") + ".");
        List<String> readWarnings = new ArrayList<>(warnings);
        if (!readWarnings.isEmpty()) {
            page.heading("Warnings");
            for (String w : readWarnings) page.warning(w);
        }
        for (Map.Entry<Path, List<Path>> e : sidecars.entrySet()) summary(page, e.getKey(), e.getValue());
        for (Path m : metrics) curves(page, m);
        if (!reconstructions.isEmpty()) reconstructionSection(page);
        docs.sort(Comparator.comparing((Doc d) -> d.kind()).thenComparing(Doc::file));
        // figures: the specific kinds of a directory first, then the catch-all landscape ones
        Map<Doc, List<HtmlReport.Figure>> figs = new LinkedHashMap<>();
        for (Doc d : docs) if (!d.kind().catchAll()) figs.put(d, claimFigures(d.file().getParent(), d.kind().figure));
        for (Doc d : docs) if (d.kind().catchAll()) figs.put(d, claimFigures(d.file().getParent(), d.kind().figure));
        Set<Path> firstOfDir = new HashSet<>();
        for (Doc d : docs) {
            List<HtmlReport.Figure> f = new ArrayList<>(figs.get(d));
            if (firstOfDir.add(d.file().getParent())) f.addAll(claimFigures(d.file().getParent(), n -> true)); // figures no kind names
            result(page, d, f);
        }
        otherFigures(page);
        if (!others.isEmpty()) {
            page.heading("Other JSON files");
            sections.add("Other JSON files");
            page.paragraph("Files of a kind this report does not know, listed so that nothing is left out silently.");
            List<List<?>> rows = new ArrayList<>();
            for (Other o : others) rows.add(List.of(rel(o.file()), o.declared() == null ? "no schema" : o.declared()));
            page.table(List.of("file", "schema / format"), rows);
        }
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    // ---- run summary ----------------------------------------------------------------------

    private void summary(HtmlReport page, Path dir, List<Path> files) {
        List<Path> byStep = new ArrayList<>(files);
        byStep.sort(Comparator.comparingLong(RunReport::stepOf));
        Path newest = byStep.getLast();
        String title = "Run summary: " + dirLabel(dir);
        page.heading(title);
        sections.add(title);
        try {
            JsonFields s = JsonFields.of((Map<?, ?>) Json.parse(Files.readString(newest)), null);
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("checkpoint", newest.getFileName().toString().replace(".json", ""));
            t.put("method", s.string("method"));
            String preset = s.has("model_preset") ? s.string("model_preset") : null;
            if (s.has("model") || s.has("encoder")) {
                // "model" for the methods with a decoder (MAE, RC-MAE, LUT), "encoder" for the others: its decoder fields do not apply
                boolean decoder = s.has("model");
                JsonFields m = s.object(decoder ? "model" : "encoder");
                t.put("model", (preset == null ? "" : preset + ": ") + "ViT width " + m.integer("embed_dim", 1, 1 << 20) + ", " + m.integer("depth", 1, 1 << 20) + " blocks, "
                        + m.integer("num_heads", 1, 1 << 20) + " heads, patch " + m.integer("patch_size", 1, 1 << 20) + " on " + m.integer("image_size", 1, 1 << 20) + " × "
                        + m.integer("image_size", 1, 1 << 20) + (decoder && m.has("decoder_depth") ? "; decoder " + m.integer("decoder_embed_dim", 1, 1 << 20) + " × "
                        + m.integer("decoder_depth", 0, 1 << 20) : ""));
            } else if (preset != null) {
                t.put("model", preset);
            }
            JsonFields recipe = s.has("pretrain") ? s.object("pretrain") : null;
            if (recipe != null && recipe.has("data") && recipe.object("data").has("name")) t.put("data", recipe.object("data").string("name"));
            else if (s.has("data")) t.put("data", s.string("data"));
            long updates = s.longInteger("optimizer_steps", 0, Long.MAX_VALUE);
            long steps = s.has("steps") ? s.longInteger("steps", updates, Long.MAX_VALUE) : updates;
            t.put("optimizer steps", updates);
            if (steps > updates) t.put("steps skipped by the loss scaler", steps - updates);
            if (s.has("batches_per_epoch")) {
                long perEpoch = s.longInteger("batches_per_epoch", 1, Long.MAX_VALUE);
                long accum = s.has("trainer_config") && s.object("trainer_config").has("accumulation") ? s.object("trainer_config").longInteger("accumulation", 1, Long.MAX_VALUE) : 1;
                String planned = s.has("trainer_config") && s.object("trainer_config").has("epochs") ? " of " + s.object("trainer_config").integer("epochs", 0, Integer.MAX_VALUE) : "";
                t.put("epochs", num((double) steps * accum / perEpoch) + planned);
            }
            if (s.has("batch_size")) t.put("batch", s.longInteger("batch_size", 1, Long.MAX_VALUE));
            if (recipe != null && recipe.has("optimisation") && recipe.object("optimisation").has("peak_lr")) {
                t.put("peak learning rate", num(recipe.object("optimisation").real("peak_lr", 0, Double.MAX_VALUE)));
            }
            if (s.has("seed")) t.put("seed", s.longInteger("seed", Long.MIN_VALUE, Long.MAX_VALUE));
            if (recipe != null && recipe.has("execution")) {
                JsonFields x = recipe.object("execution");
                StringBuilder b = new StringBuilder(x.has("device") ? x.string("device") : "?");
                if (x.has("matmul") && !"cpu".equals(x.has("device") ? x.string("device") : "")) b.append(", matmul ").append(x.string("matmul"));
                if (x.has("attention") && "fused".equals(x.string("attention"))) b.append(", attention fused");
                if (x.has("precision") && !"fp32".equals(x.string("precision"))) b.append(", ").append(x.string("precision")).append(" autocast");
                if (x.has("threads")) b.append(", ").append(x.integer("threads", 0, Integer.MAX_VALUE)).append(" threads");
                t.put("backend", b.toString());
            }
            if (s.has("evaluation_role")) t.put("evaluation encoder", s.string("evaluation_role"));
            if (byStep.size() > 1) {
                StringBuilder b = new StringBuilder();
                for (Path p : byStep) b.append(b.isEmpty() ? "" : ", ").append(p.getFileName().toString().replace(".json", ""));
                t.put("checkpoints", b.toString());
            }
            page.table(t);
        } catch (IOException | RuntimeException e) {
            warnHere(page, newest, "could not be summarised: " + Main.describe(e));
        }
        links(page, dir, List.of());
    }

    private static long stepOf(Path sidecar) {
        Matcher m = SIDECAR.matcher(sidecar.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private void warnHere(HtmlReport page, Path f, String what) {
        String line = rel(f) + " " + what;
        warnings.add(line);
        page.warning(line);
    }

    // ---- training curves -----------------------------------------------------------------------

    private void curves(HtmlReport page, Path file) throws IOException {
        String title = "Training curves: " + rel(file);
        page.heading(title);
        sections.add(title);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Map<?, ?>> rows = new ArrayList<>();
        int bad = 0;
        String firstBad = null;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String why;
            try {
                if (Json.parse(lines.get(i)) instanceof Map<?, ?> m) {
                    rows.add(m);
                    continue;
                }
                why = "not a JSON object";
            } catch (IllegalArgumentException e) {
                why = e.getMessage();
            }
            if (bad++ == 0) firstBad = "line " + (i + 1) + ": " + why;
        }
        if (bad > 0) warnHere(page, file, "has " + count(bad, "unreadable line") + ", left out (first: " + firstBad + ")");
        if (rows.isEmpty()) {
            page.paragraph("No step was logged.");
            return;
        }
        // the numeric columns in the order they first appear
        Map<String, double[]> cols = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            for (Map.Entry<?, ?> e : rows.get(i).entrySet()) {
                if (!(e.getValue() instanceof Number n)) continue;
                cols.computeIfAbsent(String.valueOf(e.getKey()), k -> nans(rows.size()))[i] = n.doubleValue();
            }
        }
        double[] x = cols.containsKey("step") ? cols.get("step") : indices(rows.size());
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("steps logged", rows.size());
        if (cols.containsKey("step")) t.put("last step", (long) last(x));
        if (cols.containsKey("epoch")) t.put("last epoch", num(last(cols.get("epoch"))));
        if (cols.containsKey("loss")) {
            t.put("final loss", num(last(cols.get("loss"))));
            t.put("lowest loss", num(Arrays.stream(cols.get("loss")).filter(Double::isFinite).min().orElse(Double.NaN)));
        }
        for (String k : cols.keySet()) if (k.startsWith("loss_")) t.put("final " + k, num(last(cols.get(k))));
        if (cols.containsKey("step_ms")) t.put("median step time", num(median(cols.get("step_ms"))) + " ms");
        page.table(t);

        if (rows.size() < 2) {
            page.paragraph("One step logged: no curve to draw.");
            links(page, file.getParent(), List.of(file));
            return;
        }
        List<HtmlReport.Figure> f = new ArrayList<>();
        List<LineCharts.Series> loss = new ArrayList<>();
        for (Map.Entry<String, double[]> e : cols.entrySet()) {
            if (e.getKey().equals("loss") || e.getKey().startsWith("loss_")) loss.add(new LineCharts.Series(e.getKey(), x, e.getValue()));
        }
        if (!loss.isEmpty()) f.add(chart("loss" + (loss.size() > 1 ? " and its parts" : "") + " against the optimizer step", "loss", loss, true));
        if (cols.containsKey("lr")) f.add(chart("learning rate", "learning rate", List.of(new LineCharts.Series("lr", x, cols.get("lr"))), false));
        if (cols.containsKey("grad_norm")) f.add(chart("gradient norm (before clipping)", "‖g‖₂", List.of(new LineCharts.Series("grad_norm", x, cols.get("grad_norm"))), false));
        for (Map.Entry<String, double[]> e : cols.entrySet()) {
            String k = e.getKey();
            if (Set.of("step", "epoch", "lr", "grad_norm", "step_ms", "loss").contains(k) || k.startsWith("loss_")) continue;
            f.add(chart(k, k, List.of(new LineCharts.Series(k, x, e.getValue())), false));
        }
        List<HtmlReport.Figure> drawable = new ArrayList<>();
        for (HtmlReport.Figure fig : f) if (fig != null) drawable.add(fig);
        page.figures(drawable);
        links(page, file.getParent(), List.of(file));
    }

    /** A chart as an SVG figure, or null when no point of it is finite. */
    private static HtmlReport.Figure chart(String title, String yLabel, List<LineCharts.Series> series, boolean wide) {
        try {
            var c = LineCharts.chart(title, "optimizer step", yLabel, series);
            return new HtmlReport.Figure(ChartFiles.svg(c, CHART_W, wide ? CHART_H + 60 : CHART_H).getBytes(StandardCharsets.UTF_8), "", false);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static double[] nans(int n) {
        double[] v = new double[n];
        Arrays.fill(v, Double.NaN);
        return v;
    }

    private static double[] indices(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i + 1;
        return v;
    }

    private static double last(double[] v) {
        for (int i = v.length - 1; i >= 0; i--) if (Double.isFinite(v[i])) return v[i];
        return Double.NaN;
    }

    private static double median(double[] v) {
        double[] f = Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
        if (f.length == 0) return Double.NaN;
        return f.length % 2 == 1 ? f[f.length / 2] : (f[f.length / 2 - 1] + f[f.length / 2]) / 2;
    }

    // ---- reconstructions ----------------------------------------------------------------------

    private void reconstructionSection(HtmlReport page) throws IOException {
        page.heading("Reconstructions");
        sections.add("Reconstructions");
        page.paragraph("Per row: the original, the masked input, the reconstruction, and the reconstruction with the visible patches pasted back.");
        List<HtmlReport.Figure> f = new ArrayList<>();
        for (Path p : reconstructions) {
            byte[] b = Files.readAllBytes(p);
            try {
                f.add(new HtmlReport.Figure(b, rel(p), true));
            } catch (IllegalArgumentException e) {
                warnHere(page, p, "is not a PNG image; left out");
            }
        }
        page.figures(f);
    }

    // ---- figures beside a result --------------------------------------------------------------

    /**
     * The figures of {@code dir} whose file names {@code which} accepts and no section took yet, one
     * per name (the SVG when both an SVG and a PNG were written), in name order.
     */
    private List<HtmlReport.Figure> claimFigures(Path dir, Predicate<String> which) throws IOException {
        Map<String, List<Path>> byStem = new TreeMap<>();
        for (Path p : images.getOrDefault(dir, List.of())) {
            String n = p.getFileName().toString();
            String stem = n.substring(0, n.lastIndexOf('.'));
            if (claimed.contains(p) || !which.test(n)) continue;
            byStem.computeIfAbsent(stem, k -> new ArrayList<>()).add(p);
        }
        List<HtmlReport.Figure> out = new ArrayList<>();
        for (Map.Entry<String, List<Path>> e : byStem.entrySet()) {
            Path svg = null, png = null;
            for (Path p : e.getValue()) {
                claimed.add(p);
                if (p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) svg = p;
                else png = p;
            }
            Path use = svg != null ? svg : png;
            try {
                out.add(new HtmlReport.Figure(Files.readAllBytes(use), use.getFileName().toString(), svg == null));
            } catch (IllegalArgumentException ex) {
                warn(use, "is neither a PNG nor an SVG image; left out");
            }
        }
        return out;
    }

    private void otherFigures(HtmlReport page) throws IOException {
        List<HtmlReport.Figure> f = new ArrayList<>();
        int more = 0;
        for (Path dir : images.keySet()) {
            for (HtmlReport.Figure fig : claimFigures(dir, n -> true)) {
                if (f.size() < MAX_OTHER_FIGURES) f.add(new HtmlReport.Figure(fig.bytes(), rel(dir.resolve(fig.caption())), fig.wide()));
                else more++;
            }
        }
        if (f.isEmpty()) return;
        page.heading("Other figures");
        sections.add("Other figures");
        page.paragraph("Images found beside no result this report recognises" + (more > 0 ? "; " + more + " more not shown" : "") + ".");
        page.figures(f);
    }

    /** "Page" and "Files" links: the command's own HTML pages in dir and the data files of the section. */
    private void links(HtmlReport page, Path dir, List<Path> data) {
        Map<String, String> html = new LinkedHashMap<>();
        for (Path p : pages.getOrDefault(dir, List.of())) html.put(p.getFileName().toString(), href(p));
        if (!html.isEmpty()) page.links("The command's own page", html);
        Map<String, String> files = new LinkedHashMap<>();
        for (Path p : data) files.put(p.getFileName().toString(), href(p));
        if (!files.isEmpty()) page.links("Data", files);
    }

    // ---- results ------------------------------------------------------------------------------

    private void result(HtmlReport page, Doc d, List<HtmlReport.Figure> figures) {
        String title = d.kind().title + ": " + rel(d.file());
        page.heading(title);
        sections.add(title);
        try {
            switch (d.kind()) {
                case LINEAR_PROBE, FINETUNE -> classifier(page, JsonFields.of(d.tree(), null));
                case KNN -> knn(page, JsonFields.of(d.tree(), null));
                case OCCLUSION -> occlusion(page, JsonFields.of(d.tree(), null));
                case HESSIAN -> hessian(page, HessianJson.parse(Json.write(d.tree())));
                case LANDSCAPE -> landscape(page, d);
                case SURFACE -> surface(page, SurfaceGrid.parse(Json.write(d.tree()), rel(d.file())));
                case SPECTRUM -> spectrum(page, SpectrumJson.parse(Json.write(d.tree())));
                case ATTENTION -> attention(page, AttentionJson.parse(Json.write(d.tree())));
                case GRADCAM -> gradCam(page, AttentionJson.parse(Json.write(d.tree())));
            }
        } catch (RuntimeException | IOException e) {
            warnHere(page, d.file(), "could not be read as " + d.kind().title.toLowerCase(Locale.ROOT) + " results: " + Main.describe(e));
        }
        page.figures(figures);
        List<Path> data = new ArrayList<>();
        data.add(d.file());
        data.addAll(companions.getOrDefault(d.file().getParent(), List.of()));
        links(page, d.file().getParent(), data);
    }

    /** "rcmae teacher of checkpoint-10" from an evaluation's source. */
    private static String source(JsonFields e) {
        JsonFields s = e.object("source");
        StringBuilder b = new StringBuilder();
        if (s.has("model")) b.append(s.string("model"));
        else if (s.has("method")) b.append(s.string("method"));
        if (s.has("role")) b.append(", ").append(s.string("role"));
        if (s.has("checkpoint")) b.append(b.isEmpty() ? "" : ", ").append("of ").append(Path.of(s.string("checkpoint")).getFileName());
        return b.toString();
    }

    private static void common(Map<String, Object> t, JsonFields e) {
        if (e.has("data")) {
            JsonFields data = e.object("data");
            if (data.has("test")) t.put("test data", data.string("test"));
            else if (data.has("spec")) t.put("data", data.string("spec"));
        }
    }

    private static void run(Map<String, Object> t, JsonFields e) {
        if (!e.has("run")) return;
        JsonFields r = e.object("run");
        if (r.has("backend")) t.put("backend", r.string("backend"));
        if (r.has("wall_seconds")) t.put("wall time", num(r.real("wall_seconds", 0, Double.MAX_VALUE)) + " s");
    }

    private void classifier(HtmlReport page, JsonFields e) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("encoder", source(e));
        common(t, e);
        JsonFields settings = e.object("settings");
        if (settings.has("pooling")) t.put("pooling", settings.string("pooling"));
        List<JsonFields> epochs = e.objects("epochs");
        JsonFields results = e.object("results");
        if (!epochs.isEmpty()) {
            JsonFields lastEpoch = epochs.getLast();
            int n = lastEpoch.integer("epoch", 0, Integer.MAX_VALUE);
            t.put("top-1 at the last epoch (" + n + ")", pct(lastEpoch.real("top1", 0, 1)));
            t.put("top-5 at the last epoch (" + n + ")", pct(lastEpoch.real("top5", 0, 1)));
            t.put("test loss at the last epoch", num(lastEpoch.real("test_loss", -Double.MAX_VALUE, Double.MAX_VALUE)));
        } else {
            t.put("top-1", pct(results.real("top1", 0, 1)));
            if (results.has("top5")) t.put("top-5", pct(results.real("top5", 0, 1)));
        }
        if (results.has("best_top1")) {
            t.put("best top-1", pct(results.real("best_top1", 0, 1)) + (results.has("best_epoch") ? " (epoch " + results.integer("best_epoch", 0, Integer.MAX_VALUE) + ")" : ""));
        }
        if (results.has("optimizer_steps")) t.put("optimizer steps", results.longInteger("optimizer_steps", 0, Long.MAX_VALUE));
        run(t, e);
        page.table(t);
    }

    private void knn(HtmlReport page, JsonFields e) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("encoder", source(e));
        common(t, e);
        JsonFields settings = e.object("settings");
        if (settings.has("pooling")) t.put("pooling", settings.string("pooling"));
        if (settings.has("temperature")) t.put("temperature T", num(settings.real("temperature", 0, Double.MAX_VALUE)));
        run(t, e);
        page.table(t);
        List<List<?>> rows = new ArrayList<>();
        for (JsonFields k : e.object("results").objects("by_k")) {
            rows.add(List.of(k.integer("k", 1, Integer.MAX_VALUE), pct(k.real("top1", 0, 1)), k.has("top5") ? pct(k.real("top5", 0, 1)) : "–"));
        }
        page.table(List.of("k", "top-1", "top-5"), rows);
    }

    private void occlusion(HtmlReport page, JsonFields e) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("classifier", source(e));
        common(t, e);
        JsonFields settings = e.object("settings");
        if (settings.has("mode")) t.put("occlusion", settings.string("mode") + (settings.has("fill") ? ", filled with the " + settings.string("fill") : ""));
        run(t, e);
        page.table(t);
        List<List<?>> rows = new ArrayList<>();
        for (JsonFields p : e.object("results").objects("points")) {
            rows.add(List.of(num(p.real("ratio", 0, 1)), p.has("covered_fraction") ? pct(p.real("covered_fraction", 0, 1)) : "–", pct(p.real("top1", 0, 1)),
                    p.has("top5") ? pct(p.real("top5", 0, 1)) : "–", p.has("loss") ? num(p.real("loss", -Double.MAX_VALUE, Double.MAX_VALUE)) : "–"));
        }
        page.table(List.of("occlusion ratio", "pixels covered", "top-1", "top-5", "loss"), rows);
    }

    private void hessian(HtmlReport page, HessianAnalysis a) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("of", a.title());
        for (String k : List.of("model", "data", "loss", "parameters", "batches", "loss_value")) if (a.context().containsKey(k)) t.put(k.replace('_', ' '), a.context().get(k));
        t.put("dimension", a.dimension());
        if (a.topEigenvalues() != null) {
            StringBuilder b = new StringBuilder();
            for (double v : a.topEigenvalues().eigenvalues()) b.append(b.isEmpty() ? "" : ", ").append(num(v));
            t.put("top eigenvalues (power iteration)", b.toString());
        }
        if (a.extremes() != null) {
            EigenRatio r = a.extremes().preferred();
            t.put("λmax", num(r.lambdaMax()));
            t.put("λmin", num(r.lambdaMin()));
            t.put("eigen-ratio |λmin/λmax|", num(r.ratio()) + " (" + r.route().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
            if (a.extremes().byLanczos() != null && a.extremes().byShift() != null) t.put("eigen-ratio, shifted power iteration", num(a.extremes().byShift().ratio()));
        }
        if (a.trace() != null) t.put("trace (Hutchinson)", num(a.trace().mean()) + " ± " + num(a.trace().standardError()));
        if (a.density() != null) t.put("spectral density", "computed (see the figure)");
        if (a.context().containsKey("wall_seconds")) t.put("wall time", a.context().get("wall_seconds") + " s");
        page.table(t);
    }

    private void landscape(HtmlReport page, Doc d) throws IOException {
        JsonFields l = JsonFields.of(d.tree(), null);
        Map<String, Object> t = new LinkedHashMap<>();
        Path surface = d.file().resolveSibling(l.string("surface"));
        if (Files.isRegularFile(surface)) {
            SurfaceGrid g = SurfaceGrid.parse(Files.readString(surface), rel(surface));
            gridRows(t, g);
        }
        JsonFields c = l.object("centre");
        t.put("loss at the centre", num(c.real("loss", -Double.MAX_VALUE, Double.MAX_VALUE)));
        t.put("loss range", num(l.real("loss_min", -Double.MAX_VALUE, Double.MAX_VALUE)) + " – " + num(l.real("loss_max", -Double.MAX_VALUE, Double.MAX_VALUE)));
        for (JsonFields r : l.objects("convex_regions")) t.put("convex region: " + r.string("test"), pct(r.real("fraction", 0, 1)) + " of the grid");
        if (l.has("directions")) {
            JsonFields dir = l.object("directions");
            if (dir.has("kind")) t.put("directions", dir.string("kind") + (dir.has("cosine") ? ", cosine between them " + num(dir.real("cosine", -1, 1)) : ""));
        }
        page.table(t);
    }

    private void surface(HtmlReport page, SurfaceGrid g) {
        Map<String, Object> t = new LinkedHashMap<>();
        gridRows(t, g);
        if (g.shard().count() > 1) t.put("shard", (g.shard().index() + 1) + " of " + g.shard().count() + " (merge the shards with tessera landscape merge)");
        for (String f : g.fieldNames()) {
            double[] v = Arrays.stream(g.field(f)).filter(Double::isFinite).toArray();
            if (v.length > 0) t.put(f + " range", num(Arrays.stream(v).min().orElseThrow()) + " – " + num(Arrays.stream(v).max().orElseThrow()));
        }
        page.table(t);
    }

    private static void gridRows(Map<String, Object> t, SurfaceGrid g) {
        Object method = g.settings().get("method");
        if (method != null) t.put("method", method);
        if (g.settings().get("checkpoint") != null) t.put("checkpoint", Path.of(String.valueOf(g.settings().get("checkpoint"))).getFileName());
        t.put("grid", "α " + num(g.x().min()) + " … " + num(g.x().max()) + " (" + g.nx() + ")"
                + (g.twoDimensional() ? " × β " + num(g.y().min()) + " … " + num(g.y().max()) + " (" + g.ny() + ")" : ""));
        int todo = g.todo().size();
        t.put("points computed", (g.points() - todo) + " of " + g.points());
        t.put("fields", String.join(", ", g.fieldNames()));
    }

    private void spectrum(HtmlReport page, SpectrumAnalysis a) {
        Map<String, Object> t = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : a.context().entrySet()) if (!e.getKey().equals("device") && !e.getKey().equals("rankme_epsilon")) t.put(e.getKey().replace('_', ' '), e.getValue());
        page.table(t);
        List<List<?>> rows = new ArrayList<>();
        for (SpectrumResult s : a.spectra()) {
            rows.add(List.of(s.label(), s.layer().label(), s.pooling().label(), s.samples(), s.dim(), num(s.rankMe()),
                    s.alpha() == null ? "– (" + s.alphaNote() + ")" : num(s.alpha().alpha()) + " (R² " + num(s.alpha().r2()) + ")", s.numericalRank()));
        }
        page.table(List.of("encoder", "layer", "pooling", "images", "width", "RankMe", "α-ReQ", "numerical rank"), rows);
    }

    private void attention(HtmlReport page, AttentionAnalysis a) {
        Map<String, Object> t = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : a.context().entrySet()) if (!e.getKey().equals("device")) t.put(e.getKey().replace('_', ' '), e.getValue());
        page.table(t);
        if (a.statistics().isEmpty()) return;
        List<List<?>> rows = new ArrayList<>();
        for (AttentionStats s : a.statistics()) {
            double[] dist = s.layerDistance(), nmi = s.layerNmi();
            for (int b = 0; b < dist.length; b++) rows.add(List.of(s.label(), b, num(dist[b]), num(nmi[b])));
        }
        page.paragraph("Mean attention distance (pixels) and NMI per block, averaged over heads and images.");
        page.table(List.of("encoder", "block", "mean attention distance (px)", "NMI"), rows);
    }

    private void gradCam(HtmlReport page, AttentionAnalysis a) {
        Map<String, Object> t = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : a.context().entrySet()) if (!e.getKey().equals("device")) t.put(e.getKey().replace('_', ' '), e.getValue());
        page.table(t);
        List<List<?>> rows = new ArrayList<>();
        for (AttentionAnalysis.GradCams g : a.gradCams()) {
            int hits = 0;
            double score = 0;
            for (GradCam.Cam c : g.cams()) {
                if (c.target() == c.top1()) hits++;
                score += c.score();
            }
            rows.add(List.of(g.label(), g.head(), g.cams().size(), num(score / g.cams().size()), hits + " of " + g.cams().size()));
        }
        if (!rows.isEmpty()) page.table(List.of("encoder", "head", "images", "mean logit of the target class", "target is the predicted class"), rows);
    }

    // ---- numbers ------------------------------------------------------------------------------

    /** Four significant digits: plain between 10⁻⁴ and 10⁶ (0.000625, 74.86), else 1.5e-7 or 2.345e+08. */
    static String num(double v) {
        if (Double.isNaN(v)) return "–";
        if (Double.isInfinite(v)) return v > 0 ? "∞" : "-∞";
        if (v == 0) return "0";
        BigDecimal d = new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros();
        double a = Math.abs(v);
        if (a >= 1e-4 && a < 1e6) return d.toPlainString();
        String[] parts = String.format(Locale.ROOT, "%.3e", v).split("e");
        String mantissa = parts[0].contains(".") ? parts[0].replaceAll("0+$", "").replaceAll("\\.$", "") : parts[0];
        return mantissa + "e" + parts[1];
    }

    /** A fraction as a percentage with one decimal: 0.406 → "40.6 %". */
    static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }
}
