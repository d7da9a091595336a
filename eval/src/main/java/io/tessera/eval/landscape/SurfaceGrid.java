// A landscape grid and its values: axes x (and y), named fields (loss, accuracy, eigenvalues) stored as
// Z[ny][nx] with NaN for points not computed yet, the settings that decide every value, and — for one
// worker of a sharded run — which points it owns (flat index k = iy·nx + ix, owned when k mod N = i).
// Read and written as JSON (schema tessera.surface/1; a missing point is null), so a run resumes by
// skipping what its file already holds and shards merge into exactly the single-worker grid.
package io.tessera.eval.landscape;

import io.tessera.nn.checkpoint.Json;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The values of one landscape (or of one shard of it). */
public final class SurfaceGrid {
    public static final String SCHEMA = "tessera.surface/1";

    /** Which points of the grid a worker computes: those with flat index k ≡ index (mod count). */
    public record Shard(int index, int count) {
        public static final Shard WHOLE = new Shard(0, 1);

        public Shard {
            if (count < 1 || index < 0 || index >= count) throw new IllegalArgumentException("shard " + index + "/" + count + " is not one of 0.." + (count - 1) + " of " + count);
        }

        /** Parses "i/N" (0-based i). */
        public static Shard parse(String s) {
            String[] p = s.split("/");
            try {
                if (p.length == 2) return new Shard(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
            } catch (NumberFormatException ignored) {
                // falls through to the message
            }
            throw new IllegalArgumentException("a shard is i/N with 0 ≤ i < N (e.g. 0/4), got '" + s + "'");
        }

        public boolean owns(int k) {
            return k % count == index;
        }

        @Override
        public String toString() {
            return index + "/" + count;
        }
    }

    private final Axis x;
    private final Axis y;
    private final Map<String, Object> settings;
    private final Shard shard;
    private final Map<String, double[]> fields = new LinkedHashMap<>();

    /**
     * @param y        null for a 1-D landscape
     * @param settings everything that decides the values (JSON-writable); two grids merge only when equal
     * @param fields   the names of the values computed at every point (e.g. "loss", "accuracy")
     */
    public SurfaceGrid(Axis x, Axis y, Map<String, Object> settings, Shard shard, List<String> fields) {
        this.x = Objects.requireNonNull(x);
        this.y = y;
        this.settings = Map.copyOf(settings);
        this.shard = shard;
        if (fields.isEmpty()) throw new IllegalArgumentException("a grid needs at least one field");
        for (String f : fields) {
            double[] v = new double[points()];
            Arrays.fill(v, Double.NaN);
            this.fields.put(f, v);
        }
    }

    public Axis x() { return x; }

    public Axis y() { return y; }

    public boolean twoDimensional() { return y != null; }

    public Map<String, Object> settings() { return settings; }

    public Shard shard() { return shard; }

    public List<String> fieldNames() { return List.copyOf(fields.keySet()); }

    public int nx() { return x.num(); }

    public int ny() { return y == null ? 1 : y.num(); }

    public int points() { return nx() * ny(); }

    public double alpha(int k) { return x.at(k % nx()); }

    public double beta(int k) { return y == null ? 0 : y.at(k / nx()); }

    /** Field values by flat index (NaN = not computed); the live array. */
    public double[] field(String name) {
        double[] v = fields.get(name);
        if (v == null) throw new IllegalArgumentException("the grid has no field '" + name + "' (it has " + fields.keySet() + ")");
        return v;
    }

    /** Z[iy][ix] of a field. */
    public double[][] matrix(String name) {
        double[] v = field(name);
        double[][] z = new double[ny()][nx()];
        for (int k = 0; k < v.length; k++) z[k / nx()][k % nx()] = v[k];
        return z;
    }

    /** True when every field of point k holds a number. */
    public boolean done(int k) {
        for (double[] v : fields.values()) if (Double.isNaN(v[k])) return false;
        return true;
    }

    /** The points this grid's shard owns that are not done, in order. */
    public List<Integer> todo() {
        List<Integer> out = new ArrayList<>();
        for (int k = 0; k < points(); k++) if (shard.owns(k) && !done(k)) out.add(k);
        return out;
    }

    /** Points this shard owns. */
    public int owned() {
        int n = 0;
        for (int k = 0; k < points(); k++) if (shard.owns(k)) n++;
        return n;
    }

    public void set(int k, Map<String, Double> values) {
        if (!shard.owns(k)) throw new IllegalArgumentException("point " + k + " belongs to another shard than " + shard);
        for (Map.Entry<String, double[]> f : fields.entrySet()) {
            Double v = values.get(f.getKey());
            if (v == null) throw new IllegalArgumentException("no value of '" + f.getKey() + "' for point " + k);
            f.getValue()[k] = v;
        }
    }

