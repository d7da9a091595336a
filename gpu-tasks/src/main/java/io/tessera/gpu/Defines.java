/*
 * Compile-time constants for a kernel variant (-D NAME=VALUE): tile sizes, work-group sizes,
 * switches. They shape the generated code, so they are part of the program-cache key. Names
 * are C identifiers and values are integer or decimal literals, so they can never inject text
 * into a compiler command line.
 */
package io.tessera.gpu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** An immutable, name-sorted set of preprocessor defines. */
public final class Defines {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern VALUE = Pattern.compile("-?[0-9]+(\\.[0-9]+)?[fF]?");
    private static final Defines NONE = new Defines(new TreeMap<>());

    private final TreeMap<String, String> values;

    private Defines(TreeMap<String, String> values) {
        this.values = values;
    }

    /** No defines. */
    public static Defines none() {
        return NONE;
    }

    /** One define, {@code -D name=value}. */
    public static Defines of(String name, long value) {
        return NONE.with(name, value);
    }

    /** This set plus {@code -D name=value} (replacing an earlier value of the same name). */
    public Defines with(String name, long value) {
        return with(name, Long.toString(value));
    }

    /** This set plus {@code -D name=value}; the value is an integer or decimal literal. */
    public Defines with(String name, String value) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("define name '" + name + "' is not a C identifier");
        }
        if (!VALUE.matcher(value).matches()) {
            throw new IllegalArgumentException("define " + name + "=" + value + ": value must be an integer or decimal literal");
        }
        TreeMap<String, String> copy = new TreeMap<>(values);
        copy.put(name, value);
        return new Defines(copy);
    }

    /** Name to value, sorted by name. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** The value of {@code name}, or throws naming the missing define. */
    public long intValue(String name) {
        String v = values.get(name);
        if (v == null) throw new IllegalArgumentException("define " + name + " is not set in " + this);
        return Long.parseLong(v);
    }

    /** One compiler flag per define: {@code -DNAME=VALUE}, sorted by name. */
    public List<String> flags() {
        List<String> out = new ArrayList<>(values.size());
        values.forEach((k, v) -> out.add("-D" + k + "=" + v));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Defines d && d.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return String.join(" ", flags());
    }
}
