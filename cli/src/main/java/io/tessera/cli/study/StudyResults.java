package io.tessera.cli.study;

import io.tessera.cli.study.Study.Mask;
import io.tessera.cli.study.Study.Method;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numbers a finished study's commands wrote, read back from their JSON files (the files are
 * the study's state: a report is always rebuilt from them, never from memory). Arrays are indexed
 * by seed.
 */
final class StudyResults {
    /** A landscape's scalar summaries. */
    record Landscape(double centreLoss, double convexFraction, double basinFraction, Path dir) {
    }

    /** The extreme eigenvalues at the minimum. */
    record Hessian(double lambdaMax, double lambdaMin, double ratio) {
    }

    /** One Proposition 4.1 run: per logged step, the two cosines (NaN where the log has null). */
    record PropRun(double[] step, double[] cosGap, double[] cosR) {
        double meanCosGap() {
            return meanFrom(cosGap);
        }

        double meanCosR() {
            return meanFrom(cosR);
        }

        /** The mean from step {@link #FIRST_STEP} on, over the finite values. */
        private double meanFrom(double[] v) {
            double s = 0;
            int n = 0;
            for (int i = 0; i < v.length; i++) {
                if (step[i] >= FIRST_STEP && Double.isFinite(v[i])) {
                    s += v[i];
                    n++;
                }
            }
            if (n == 0) throw new IllegalStateException("a Proposition 4.1 run logged no finite cosine from step " + FIRST_STEP + " on");
            return s / n;
        }
    }

    /**
     * The first step the Proposition 4.1 averages use: at step 1 θ_S = θ_T, and step 2 follows a step
     * at learning rate 0 (the warm-up starts there), so its gap θ_S − θ_T is float32 rounding of the EMA.
     */
    static final int FIRST_STEP = 3;

    /** A landscape point counts towards the basin when its loss is within this factor of the centre's. */
    static final double BASIN_FACTOR = 1.5;

    final Study study;
    final StudySettings settings;
    final List<Integer> probeEpochs;
    /** method → seed → probe epoch index → top-1 (fraction). */
    final Map<Method, double[][]> probeTop1 = new EnumMap<>(Method.class), knnTop1 = new EnumMap<>(Method.class);
    /** "pretrain"/"probe" → method → per seed. */
    final Map<String, Map<Method, Landscape[]>> landscapes = new LinkedHashMap<>();
    final Map<String, Map<Method, Hessian[]>> hessians = new LinkedHashMap<>();
    /** method → seed → mean attention distance per block (pixels). */
    final Map<Method, double[][]> attentionByBlock = new EnumMap<>(Method.class);
    final Map<Method, double[]> rankMe = new EnumMap<>(Method.class), alphaReq = new EnumMap<>(Method.class);
    final Map<Mask, PropRun[]> prop = new EnumMap<>(Mask.class);
    /** method → the eigen-ratio map's convex fraction (first seed), when the study made the maps. */
    final Map<Method, Double> ratioMapConvex = new EnumMap<>(Method.class);
    Map<?, ?> linearModel;

    private StudyResults(Study study) {
        this.study = study;
        this.settings = study.settings();
        this.probeEpochs = settings.probeEpochsList();
    }

    static StudyResults read(Study study) throws IOException {
        StudyResults r = new StudyResults(study);
        int n = r.settings.seeds();
        for (Method m : Method.values()) {
            List<Integer> epochs = m == Method.SUPERVISED ? List.of(r.settings.epochs()) : r.probeEpochs;
            double[][] p = new double[n][epochs.size()], k = new double[n][epochs.size()];
            for (int s = 0; s < n; s++) {
                for (int i = 0; i < epochs.size(); i++) {
                    p[s][i] = number(Study.readObject(study.probeDir(m, s, epochs.get(i)).resolve("eval.json")), "results", "top1");
                    k[s][i] = knnAt20(Study.readObject(study.knnDir(m, s, epochs.get(i)).resolve("eval.json")));
                }
            }
            r.probeTop1.put(m, p);
            r.knnTop1.put(m, k);
        }
        for (String loss : List.of("pretrain", "probe")) {
            Map<Method, Landscape[]> lm = new EnumMap<>(Method.class);
            Map<Method, Hessian[]> hm = new EnumMap<>(Method.class);
            for (Method m : Study.LANDSCAPE) {
                Landscape[] ls = new Landscape[n];
                Hessian[] hs = new Hessian[n];
                for (int s = 0; s < n; s++) {
                    ls[s] = landscape(study.landscapeDir(loss, m, s));
                    Map<?, ?> h = Study.readObject(study.hessianDir(loss, m, s).resolve("hessian.json"));
                    hs[s] = new Hessian(number(h, "extremes", "ratio_lanczos", "lambda_max"), number(h, "extremes", "ratio_lanczos", "lambda_min"),
                            number(h, "extremes", "ratio_lanczos", "ratio"));
                }
                lm.put(m, ls);
                hm.put(m, hs);
            }
            r.landscapes.put(loss, lm);
            r.hessians.put(loss, hm);
        }
        for (Method m : Method.values()) {
            r.attentionByBlock.put(m, new double[n][]);
            r.rankMe.put(m, new double[n]);
            r.alphaReq.put(m, new double[n]);
        }
        for (int s = 0; s < n; s++) {
            Map<?, ?> att = Study.readObject(study.attentionDir(s).resolve("attention.json"));
            for (Object o : list(att, "statistics")) {
                Map<?, ?> st = (Map<?, ?>) o;
                Method m = byLabel(String.valueOf(st.get("label")));
                r.attentionByBlock.get(m)[s] = doubles(list(st, "distance_px_by_block"));
            }
            Map<?, ?> spec = Study.readObject(study.spectrumDir(s).resolve("spectrum.json"));
            for (Object o : list(spec, "spectra")) {
                Map<?, ?> sp = (Map<?, ?>) o;
                Method m = byLabel(String.valueOf(sp.get("label")));
                r.rankMe.get(m)[s] = number(sp, "rankme");
                r.alphaReq.get(m)[s] = number(sp, "alpha_req", "alpha");
            }
            for (Mask mask : Mask.values()) {
                r.prop.computeIfAbsent(mask, k -> new PropRun[n])[s] = propRun(study.propDir(mask, s).resolve("metrics.jsonl"));
            }
        }
        for (Method m : Method.values()) {
            for (int s = 0; s < n; s++) {
                if (r.attentionByBlock.get(m)[s] == null) throw new IllegalStateException("the attention analysis of seed " + s + " has no " + m.label + " entry");
            }
        }
        if (r.settings.ratioGrid() > 0) {
            for (Method m : Study.LANDSCAPE) {
                Map<?, ?> l = Study.readObject(study.ratioMapDir(m).resolve("landscape.json"));
                for (Object o : list(l, "convex_regions")) {
                    Map<?, ?> c = (Map<?, ?>) o;
                    if (String.valueOf(c.get("test")).contains("ratio")) r.ratioMapConvex.put(m, number(c, "fraction"));
                }
            }
        }
        r.linearModel = Study.readObject(study.linearModelFile());
        return r;
    }

