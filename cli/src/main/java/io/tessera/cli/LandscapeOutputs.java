package io.tessera.cli;

import io.tessera.eval.landscape.ConvexRegion;
import io.tessera.eval.landscape.LandscapeFigures;
import io.tessera.eval.landscape.LandscapePage;
import io.tessera.eval.landscape.Vtk;
import io.tessera.eval.landscape.SurfaceGrid;
import io.tessera.nn.checkpoint.Json;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a finished landscape leaves besides surface.json: landscape.json (schema tessera.landscape/1:
 * the centre loss, the range, the convex regions with their tests, the directions' cosine and the
 * trajectory), the figures, the ParaView file and the page. Also what {@code landscape merge} and
 * {@code landscape plot} write, from the files alone.
 */
final class LandscapeOutputs {
    static final String SCHEMA = "tessera.landscape/1";

    private LandscapeOutputs() {
    }

    /** directions.safetensors and directions.json: written once, by the single worker or shard 0. */
    static void writeDirections(Path dir, LandscapeDirections dirs, io.tessera.eval.objective.ParameterSelection sel) throws IOException {
        Files.createDirectories(dir);
        dirs.file().write(dir.resolve("directions.safetensors"), sel);
        Map<String, Object> directions = new LinkedHashMap<>();
        directions.put("kind", dirs.kind());
        if (!Double.isNaN(dirs.cosine())) directions.put("cosine", dirs.cosine());
        if (dirs.trajectory() != null) {
            var t = dirs.trajectory();
            List<Object> pts = new ArrayList<>();
            for (int i = 0; i < t.points().length; i++) {
                pts.add(Map.of("checkpoint", dirs.trajectoryLabels().get(i), "x", t.points()[i][0], "y", t.points()[i][1]));
            }
            directions.put("explained_variance_ratio", List.of(t.explained()[0], t.explained()[1]));
            directions.put("singular_values", List.of(t.singular()[0], t.singular()[1]));
            directions.put("axis_labels", List.of(t.axisLabel(0), t.axisLabel(1)));
            directions.put("trajectory", pts);
        }
        AtomicFiles.writeString(dir.resolve("directions.json"), Json.write(directions) + "\n");
    }

