package io.tessera.eval.attention;

// The versioned JSON form of an AttentionAnalysis ("schema": "tessera.attention/1"), written with the
// project's strict JSON codec (no NaN) and read back with the same field checks. Statistics are read
// back in full; maps are written for inspection and re-plotting and read back too.

import io.tessera.eval.report.JsonReader;
import io.tessera.nn.checkpoint.Json;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes and reads {@code tessera.attention/1}: {@code schema}, {@code title}, {@code context} and the
 * arrays {@code statistics} (label, images, rows, grid_side, patch_size, image_size, distance_px
 * [block][head], distance_px_by_block, nmi [block][head], nmi_by_block), {@code cls_maps} (label, grid,
 * images, threshold, maps [image][head][patch]), {@code rollout} (label, grid, fusion, images, maps
 * [image][patch]) and {@code gradcam} (label, head, grid, images, per image target, score, top1,
 * raw_max, cam [patch]). Absent parts are empty arrays.
 */
public final class AttentionJson {
    /** The schema this class writes and the only one it reads. */
    public static final String SCHEMA = "tessera.attention/1";
    private static final JsonReader READ = new JsonReader("attention JSON");

    private AttentionJson() {
    }

    public static Map<String, Object> toTree(AttentionAnalysis a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("title", a.title());
        m.put("context", new LinkedHashMap<>(a.context()));
        m.put("statistics", a.statistics().stream().map(AttentionStats::toJson).toList());
        List<Object> cls = new ArrayList<>();
        for (AttentionAnalysis.ClsMaps c : a.clsMaps()) {
            Map<String, Object> o = head(c.label(), c.grid(), c.images());
            o.put("threshold", c.threshold());
            o.put("maps", c.maps().stream().map(JsonReader::list).toList());
            cls.add(o);
        }
        m.put("cls_maps", cls);
        List<Object> roll = new ArrayList<>();
        for (AttentionAnalysis.Rollout r : a.rollouts()) {
            Map<String, Object> o = head(r.label(), r.grid(), r.images());
            o.put("fusion", r.fusion().label());
            o.put("maps", r.maps().stream().map(JsonReader::list).toList());
            roll.add(o);
        }
        m.put("rollout", roll);
        List<Object> cams = new ArrayList<>();
        for (AttentionAnalysis.GradCams g : a.gradCams()) {
            Map<String, Object> o = head(g.label(), g.grid(), g.images());
            o.put("head", g.head());
            List<Object> per = new ArrayList<>();
            for (GradCam.Cam c : g.cams()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("target", (long) c.target());
                e.put("score", c.score());
                e.put("top1", (long) c.top1());
                e.put("raw_max", c.rawMax());
                e.put("cam", JsonReader.list(c.cam()));
                per.add(e);
            }
            o.put("maps", per);
            cams.add(o);
        }
        m.put("gradcam", cams);
        return m;
    }

    private static Map<String, Object> head(String label, PatchGrid g, int[] images) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("label", label);
        o.put("grid_side", (long) g.side());
        o.put("patch_size", (long) g.patch());
        o.put("images", images.clone());
        return o;
    }

    public static String write(AttentionAnalysis a) {
        return Json.write(toTree(a));
    }

    /** Writes the document atomically. */
    public static void write(AttentionAnalysis a, Path file) throws IOException {
        AtomicFiles.writeString(file, write(a) + "\n");
    }

    /** Reads a {@code tessera.attention/1} document; a wrong schema or a missing field is named. */
    public static AttentionAnalysis parse(String text) {
        Map<?, ?> m = READ.document(Json.parse(text), SCHEMA);
        Map<String, String> context = new LinkedHashMap<>();
        READ.object(m, "context").forEach((k, v) -> context.put(String.valueOf(k), String.valueOf(v)));
        List<AttentionStats> stats = READ.objects(m, "statistics").stream().map(AttentionStats::fromJson).toList();
        List<AttentionAnalysis.ClsMaps> cls = new ArrayList<>();
        for (Map<?, ?> o : READ.objects(m, "cls_maps")) {
            List<double[][]> maps = new ArrayList<>();
            for (Object img : READ.array(o, "maps")) maps.add(READ.matrix(Map.of("map", img), "map"));
            cls.add(new AttentionAnalysis.ClsMaps(READ.string(o, "label"), grid(o), READ.ints(o, "images"), READ.number(o, "threshold"), maps));
        }
        List<AttentionAnalysis.Rollout> roll = new ArrayList<>();
        for (Map<?, ?> o : READ.objects(m, "rollout")) {
            roll.add(new AttentionAnalysis.Rollout(READ.string(o, "label"), grid(o), AttentionRollout.Fusion.parse(READ.string(o, "fusion")),
                    READ.ints(o, "images"), java.util.Arrays.asList(READ.matrix(o, "maps"))));
        }
        List<AttentionAnalysis.GradCams> cams = new ArrayList<>();
        for (Map<?, ?> o : READ.objects(m, "gradcam")) {
            List<GradCam.Cam> per = new ArrayList<>();
            for (Map<?, ?> e : READ.objects(o, "maps")) {
                per.add(new GradCam.Cam(READ.int32(e, "target"), READ.number(e, "score"), READ.int32(e, "top1"), READ.doubles(e, "cam"), READ.number(e, "raw_max")));
            }
            cams.add(new AttentionAnalysis.GradCams(READ.string(o, "label"), READ.string(o, "head"), grid(o), READ.ints(o, "images"), per));
        }
        return new AttentionAnalysis(READ.string(m, "title"), context, stats, cls, roll, cams);
    }

    private static PatchGrid grid(Map<?, ?> o) {
        return new PatchGrid(READ.int32(o, "grid_side"), READ.int32(o, "patch_size"));
    }
}
