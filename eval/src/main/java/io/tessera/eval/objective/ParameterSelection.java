// Which parameters an analysis differentiates or perturbs, and the flat vector layout over them: the
// selected tensors of a ParameterStore concatenated in the store's order, with a table of (name,
// offset, shape). Hessian-vector products, landscape directions and PCA bases are vectors in it.
package io.tessera.eval.objective;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An ordered set of a store's parameters and the flat layout of vectors over them. */
public final class ParameterSelection {
    /** Which tensors: every trainable one (PyHessian), or only trainable tensors of rank > 1 (loss-landscape's eigen code). */
    public enum Rule {
        ALL_TRAINABLE, MATRICES;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Rule parse(String s) {
            for (Rule r : values()) if (r.label().equalsIgnoreCase(s) || r.name().equalsIgnoreCase(s)) return r;
            throw new IllegalArgumentException("unknown parameter set '" + s + "'; choose all-trainable or matrices");
        }
    }

    /** One selected tensor and where it sits in the flat vector. */
    public record Entry(Parameter parameter, int offset) {
        public String name() { return parameter.name(); }
        public int size() { return parameter.size(); }
        /** True for a buffer (BatchNorm running statistics in a {@link #states} selection). */
        public boolean buffer() { return parameter.kind() == Parameter.Kind.BUFFER; }
    }

    private final ParameterStore store;
    private final Rule rule;
    private final List<Entry> entries;
    private final int dimension;
    private final boolean withBuffers;

    private ParameterSelection(ParameterStore store, Rule rule, List<Entry> entries, int dimension, boolean withBuffers) {
        this.withBuffers = withBuffers;
        this.store = store;
        this.rule = rule;
        this.entries = List.copyOf(entries);
        this.dimension = dimension;
    }

    /** The parameters of {@code store} that {@code rule} selects; refuses an empty selection. */
    public static ParameterSelection of(ParameterStore store, Rule rule) {
        List<Entry> es = new ArrayList<>();
        long n = 0;
        for (Parameter p : store.parameters()) {
            if (!p.trainable() || (rule == Rule.MATRICES && p.shape().rank() <= 1)) continue;
            es.add(new Entry(p, (int) n));
            n += p.size();
        }
        if (es.isEmpty()) {
            throw new IllegalArgumentException("the parameter set '" + rule.label() + "' of this model is empty (no trainable "
                    + (rule == Rule.MATRICES ? "tensor of rank > 1" : "tensor") + ")");
        }
        return new ParameterSelection(store, rule, es, (int) n, false);
    }

    /**
     * Loss-landscape's {@code states}: every trainable parameter and the BatchNorm running statistics
     * ({@code running_mean}, {@code running_var}; not the step counter, not the frozen position tables).
     */
    public static ParameterSelection states(ParameterStore store) {
        ParameterSelection weights = of(store, Rule.ALL_TRAINABLE);
        List<Entry> es = new ArrayList<>(weights.entries);
        int n = weights.dimension;
        for (Parameter p : store.buffers()) {
            if (!p.name().endsWith("running_mean") && !p.name().endsWith("running_var")) continue;
            es.add(new Entry(p, n));
            n += p.size();
        }
        return new ParameterSelection(store, Rule.ALL_TRAINABLE, es, n, true);
    }

    /** True for a {@link #states} selection (buffers included). */
    public boolean includesBuffers() { return withBuffers; }

    public ParameterStore store() { return store; }

    public Rule rule() { return rule; }

    public List<Entry> entries() { return entries; }

    /** The length of a vector in this layout. */
    public int dimension() { return dimension; }

    /** The selected parameters' current values as one vector. */
    public double[] values() {
        return gather(store.values(), withBuffers ? store.bufferValues() : null);
    }

    /** The selected parameters' accumulated gradients as one vector (zero for buffers). */
    public double[] gradients() {
        return gather(store.gradients(), null);
    }

    private double[] gather(Tensor flat, Tensor buffers) {
        double[] all = flat.toDoubleArray(), bufs = buffers == null ? null : buffers.toDoubleArray(), out = new double[dimension];
        for (Entry e : entries) {
            if (!e.buffer()) System.arraycopy(all, e.parameter().offset(), out, e.offset(), e.size());
            else if (bufs != null) System.arraycopy(bufs, e.parameter().offset(), out, e.offset(), e.size());
        }
        return out;
    }

    /** The names and shapes of this layout, in order (what a saved direction file must match). */
    public java.util.Map<String, io.tessera.tensor.Shape> shapes() {
        java.util.Map<String, io.tessera.tensor.Shape> m = new java.util.LinkedHashMap<>();
        for (Entry e : entries) m.put(e.name(), e.parameter().shape());
        return m;
    }

    /** Writes {@code v} (this layout) into the selected parameters' values; the others are left alone. */
    public void setValues(double[] v) {
        requireLayout(v, "values");
        for (Entry e : entries) {
            Tensor t = e.parameter().tensor();
            double[] part = java.util.Arrays.copyOfRange(v, e.offset(), e.offset() + e.size());
            if (t.dtype() == io.tessera.tensor.DType.F64) t.backend().write(t, part);
            else t.backend().write(t, toFloats(part));
        }
    }

    /** The slice of {@code v} that belongs to {@code entry}. */
    public double[] slice(double[] v, Entry entry) {
        return java.util.Arrays.copyOfRange(v, entry.offset(), entry.offset() + entry.size());
    }

    /** Throws when {@code v} is not a vector of this layout. */
    public void requireLayout(double[] v, String what) {
        if (v == null || v.length != dimension) {
            throw new IllegalArgumentException(what + ": a vector of " + (v == null ? "null" : v.length + " elements")
                    + " does not fit the parameter set '" + rule.label() + "' of " + dimension + " elements");
        }
    }

    static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
