package io.tessera.eval.report;

// Typed access to the JSON trees that io.tessera.nn.checkpoint.Json parses (maps, lists, Long,
// Double, Boolean, String) for the versioned result documents of the analyses, and the array-to-list
// conversions their writers need. A missing or mistyped field is one IllegalArgumentException that
// names the document kind and the key. Not a JSON parser (that is Json's).

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads fields of one kind of document ({@code "spectrum JSON"}, {@code "attention JSON"}).
 *
 * @param document the name errors start with
 */
public record JsonReader(String document) {

    public JsonReader {
        if (document == null || document.isBlank()) throw new IllegalArgumentException("a JSON reader needs a document name");
    }

    /** The top-level object of {@code tree}, checked to carry {@code "schema": schema}. */
    public Map<?, ?> document(Object tree, String schema) {
        if (!(tree instanceof Map<?, ?> m)) throw new IllegalArgumentException(document + ": the document is not an object");
        if (!schema.equals(m.get("schema"))) throw new IllegalArgumentException(document + ": schema is " + m.get("schema") + ", expected " + schema);
        return m;
    }

    public Object get(Map<?, ?> m, String key) {
        if (!m.containsKey(key)) throw new IllegalArgumentException(document + ": missing field \"" + key + "\"");
        return m.get(key);
    }

    public double number(Map<?, ?> m, String key) {
        if (get(m, key) instanceof Number n) return n.doubleValue();
        throw mistyped(key, "a number", m.get(key));
    }

    public long integer(Map<?, ?> m, String key) {
        Object v = get(m, key);
        if (v instanceof Long || v instanceof Integer) return ((Number) v).longValue();
        throw mistyped(key, "an integer", v);
    }

    public int int32(Map<?, ?> m, String key) {
        return Math.toIntExact(integer(m, key));
    }

    public boolean bool(Map<?, ?> m, String key) {
        if (get(m, key) instanceof Boolean b) return b;
        throw mistyped(key, "true or false", m.get(key));
    }

    public String string(Map<?, ?> m, String key) {
        if (get(m, key) instanceof String s) return s;
        throw mistyped(key, "a string", m.get(key));
    }

    /** The string under key, or null when the key is absent or null. */
    public String optionalString(Map<?, ?> m, String key) {
        return m.get(key) == null ? null : string(m, key);
    }

    public Map<?, ?> object(Map<?, ?> m, String key) {
        if (get(m, key) instanceof Map<?, ?> o) return o;
        throw mistyped(key, "an object", m.get(key));
    }

    /** The object under key, or null when the key is absent or null. */
    public Map<?, ?> optionalObject(Map<?, ?> m, String key) {
        return m.get(key) == null ? null : object(m, key);
    }

    public List<?> array(Map<?, ?> m, String key) {
        if (get(m, key) instanceof List<?> l) return l;
        throw mistyped(key, "an array", m.get(key));
    }

    /** The objects of the array under key. */
    public List<Map<?, ?>> objects(Map<?, ?> m, String key) {
        List<?> l = array(m, key);
        List<Map<?, ?>> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Map<?, ?> o)) throw mistyped(key + "[" + i + "]", "an object", l.get(i));
            out.add(o);
        }
        return out;
    }

    public double[] doubles(Map<?, ?> m, String key) {
        return doubles(array(m, key), key);
    }

    /** A rectangular array of arrays of numbers. */
    public double[][] matrix(Map<?, ?> m, String key) {
        List<?> rows = array(m, key);
        double[][] a = new double[rows.size()][];
        for (int i = 0; i < a.length; i++) {
            if (!(rows.get(i) instanceof List<?> row)) throw mistyped(key + "[" + i + "]", "an array", rows.get(i));
            a[i] = doubles(row, key + "[" + i + "]");
            if (a[i].length != a[0].length) throw new IllegalArgumentException(document + ": rows of \"" + key + "\" differ in length");
        }
        return a;
    }

    private double[] doubles(List<?> l, String key) {
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw mistyped(key + "[" + i + "]", "a number", l.get(i));
            a[i] = n.doubleValue();
        }
        return a;
    }

    public int[] ints(Map<?, ?> m, String key) {
        List<?> l = array(m, key);
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Long x)) throw mistyped(key + "[" + i + "]", "an integer", l.get(i));
            a[i] = Math.toIntExact(x);
        }
        return a;
    }

    private IllegalArgumentException mistyped(String key, String expected, Object found) {
        return new IllegalArgumentException(document + ": field \"" + key + "\" should be " + expected + ", found "
                + (found == null ? "null" : found.getClass().getSimpleName() + " " + found));
    }

    // ---- writing --------------------------------------------------------------------------

    /** The values as a JSON list. */
    public static List<Double> list(double[] a) {
        List<Double> l = new ArrayList<>(a.length);
        for (double x : a) l.add(x);
        return l;
    }

    /** The rows as a JSON list of lists. */
    public static List<List<Double>> list(double[][] a) {
        List<List<Double>> l = new ArrayList<>(a.length);
        for (double[] row : a) l.add(list(row));
        return l;
    }
}
