// How a random direction is scaled against the weights, as loss-landscape's normalize_direction
// names it (Li et al. 2018): per filter (a slice along dim 0), per tensor, elementwise, unit filters or
// tensors without reference to the weights, or left as drawn.
package io.tessera.eval.landscape;

import java.util.Locale;

/** Direction normalisation; {@link #FILTER} is the paper's filter-wise normalisation. */
public enum Normalization {
    /** d_i ← d_i·‖w_i‖/(‖d_i‖ + 1e-10) for every slice i along the first dimension. */
    FILTER,
    /** d ← d·‖w‖/(‖d‖ + 1e-10) over the whole tensor. */
    LAYER,
    /** d ← d ⊙ w. */
    WEIGHT,
    /** d_i ← d_i/(‖d_i‖ + 1e-10): unit filters. */
    DFILTER,
    /** d ← d/(‖d‖ + 1e-10): unit tensors. */
    DLAYER,
    /** As drawn. */
    NONE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Normalization parse(String s) {
        for (Normalization n : values()) if (n.label().equalsIgnoreCase(s)) return n;
        throw new IllegalArgumentException("unknown direction normalisation '" + s + "'; choose filter, layer, weight, dfilter, dlayer or none");
    }
}
