package io.tessera.eval.study;

/**
 * What a claim's test found. The rule is fixed before any number is read: a paired difference
 * over seeds (the claimed direction positive) is <em>reproduced</em> when its 95 % interval lies
 * above zero, <em>not reproduced</em> when it lies below, and <em>inconclusive</em> when it
 * contains zero or there are too few seeds for an interval.
 */
public enum Verdict {
    REPRODUCED("reproduced"), NOT_REPRODUCED("not reproduced"), INCONCLUSIVE("inconclusive");

    private final String label;

    Verdict(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }

    /** The verdict of a difference whose claimed direction is positive. */
    public static Verdict ofDifference(Stats.Summary d) {
        if (!d.hasInterval()) return INCONCLUSIVE;
        if (d.low() > 0) return REPRODUCED;
        if (d.high() < 0) return NOT_REPRODUCED;
        return INCONCLUSIVE;
    }

    /** All parts reproduced → reproduced; any part not reproduced → not reproduced; else inconclusive. */
    public static Verdict combine(Iterable<Verdict> parts) {
        boolean all = true, anyNot = false, any = false;
        for (Verdict v : parts) {
            any = true;
            all &= v == REPRODUCED;
            anyNot |= v == NOT_REPRODUCED;
        }
        if (!any) return INCONCLUSIVE;
        return anyNot ? NOT_REPRODUCED : all ? REPRODUCED : INCONCLUSIVE;
    }
}