    // ---- JSON ---------------------------------------------------------------------------------

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("settings", settings);
        m.put("x", axis(x));
        if (y != null) m.put("y", axis(y));
        if (shard.count() > 1) m.put("shard", Map.of("index", (long) shard.index(), "count", (long) shard.count()));
        Map<String, Object> fs = new LinkedHashMap<>();
        for (String f : fields.keySet()) {
            double[][] z = matrix(f);
            List<Object> rows = new ArrayList<>();
            for (double[] row : z) {
                List<Object> r = new ArrayList<>();
                for (double v : row) r.add(Double.isNaN(v) ? null : (Object) v);
                rows.add(r);
            }
            fs.put(f, rows);
        }
        m.put("fields", fs);
        return Json.write(m);
    }

    private static Map<String, Object> axis(Axis a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("min", a.min());
        m.put("max", a.max());
        m.put("num", (long) a.num());
        List<Object> v = new ArrayList<>();
        for (double d : a.values()) v.add(d);
        m.put("values", v);
        return m;
    }

    /** Parses a grid written by {@link #toJson}; {@code source} names the file in errors. */
    public static SurfaceGrid parse(String text, String source) {
        Object o;
        try {
            o = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is not valid JSON (a truncated or corrupt file): " + e.getMessage());
        }
        try {
            Map<?, ?> m = (Map<?, ?>) o;
            if (!SCHEMA.equals(m.get("schema"))) throw new IllegalArgumentException(source + " is not a " + SCHEMA + " file (schema " + m.get("schema") + ")");
            Axis x = readAxis((Map<?, ?>) m.get("x")), y = m.get("y") == null ? null : readAxis((Map<?, ?>) m.get("y"));
            Shard shard = Shard.WHOLE;
            if (m.get("shard") instanceof Map<?, ?> s) shard = new Shard(((Number) s.get("index")).intValue(), ((Number) s.get("count")).intValue());
            Map<?, ?> fs = (Map<?, ?>) m.get("fields");
            List<String> names = new ArrayList<>();
            for (Object k : fs.keySet()) names.add(String.valueOf(k));
            @SuppressWarnings("unchecked")
            Map<String, Object> settings = (Map<String, Object>) m.get("settings");
            SurfaceGrid g = new SurfaceGrid(x, y, settings, shard, names);
            for (String f : names) {
                List<?> rows = (List<?>) fs.get(f);
                if (rows.size() != g.ny()) throw new IllegalArgumentException(source + ": field " + f + " has " + rows.size() + " rows, the grid " + g.ny());
                double[] v = g.field(f);
                for (int iy = 0; iy < rows.size(); iy++) {
                    List<?> row = (List<?>) rows.get(iy);
                    if (row.size() != g.nx()) throw new IllegalArgumentException(source + ": field " + f + " row " + iy + " has " + row.size() + " values, the grid " + g.nx());
                    for (int ix = 0; ix < row.size(); ix++) v[iy * g.nx() + ix] = row.get(ix) == null ? Double.NaN : ((Number) row.get(ix)).doubleValue();
                }
            }
            return g;
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(source + " does not have the " + SCHEMA + " layout (" + e.getMessage() + ")");
        }
    }

    private static Axis readAxis(Map<?, ?> a) {
        return new Axis(((Number) a.get("min")).doubleValue(), ((Number) a.get("max")).doubleValue(), ((Number) a.get("num")).intValue());
    }

    /** Throws unless {@code other} is a grid of the same landscape (axes, fields, settings). */
    public void requireSameLandscape(SurfaceGrid other, String what) {
        if (!x.equals(other.x) || !Objects.equals(y, other.y)) {
            throw new IllegalArgumentException(what + " has axes " + other.x + (other.y == null ? "" : " × " + other.y) + ", this landscape " + x + (y == null ? "" : " × " + y));
        }
        if (!fields.keySet().equals(other.fields.keySet())) throw new IllegalArgumentException(what + " holds fields " + other.fields.keySet() + ", this landscape " + fields.keySet());
        if (!canonical(settings).equals(canonical(other.settings))) {
            for (String k : settings.keySet()) {
                if (!Objects.equals(canonical(settings.get(k)), canonical(other.settings.get(k)))) {
                    throw new IllegalArgumentException(what + " was made with other settings: " + k + " is " + canonical(other.settings.get(k)) + ", here "
                            + canonical(settings.get(k)));
                }
            }
            throw new IllegalArgumentException(what + " was made with other settings (" + canonical(other.settings) + ")");
        }
    }

    /** JSON with every object's keys sorted, so settings compare by content, not by the order they were written in. */
    static String canonical(Object v) {
        return Json.write(sorted(v));
    }

    private static Object sorted(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> t = new java.util.TreeMap<>();
            m.forEach((k, x) -> t.put(String.valueOf(k), sorted(x)));
            return t;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object x : l) out.add(sorted(x));
            return out;
        }
        return v;
    }
}
