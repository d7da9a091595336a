package io.tessera.nn;

import io.tessera.tensor.Rng;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Base of every layer: a dotted name prefix under which the layer registered its parameters in
 * a {@link ParameterStore}, an ordered list of child modules, a training flag and an
 * initialiser. No reflection: a layer registers its parameters and children explicitly in its
 * constructor; forward methods are ordinary typed methods taking the {@code Ops} facade.
 */
public abstract class Module {
    private final String prefix;
    private final List<Module> children = new ArrayList<>();
    private boolean training = true;

    /** @param prefix the dotted name of this module ("" for a root, else e.g. "blocks.0.attn") */
    protected Module(String prefix) {
        this.prefix = prefix;
    }

    /** The dotted name of this module ("" for a root). */
    public String prefix() { return prefix; }

    /** {@code prefix + "." + leaf} (just {@code leaf} for a root module). */
    protected String name(String leaf) {
        return join(prefix, leaf);
    }

    /** Joins dotted names, skipping an empty prefix. */
    public static String join(String prefix, String leaf) {
        return prefix == null || prefix.isEmpty() ? leaf : prefix + "." + leaf;
    }

    /** Adds a child (initialised and switched between train/eval with this module); returns it. */
    protected <M extends Module> M child(M m) {
        children.add(m);
        return m;
    }

    public List<Module> children() { return Collections.unmodifiableList(children); }

    /** Switches this module and its children to training (true) or evaluation (false) behaviour. */
    public void train(boolean on) {
        training = on;
        for (Module c : children) c.train(on);
    }

    /** Evaluation mode: {@code train(false)}. */
    public void eval() { train(false); }

    public boolean isTraining() { return training; }

    /**
     * (Re-)initialises this module's parameters from {@code rng}; the default initialises the
     * children in registration order. The store must be allocated.
     */
    public void init(Rng rng) {
        for (Module c : children) c.init(rng);
    }
}