    private static Method byLabel(String label) {
        for (Method m : Method.values()) if (m.label.equals(label)) return m;
        throw new IllegalStateException("an analysis names a checkpoint '" + label + "' that the study did not label");
    }

    private static double knnAt20(Map<?, ?> eval) {
        for (Object o : list((Map<?, ?>) eval.get("results"), "by_k")) {
            Map<?, ?> row = (Map<?, ?>) o;
            if (((Number) row.get("k")).intValue() == 20) return ((Number) row.get("top1")).doubleValue();
        }
        throw new IllegalStateException("a k-NN result has no k = 20 row");
    }

    private static Landscape landscape(Path dir) throws IOException {
        Map<?, ?> l = Study.readObject(dir.resolve("landscape.json"));
        double centre = number(l, "centre", "loss");
        double convex = Double.NaN;
        for (Object o : list(l, "convex_regions")) {
            Map<?, ?> c = (Map<?, ?>) o;
            if (String.valueOf(c.get("test")).startsWith("surface PSD")) convex = number(c, "fraction");
        }
        if (Double.isNaN(convex)) throw new IllegalStateException(dir.resolve("landscape.json") + " has no surface-PSD convex region");
        Map<?, ?> surface = Study.readObject(dir.resolve("surface.json"));
        int inside = 0, total = 0;
        for (Object row : list((Map<?, ?>) surface.get("fields"), "loss")) {
            for (Object v : (List<?>) row) {
                total++;
                if (v instanceof Number x && x.doubleValue() <= BASIN_FACTOR * centre) inside++;
            }
        }
        return new Landscape(centre, convex, (double) inside / total, dir);
    }

    private static PropRun propRun(Path metrics) throws IOException {
        List<String> lines = Files.readAllLines(metrics);
        List<double[]> rows = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) continue;
            Map<?, ?> m = (Map<?, ?>) io.tessera.nn.checkpoint.Json.parse(line);
            if (!m.containsKey("cos_c_gap")) throw new IllegalStateException(metrics + " has steps without cos_c_gap: was the run logged with --log-grad-cosines?");
            rows.add(new double[]{((Number) m.get("step")).doubleValue(), orNaN(m.get("cos_c_gap")), orNaN(m.get("cos_c_r"))});
        }
        double[] step = new double[rows.size()], gap = new double[rows.size()], r = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            step[i] = rows.get(i)[0];
            gap[i] = rows.get(i)[1];
            r[i] = rows.get(i)[2];
        }
        return new PropRun(step, gap, r);
    }

    private static double orNaN(Object v) {
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static double number(Map<?, ?> m, String... path) {
        Object o = m;
        for (String k : path) {
            if (!(o instanceof Map<?, ?> mm) || !mm.containsKey(k)) throw new IllegalStateException("a result file lacks " + String.join(".", path));
            o = mm.get(k);
        }
        if (!(o instanceof Number n)) throw new IllegalStateException("a result file's " + String.join(".", path) + " is not a number: " + o);
        return n.doubleValue();
    }

    static List<?> list(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof List<?> l)) throw new IllegalStateException("a result file lacks the list " + key);
        return l;
    }

    static double[] doubles(List<?> l) {
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) d[i] = ((Number) l.get(i)).doubleValue();
        return d;
    }
}