    /** landscape.json and the console summary of a complete grid; {@code ratioThreshold} NaN when no eigen-ratio map was made. */
    static Map<String, Object> summarize(SurfaceGrid grid, Path dir, double ratioThreshold) throws IOException {
        if (!grid.todo().isEmpty()) throw new IllegalStateException("the grid has " + grid.todo().size() + " points not computed yet");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("schema", SCHEMA);
        s.put("surface", "surface.json");
        double[] loss = grid.field("loss");
        int centre = grid.y() == null ? grid.x().nearestZero() : grid.y().nearestZero() * grid.nx() + grid.x().nearestZero();
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double v : loss) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        s.put("centre", Map.of("alpha", grid.alpha(centre), "beta", grid.beta(centre), "loss", loss[centre]));
        s.put("loss_min", min);
        s.put("loss_max", max);
        List<Object> regions = new ArrayList<>();
        if (grid.twoDimensional() && grid.nx() >= 3 && grid.ny() >= 3) regions.add(region(ConvexRegion.bySurfaceCurvature(grid, "loss")));
        if (!Double.isNaN(ratioThreshold) && grid.fieldNames().contains("ratio")) regions.add(region(ConvexRegion.byEigenRatio(grid, "ratio", ratioThreshold)));
        s.put("convex_regions", regions);
        Path directions = dir.resolve("directions.json");
        if (Files.exists(directions)) s.put("directions", Json.parse(Files.readString(directions)));
        AtomicFiles.writeString(dir.resolve("landscape.json"), Json.write(s) + "\n");
        figures(grid, dir, (Map<?, ?>) s.get("directions"), ratioThreshold);
        System.out.printf(Locale.ROOT, "centre (α %.3g, β %.3g): loss %.6g; range %.6g – %.6g%n", grid.alpha(centre), grid.beta(centre), loss[centre], min, max);
        for (Object r : regions) {
            Map<?, ?> m = (Map<?, ?>) r;
            System.out.printf(Locale.ROOT, "convex region (%s): %.1f %% of the grid%n", m.get("test"), 100 * ((Number) m.get("fraction")).doubleValue());
        }
        System.out.println("wrote " + dir.resolve("surface.json") + ", " + dir.resolve("landscape.json") + ", " + dir.resolve("landscape.html")
                + ", the figures (PNG + SVG) and the ParaView file");
        return s;
    }

    /** The standard figures of the loss (and accuracy), the eigen-ratio map and convex region, the trajectory, the .vtp and the page. */
    private static void figures(SurfaceGrid grid, Path dir, Map<?, ?> directions, double ratioThreshold) throws IOException {
        LandscapeFigures.Options o = LandscapeFigures.Options.defaults();
        List<?> labels = directions == null ? null : (List<?>) directions.get("axis_labels");
        if (labels != null) o = o.withAxisLabels(String.valueOf(labels.get(0)), String.valueOf(labels.get(1)));
        else if (directions != null && "interpolation".equals(directions.get("kind"))) {
            o = o.withAxisLabels("α (0: the first checkpoint, 1: the second)", LandscapeFigures.BETA);
        }
        List<LandscapeFigures.Written> written = new ArrayList<>(LandscapeFigures.writeStandard(grid, "loss", dir, o));
        Path vtp = null;
        if (grid.twoDimensional()) {
            if (grid.fieldNames().contains("ratio")) {
                written.add(LandscapeFigures.write(LandscapeFigures.eigenRatio(grid, "ratio", o), dir, "ratio_2dheat",
                        "|λmin/λmax| of the full Hessian at every point (0–0.5; near 0: locally almost convex)"));
                if (!Double.isNaN(ratioThreshold)) {
                    ConvexRegion r = ConvexRegion.byEigenRatio(grid, "ratio", ratioThreshold);
                    written.add(LandscapeFigures.write(LandscapeFigures.convexRegion(grid, "loss", r.region(), r.test(), o), dir, "convex_region",
                            String.format(Locale.ROOT, "convex region around the origin (%s): %.1f %% of the grid", r.test(), 100 * r.fraction())));
                }
            }
            if (grid.nx() >= 3 && grid.ny() >= 3) {
                ConvexRegion p = ConvexRegion.bySurfaceCurvature(grid, "loss");
                written.add(LandscapeFigures.write(LandscapeFigures.convexRegion(grid, "loss", p.region(), p.test(), o), dir, "convex_region_proxy",
                        String.format(Locale.ROOT, "convex region around the origin (%s): %.1f %% of the grid", p.test(), 100 * p.fraction())));
            }
            if (directions != null && directions.get("trajectory") instanceof List<?> t) {
                double[] px = new double[t.size()], py = new double[t.size()];
                for (int i = 0; i < t.size(); i++) {
                    Map<?, ?> pt = (Map<?, ?>) t.get(i);
                    px[i] = ((Number) pt.get("x")).doubleValue();
                    py[i] = ((Number) pt.get("y")).doubleValue();
                }
                written.add(LandscapeFigures.write(LandscapeFigures.trajectory(grid, "loss", px, py, o), dir, "trajectory",
                        "the checkpoints' trajectory projected on the first two principal components, over the loss contours"));
            }
            Vtk.Options vo = Vtk.Options.defaults();
            vtp = dir.resolve(Vtk.fileName("loss", vo));
            Vtk.write(grid, "loss", vtp, vo);
        }
        LandscapePage.write(dir.resolve("landscape.html"), "Loss landscape: " + grid.settings().get("method") + " " + lastName(grid), grid, written, vtp,
                dir.resolve("surface.json"));
    }

    private static String lastName(SurfaceGrid grid) {
        String c = String.valueOf(grid.settings().get("checkpoint"));
        int i = c.lastIndexOf('/');
        return i < 0 ? c : c.substring(i + 1);
    }

    private static Map<String, Object> region(ConvexRegion r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("test", r.test());
        if (!Double.isNaN(r.threshold())) m.put("threshold", r.threshold());
        m.put("fraction", r.fraction());
        return m;
    }
}
