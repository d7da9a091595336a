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
    }

    private final ParameterStore store;
    private final Rule rule;
    private final List<Entry> entries;
    private final int dimension;

    private ParameterSelection(ParameterStore store, Rule rule, List<Entry> entries, int dimension) {
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
        return new ParameterSelection(store, rule, es, (int) n);
    }

    public ParameterStore store() { return store; }

    public Rule rule() { return rule; }

    public List<Entry> entries() { return entries; }

    /** The length of a vector in this layout. */
    public int dimension() { return dimension; }

    /** The selected parameters' current values as one vector. */
    public double[] values() {
        return gather(store.values());
    }

    /** The selected parameters' accumulated gradients as one vector. */
    public double[] gradients() {
        return gather(store.gradients());
    }

    private double[] gather(Tensor flat) {
        double[] all = flat.toDoubleArray(), out = new double[dimension];
        for (Entry e : entries) System.arraycopy(all, e.parameter().offset(), out, e.offset(), e.size());
        return out;
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
