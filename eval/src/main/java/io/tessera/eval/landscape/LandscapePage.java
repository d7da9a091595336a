// The HTML section of one landscape run on HtmlReport: the grid (axes, points computed, each
// field's range and minimum), every setting that decided the values, the figures embedded as PNG
// data URIs with links to their SVG files, and links to the ParaView file (.vtp) and the surface
// JSON beside the page. No scripts and nothing fetched from elsewhere; it computes nothing.
package io.tessera.eval.landscape;

import io.tessera.eval.plot.Ticks;
import io.tessera.eval.report.HtmlReport;
import io.tessera.nn.checkpoint.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds and writes the page of a landscape. */
public final class LandscapePage {
    private LandscapePage() {
    }

    /**
     * Appends the section to {@code r}.
     *
     * @param figures     written figures (e.g. from {@link LandscapeFigures#writeStandard}), embedded in order
     * @param pageDir     the directory the page will be written to; links are relative to it
     * @param vtp         the .vtp file, or null when none was written
     * @param surfaceJson the grid's JSON file, or null
     */
    public static HtmlReport section(HtmlReport r, SurfaceGrid g, List<LandscapeFigures.Written> figures, Path pageDir, Path vtp, Path surfaceJson) throws IOException {
        r.heading("Grid").table(grid(g));
        r.heading("Settings").table(settings(g.settings()));
        for (LandscapeFigures.Written w : figures) {
            r.heading(w.caption());
            r.png(Files.readAllBytes(w.files().png()), w.caption());
            Map<String, String> files = new LinkedHashMap<>();
            files.put("SVG", relative(pageDir, w.files().svg()));
            files.put("PNG", relative(pageDir, w.files().png()));
            r.links("Files", files);
        }
        Map<String, String> data = new LinkedHashMap<>();
        if (vtp != null) data.put(vtp.getFileName() + " (VTK PolyData for ParaView)", relative(pageDir, vtp));
        if (surfaceJson != null) data.put(surfaceJson.getFileName() + " (the grid: " + SurfaceGrid.SCHEMA + ")", relative(pageDir, surfaceJson));
        if (!data.isEmpty()) {
            r.heading("Data");
            r.links("Open", data);
            if (vtp != null) {
                r.paragraph("In ParaView: File → Open the .vtp, Apply; colour by \"zvalue\" (points) or \"averaged zvalue\" (cells). "
                        + "If the surface looks needle-like, enlarge the x/y scale (Properties → Transforming → Scale).");
            }
        }
        return r;
    }

    /** A page titled {@code title} holding the section. */
    public static HtmlReport page(String title, SurfaceGrid g, List<LandscapeFigures.Written> figures, Path pageDir, Path vtp, Path surfaceJson) throws IOException {
        return section(new HtmlReport(title), g, figures, pageDir, vtp, surfaceJson);
    }

    /** Builds the page and writes it atomically as {@code html}; links are relative to its directory. */
    public static void write(Path html, String title, SurfaceGrid g, List<LandscapeFigures.Written> figures, Path vtp, Path surfaceJson) throws IOException {
        Path dir = html.toAbsolutePath().getParent();
        page(title, g, figures, dir, vtp, surfaceJson).write(html);
    }

    private static Map<String, Object> grid(SurfaceGrid g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("α axis (min:max:num)", g.x());
        if (g.twoDimensional()) m.put("β axis (min:max:num)", g.y());
        m.put("points", String.format(Locale.ROOT, "%,d (%d × %d)", g.points(), g.nx(), g.ny()));
        int done = 0;
        for (int k = 0; k < g.points(); k++) if (g.done(k)) done++;
        m.put("points computed", String.format(Locale.ROOT, "%,d of %,d", done, g.points()));
        if (g.shard().count() > 1) m.put("shard", g.shard());
        for (String f : g.fieldNames()) m.put(f, range(g, f));
        return m;
    }

    /** "min 0.012 at (α, β) = (0, 0.1), max 3" of the computed values. */
    private static String range(SurfaceGrid g, String f) {
        double[] v = g.field(f);
        int at = -1;
        double hi = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < v.length; k++) {
            if (Double.isNaN(v[k])) continue;
            if (at < 0 || v[k] < v[at]) at = k;
            hi = Math.max(hi, v[k]);
        }
        if (at < 0) return "not computed";
        String where = g.twoDimensional() ? "(α, β) = (" + Ticks.format(g.alpha(at)) + ", " + Ticks.format(g.beta(at)) + ")" : "α = " + Ticks.format(g.alpha(at));
        return "min " + Ticks.format(v[at]) + " at " + where + ", max " + Ticks.format(hi);
    }

    private static Map<String, Object> settings(Map<String, Object> s) {
        Map<String, Object> m = new LinkedHashMap<>();
        s.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            Object v = e.getValue();
            m.put(e.getKey(), v instanceof Map<?, ?> || v instanceof List<?> ? Json.write(v) : v);
        });
        return m;
    }

    private static String relative(Path dir, Path file) {
        Path rel = dir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize());
        return rel.toString().replace('\\', '/');
    }
}
