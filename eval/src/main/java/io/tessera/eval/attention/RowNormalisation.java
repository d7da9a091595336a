package io.tessera.eval.attention;

// What happens to an attention row once the cls query and the cls key are dropped: the
// re-implementations of the mean attention distance differ exactly here (spec analysis §4.1).

/** Treatment of patch-to-patch attention rows after the cls row and column are removed. */
public enum RowNormalisation {
    /** Each row divided by its sum, so it is a distribution over the L patch keys (naver-ai/cl-vs-mim; the default). */
    RENORMALISED("renormalised"),
    /** Rows kept as they are, summing to 1 − A[q, cls] (sayakpaul/probing-vits). */
    UNNORMALISED("unnormalised");

    private final String label;

    RowNormalisation(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static RowNormalisation parse(String s) {
        for (RowNormalisation r : values()) if (r.label.equalsIgnoreCase(s.trim()) || r.name().equalsIgnoreCase(s.trim())) return r;
        throw new IllegalArgumentException("unknown row normalisation '" + s + "'; choose renormalised or unnormalised");
    }
}
