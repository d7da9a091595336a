// Typed, bounded reads of one JSON object as Json.parse returns it: the way every record of a run
// (model, method, trainer and pre-training configurations) reads itself back from a sidecar. An
// integer field must hold an integral number within its bounds (32.5 and 1e12 are refused, never
// truncated by intValue()); errors name the file and the field's path. Not a data binder.
package io.tessera.nn.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A JSON object with the place it came from: {@code file} (null for an object not read from a
 * file) and {@code path}, the dotted path of this object inside the file ("" for the top level).
 * Reads throw a {@link CheckpointFormatException} naming the file when there is one, an
 * {@link IllegalArgumentException} otherwise; either names the field and what was found.
 */
public final class JsonFields {
    private final Map<?, ?> map;
    private final Path file;
    private final String path;

    private JsonFields(Map<?, ?> map, Path file, String path) {
        this.map = map;
        this.file = file;
        this.path = path;
    }

    /** The top-level object {@code map}, read from {@code file} (may be null). */
    public static JsonFields of(Map<?, ?> map, Path file) {
        if (map == null) throw new IllegalArgumentException("no JSON object to read" + (file == null ? "" : " in " + file));
        return new JsonFields(map, file, "");
    }

    /** The file the object was read from, or null. */
    public Path file() {
        return file;
    }

    /** The underlying map (as parsed). */
    public Map<?, ?> map() {
        return map;
    }

    /** True when {@code key} is present with a non-null value. */
    public boolean has(String key) {
        return map.get(key) != null;
    }

    /** The nested object {@code key}. */
    public JsonFields object(String key) {
        if (!(map.get(key) instanceof Map<?, ?> m)) throw error(key, "must be a JSON object", map.get(key));
        return new JsonFields(m, file, name(key));
    }

    /** The array {@code key} of JSON objects, each read with the path {@code key[i]}. */
    public List<JsonFields> objects(String key) {
        if (!(map.get(key) instanceof List<?> l)) throw error(key, "must be a JSON array of objects", map.get(key));
        List<JsonFields> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Map<?, ?> m)) throw error(key + "[" + i + "]", "must be a JSON object", l.get(i));
            out.add(new JsonFields(m, file, name(key + "[" + i + "]")));
        }
        return out;
    }

    /** An integer field n with min ≤ n ≤ max; an integral JSON number such as 32 or 32.0, nothing else. */
    public int integer(String key, int min, int max) {
        return (int) longInteger(key, min, max);
    }

    /** A long field n with min ≤ n ≤ max (see {@link #integer}). */
    public long longInteger(String key, long min, long max) {
        Object v = map.get(key);
        long n;
        if (v instanceof Long l) {
            n = l;
        } else if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53) {
            n = d.longValue();
        } else {
            throw error(key, "must be an integer from " + min + " to " + max, v);
        }
        if (n < min || n > max) throw error(key, "must be an integer from " + min + " to " + max, v);
        return n;
    }

    /** A long field of any value (see {@link #integer}), such as a seed. */
    public long longInteger(String key) {
        return longInteger(key, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** A number field of any (finite) value; {@link Json} holds no other. */
    public double real(String key) {
        if (!(map.get(key) instanceof Number num) || !Double.isFinite(num.doubleValue())) throw error(key, "must be a number", map.get(key));
        return num.doubleValue();
    }

    /** A finite number x with min ≤ x ≤ max. */
    public double real(String key, double min, double max) {
        Object v = map.get(key);
        if (!(v instanceof Number num) || !Double.isFinite(num.doubleValue()) || num.doubleValue() < min || num.doubleValue() > max) {
            throw error(key, "must be a number from " + min + " to " + max, v);
        }
        return num.doubleValue();
    }

    /** A boolean field. */
    public boolean bool(String key) {
        if (!(map.get(key) instanceof Boolean b)) throw error(key, "must be true or false", map.get(key));
        return b;
    }

    /** A string field. */
    public String string(String key) {
        if (!(map.get(key) instanceof String s)) throw error(key, "must be a string", map.get(key));
        return s;
    }

    /** A string field naming a constant of {@code type}, by its lower-case name. */
    public <E extends Enum<E>> E choice(String key, Class<E> type) {
        String s = string(key);
        for (E e : type.getEnumConstants()) if (e.name().toLowerCase(Locale.ROOT).equals(s)) return e;
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) names.append(names.isEmpty() ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        throw error(key, "must be one of " + names, s);
    }

    /**
     * A string field holding the exact {@link Enum#name()} of a constant of {@code type}, for
     * documents that store Java constant names (upper case) rather than {@link #choice}'s lower case.
     */
    public <E extends Enum<E>> E constant(String key, Class<E> type) {
        String s = string(key);
        for (E e : type.getEnumConstants()) if (e.name().equals(s)) return e;
        throw error(key, "must be one of " + Arrays.toString(type.getEnumConstants()), s);
    }

    /** An array field of numbers. */
    public double[] doubles(String key) {
        List<?> l = array(key);
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw error(key + "[" + i + "]", "must be a number", l.get(i));
            a[i] = n.doubleValue();
        }
        return a;
    }

    /** An array field of integers n with min ≤ n ≤ max (integral JSON numbers, as {@link #integer} reads). */
    public int[] ints(String key, int min, int max) {
        List<?> l = array(key);
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            Object v = l.get(i);
            boolean integral = v instanceof Long || v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53;
            long n = integral ? ((Number) v).longValue() : 0;
            if (!integral || n < min || n > max) throw error(key + "[" + i + "]", "must be an integer from " + min + " to " + max, v);
            a[i] = (int) n;
        }
        return a;
    }

    /** An array field of booleans. */
    public boolean[] booleans(String key) {
        List<?> l = array(key);
        boolean[] a = new boolean[l.size()];
        for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Boolean b)) throw error(key + "[" + i + "]", "must be true or false", l.get(i));
            a[i] = b;
        }
        return a;
    }

    /** An object field whose every value is a string, in the document's order. */
    public Map<String, String> stringMap(String key) {
        JsonFields o = object(key);
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : o.map.entrySet()) {
            String k = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof String v)) throw o.error(k, "must be a string", e.getValue());
            out.put(k, v);
        }
        return out;
    }

    private List<?> array(String key) {
        if (!(map.get(key) instanceof List<?> l)) throw error(key, "must be a JSON array", map.get(key));
        return l;
    }

    /** The lower-case name {@link #choice} reads. */
    public static String choiceName(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** An error about field {@code key} of this object: "field PATH.KEY MUST, found VALUE". */
    public RuntimeException error(String key, String must, Object found) {
        String what = "field " + name(key) + " " + must + ", found " + (found instanceof String s ? "\"" + s + "\"" : found == null ? "nothing" : found);
        if (file == null) return new IllegalArgumentException(what);
        return new CheckpointFormatException(file, 0, what + "; the file holds other values than it was written with: restore the file the run wrote");
    }

    private String name(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
