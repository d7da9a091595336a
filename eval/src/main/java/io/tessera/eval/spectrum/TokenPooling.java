package io.tessera.eval.spectrum;

// How one feature vector per image is read from a layer's tokens (B, T, D) for spectral analysis:
// the cls token, or the average of the patch tokens (cls excluded). Both are offered because papers
// differ (Jing et al. analyse an embedding; LUT and MAE probes read the cls token or pooled patches).

import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

/** Token pooling of (B, T, D) tokens with the cls token first. */
public enum TokenPooling {
    /** z = x[:, 0]: the cls token. */
    CLS("cls"),
    /** z = mean_{t ≥ 1} x[:, t]: the average of the L patch tokens. */
    MEAN("mean");

    private final String label;

    TokenPooling(String label) {
        this.label = label;
    }

    /** The command-line and JSON name ("cls", "mean"). */
    public String label() {
        return label;
    }

    /** Parses "cls" or "mean" (also "avg"). */
    public static TokenPooling parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "cls" -> CLS;
            case "mean", "avg" -> MEAN;
            default -> throw new IllegalArgumentException("unknown token pooling '" + s + "'; choose cls or mean");
        };
    }

    /** tokens (B, T, D), T ≥ 2 → features (B, D). */
    public Tensor pool(Ops ops, Tensor tokens) {
        if (tokens.rank() != 3 || tokens.dim(1) < 2) {
            throw new IllegalArgumentException("token pooling expects (B, 1 + L, D) tokens with L ≥ 1, got " + tokens.describe());
        }
        int b = tokens.dim(0), t = tokens.dim(1), d = tokens.dim(2);
        return this == CLS ? ops.reshape(ops.slice(tokens, 1, 0, 1), b, d) : ops.mean(ops.slice(tokens, 1, 1, t - 1), false, 1);
    }
}
