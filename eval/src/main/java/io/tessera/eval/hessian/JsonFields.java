package io.tessera.eval.hessian;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

// Typed reading and writing of the JSON trees that io.tessera.nn.checkpoint.Json produces and
// accepts (maps, lists, Long, Double, Boolean, String): the one place where the result records
// of this package turn arrays into lists and check fields when they are read back.

/** Field access for the JSON form of the Hessian results; a missing or mistyped field names its key. */
final class JsonFields {
    private JsonFields() {
    }

    static List<Double> list(double[] a) {
        List<Double> l = new ArrayList<>(a.length);
        for (double x : a) l.add(x);
        return l;
    }

    static List<Integer> list(int[] a) {
        List<Integer> l = new ArrayList<>(a.length);
        for (int x : a) l.add(x);
        return l;
    }

    static List<Boolean> list(boolean[] a) {
        List<Boolean> l = new ArrayList<>(a.length);
        for (boolean x : a) l.add(x);
        return l;
    }

    static Object get(Map<?, ?> m, String key) {
        if (!m.containsKey(key)) throw new IllegalArgumentException("Hessian JSON: missing field \"" + key + "\"");
        return m.get(key);
    }

    static double number(Map<?, ?> m, String key) {
        if (get(m, key) instanceof Number n) return n.doubleValue();
        throw mistyped(key, "a number", m.get(key));
    }

    static long integer(Map<?, ?> m, String key) {
        Object v = get(m, key);
        if (v instanceof Long || v instanceof Integer) return ((Number) v).longValue();
        throw mistyped(key, "an integer", v);
    }

    static int int32(Map<?, ?> m, String key) {
        return Math.toIntExact(integer(m, key));
    }

    static boolean bool(Map<?, ?> m, String key) {
        if (get(m, key) instanceof Boolean b) return b;
        throw mistyped(key, "true or false", m.get(key));
    }

    static String string(Map<?, ?> m, String key) {
        if (get(m, key) instanceof String s) return s;
        throw mistyped(key, "a string", m.get(key));
    }

    static Map<?, ?> object(Map<?, ?> m, String key) {
        if (get(m, key) instanceof Map<?, ?> o) return o;
        throw mistyped(key, "an object", m.get(key));
    }

    /** The object under key, or null when the key is absent or null. */
    static Map<?, ?> optionalObject(Map<?, ?> m, String key) {
        return m.get(key) == null ? null : object(m, key);
    }

    static List<?> array(Map<?, ?> m, String key) {
        if (get(m, key) instanceof List<?> l) return l;
        throw mistyped(key, "an array", m.get(key));
    }

    static double[] doubles(Map<?, ?> m, String key) {
        List<?> l = array(m, key);
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw mistyped(key + "[" + i + "]", "a number", l.get(i));
            a[i] = n.doubleValue();
        }
        return a;
    }

    static int[] ints(Map<?, ?> m, String key) {
        List<?> l = array(m, key);
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Long x)) throw mistyped(key + "[" + i + "]", "an integer", l.get(i));
            a[i] = Math.toIntExact(x);
        }
        return a;
    }

    static boolean[] booleans(Map<?, ?> m, String key) {
        List<?> l = array(m, key);
        boolean[] a = new boolean[l.size()];
        for (int i = 0; i < a.length; i++) {
            if (!(l.get(i) instanceof Boolean b)) throw mistyped(key + "[" + i + "]", "true or false", l.get(i));
            a[i] = b;
        }
        return a;
    }

    static <E extends Enum<E>> E enumValue(Map<?, ?> m, String key, Class<E> type) {
        String s = string(m, key);
        try {
            return Enum.valueOf(type, s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Hessian JSON: field \"" + key + "\" is \"" + s + "\", expected one of "
                    + java.util.Arrays.toString(type.getEnumConstants()), e);
        }
    }

    private static IllegalArgumentException mistyped(String key, String expected, Object found) {
        return new IllegalArgumentException("Hessian JSON: field \"" + key + "\" should be " + expected + ", found "
                + (found == null ? "null" : found.getClass().getSimpleName() + " " + found));
    }
}
