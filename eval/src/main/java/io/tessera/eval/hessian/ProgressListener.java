package io.tessera.eval.hessian;

// Progress of the long loops in this package (power iteration, Lanczos, Hutchinson, per-batch
// spectra): one call per operator application, so a command line can draw a bar and an ETA.
// Library code never prints; the listener decides what to show.

/** Receives "{@code done} of {@code total} steps of {@code stage}" after each step of a long loop. */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores every report. */
    ProgressListener NONE = (stage, done, total) -> { };

    /**
     * Called after step {@code done} (1-based) of at most {@code total} steps. Loops that stop
     * early on a tolerance report fewer steps than {@code total}, which is then an upper bound.
     *
     * @param stage what is running, e.g. {@code "power λ2"}, {@code "lanczos"}, {@code "trace"}
     */
    void step(String stage, int done, int total);
}
