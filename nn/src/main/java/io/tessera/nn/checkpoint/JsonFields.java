// Typed, bounded reads of one JSON object as Json.parse returns it: the way every record of a run
// (model, method, trainer and pre-training configurations) reads itself back from a sidecar. An
// integer field must hold an integral number within its bounds (32.5 and 1e12 are refused, never
// truncated by intValue()); errors name the file and the field's path. Not a data binder.
package io.tessera.nn.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
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
