package io.tessera.cli;

import io.tessera.eval.landscape.DirectionFile;
import io.tessera.eval.landscape.Directions;
import io.tessera.eval.landscape.Trajectory;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.nn.checkpoint.NonFinite;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.tensor.ExecutionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The directions of one landscape run, made the same way by every worker (so shards need no shared
 * file): loaded from a file, the interpolation θ₂ − θ₁, the PCA of a run's trajectory, or seeded random
 * directions (x from the seed, y from seed + 1), with what a figure needs to label them.
 *
 * @param kind       "random", "file", "interpolation" or "pca"
 * @param y          null for a 1-D landscape
 * @param trajectory the projected checkpoints for "pca", else null
 * @param cosine     cos(δ, η), NaN in 1-D
 */
record LandscapeDirections(String kind, double[] x, double[] y, DirectionFile file, Trajectory trajectory, List<String> trajectoryLabels, double cosine) {

    static LandscapeDirections make(ExecutionContext ctx, RunCheckpoint run, ParameterSelection sel, LandscapeCommand cmd, Map<String, Object> settings,
                                    boolean twoD) throws IOException {
        double[] w = sel.values();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("checkpoint", run.base().toString());
        meta.put("settings", io.tessera.nn.checkpoint.Json.write(settings.get("directions")));
        if (cmd.directionsFile() != null) {
            DirectionFile f = DirectionFile.read(cmd.directionsFile(), sel);
            if (twoD && f.directions().size() < 2) throw new IllegalArgumentException(cmd.directionsFile() + " holds one direction; a 2-D landscape needs two");
            double[] dy = twoD ? f.directions().get(1) : null;
            return of("file", f.directions().get(0), dy, meta, null, List.of());
        }
        if (cmd.checkpoint2() != null) {
            double[] theta2 = load(ctx, run, cmd.checkpoint2(), sel);
            return of("interpolation", Directions.target(sel, w, theta2), null, meta, null, List.of());
        }
        if (cmd.pcaOf() != null) {
            List<Path> ckpts = checkpoints(cmd.pcaOf());
            List<double[]> thetas = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            for (Path c : ckpts) {
                thetas.add(load(ctx, run, c, sel));
                labels.add(c.getFileName().toString());
            }
            Trajectory t = Trajectory.of(sel, thetas, w, cmd.lowRank());
            meta.put("explained_variance", String.format(Locale.ROOT, "%.6f,%.6f", t.explained()[0], t.explained()[1]));
            return of("pca", t.pc1(), t.pc2(), meta, t, labels);
        }
        double[] dx = Directions.random(sel, w, cmd.dirSeed(), cmd.normalization(), cmd.lowRank());
        double[] dy = twoD ? Directions.random(sel, w, cmd.dirSeed() + 1, cmd.normalization(), cmd.lowRank()) : null;
        return of("random", dx, dy, meta, null, List.of());
    }

    private static LandscapeDirections of(String kind, double[] dx, double[] dy, Map<String, String> meta, Trajectory t, List<String> labels) {
        meta.put("kind", kind);
        List<double[]> ds = dy == null ? List.of(dx) : List.of(dx, dy);
        double cos = dy == null ? Double.NaN : Directions.cosine(dx, dy);
        if (dy != null) meta.put("cosine", String.format(Locale.ROOT, "%.6g", cos));
        return new LandscapeDirections(kind, dx, dy, new DirectionFile(ds, meta), t, labels, cos);
    }

    /** The selected weights of another checkpoint of the same model, loaded into a scratch copy of the networks. */
    private static double[] load(ExecutionContext ctx, RunCheckpoint run, Path other, ParameterSelection sel) throws IOException {
        Path base = RunCheckpoint.base(other);
        PretrainMethod scratch = run.spec().build(ctx, MomentumSchedule.constant(1.0));
        try {
            TrainingCheckpoint.loadModels(base, scratch.stores(), NonFinite.REFUSE);
        } catch (io.tessera.nn.checkpoint.CheckpointIntegrityException e) {
            throw e;
        } catch (io.tessera.nn.checkpoint.CheckpointFormatException e) {
            throw new IllegalArgumentException(base.getFileName() + " is not a checkpoint of the same model as " + run.base().getFileName() + ": " + e.getMessage());
        }
        ParameterSelection s2 = sel.includesBuffers() ? ParameterSelection.states(scratch.trainable()) : ParameterSelection.of(scratch.trainable(), sel.rule());
        if (!s2.shapes().equals(sel.shapes())) throw new IllegalArgumentException(base.getFileName() + " holds another model than " + run.base().getFileName());
        return s2.values();
    }

    /** The checkpoints of a run directory in step order. */
    static List<Path> checkpoints(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) throw new IllegalArgumentException("--pca-of needs a run directory, got " + runDir);
        Pattern p = Pattern.compile("checkpoint-(\\d+)\\.json");
        List<long[]> steps = new ArrayList<>();
        try (var s = Files.list(runDir)) {
            for (Path f : s.toList()) {
                Matcher m = p.matcher(f.getFileName().toString());
                if (m.matches()) steps.add(new long[] {Long.parseLong(m.group(1))});
            }
        }
        steps.sort((a, b) -> Long.compare(a[0], b[0]));
        List<Path> out = new ArrayList<>();
        for (long[] st : steps) out.add(runDir.resolve("checkpoint-" + st[0]));
        if (out.size() < 3) throw new IllegalArgumentException(runDir + " holds " + out.size() + " checkpoint(s); a PCA trajectory needs at least 3 (pretrain --checkpoint-every)");
        return out;
    }
}
