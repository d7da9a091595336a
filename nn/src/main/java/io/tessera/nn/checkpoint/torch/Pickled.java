// The values a restricted unpickle produces besides Java's own (null for None, Boolean, Long,
// BigInteger for integers beyond 64 bits, Double, String): tuples, lists, dicts (plain or
// OrderedDict, with the attributes a BUILD gave them), bytes, torch dtypes, and TorchTensor.
// Nothing here can run code or name a class. toString never walks into a value: pickles can
// build cyclic lists and dicts, so descriptions are a type name and a size only.
package io.tessera.nn.checkpoint.torch;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The Python value types of a restricted unpickle. */
public final class Pickled {
    private Pickled() {
    }

    /** A Python tuple (immutable; may hold None as null). */
    public record PyTuple(List<Object> items) {
        public PyTuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        public int size() {
            return items.size();
        }

        public Object get(int i) {
            return items.get(i);
        }

        @Override
        public String toString() {
            return "tuple of " + items.size();
        }
    }

    /** A Python list; filled while unpickling, read-only to callers. */
    public static final class PyList {
        private final List<Object> items = new ArrayList<>();

        void add(Object o) {
            items.add(o);
        }

        /** The items, read-only. */
        public List<Object> items() {
            return Collections.unmodifiableList(items);
        }

        @Override
        public String toString() {
            return "list of " + items.size();
        }
    }

    /**
     * A Python dict or {@code collections.OrderedDict}, keys in insertion order. An OrderedDict may
     * carry attributes (a state dict's {@code _metadata}) set by the pickle's BUILD.
     */
    public static final class PyDict {
        private final boolean ordered;
        private final Map<Object, Object> entries = new LinkedHashMap<>();
        private final Map<String, Object> attributes = new LinkedHashMap<>();

        PyDict(boolean ordered) {
            this.ordered = ordered;
        }

        void put(Object key, Object value) {
            entries.put(key, value);
        }

        void setAttribute(String name, Object value) {
            attributes.put(name, value);
        }

        /** True for a {@code collections.OrderedDict}. */
        public boolean ordered() {
            return ordered;
        }

        /** The entries in insertion order, read-only. */
        public Map<Object, Object> entries() {
            return Collections.unmodifiableMap(entries);
        }

        /** Attributes set by BUILD (OrderedDict only), read-only. */
        public Map<String, Object> attributes() {
            return Collections.unmodifiableMap(attributes);
        }

        public boolean containsKey(Object key) {
            return entries.containsKey(key);
        }

        public Object get(Object key) {
            return entries.get(key);
        }

        public Set<Object> keys() {
            return Collections.unmodifiableSet(entries.keySet());
        }

        public int size() {
            return entries.size();
        }

        @Override
        public String toString() {
            return (ordered ? "OrderedDict" : "dict") + " of " + entries.size();
        }
    }

    /** Python bytes, compared by content. */
    public record PyBytes(byte[] value) {
        public PyBytes {
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PyBytes b && Arrays.equals(value, b.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "bytes of " + value.length + (value.length <= 16 ? " (" + HexFormat.of().formatHex(value) + ")" : "");
        }
    }

    /** A torch dtype named by the pickle ({@code torch.float32}, …) as a value. */
    public record TorchDType(String name) {
        public TorchDType {
            if (!name.startsWith("torch.")) throw new IllegalArgumentException("torch dtype name must start with 'torch.', got " + name);
        }
    }

    /** The Python type name of a value, for messages ("int", "str", "collections.OrderedDict", "torch.Tensor"…). */
    public static String typeName(Object v) {
        if (v == null) return "NoneType";
        if (v instanceof Boolean) return "bool";
        if (v instanceof Long || v instanceof BigInteger) return "int";
        if (v instanceof Double) return "float";
        if (v instanceof String) return "str";
        if (v instanceof PyBytes) return "bytes";
        if (v instanceof PyTuple) return "tuple";
        if (v instanceof PyList) return "list";
        if (v instanceof PyDict d) return d.ordered() ? "collections.OrderedDict" : "dict";
        if (v instanceof TorchDType) return "torch.dtype";
        if (v instanceof TorchTensor t) return t.isParameter() ? "torch.nn.Parameter" : "torch.Tensor";
        return v.getClass().getSimpleName();
    }
}
