// The fuzz loop shared by the reader fuzz tests: seeded mutations of one valid file, each case
// either refused with the reader's typed exception or accepted after the caller's oracle held;
// anything else (another exception, an Error, a failed oracle) is collected with its seed,
// case number and mutation. The whole loop runs under a hard time limit, so a hang fails.
package io.tessera.ssl.fuzz;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

final class Fuzz {
    private Fuzz() {
    }

    /** One case: reads the mutated bytes and checks the oracle on success (throwing AssertionError if it fails). */
    @FunctionalInterface
    interface Case {
        void run(byte[] mutated) throws Exception;
    }

    /** Outcome counts of one run. */
    record Report(int cases, int refused, int accepted, double slowestSeconds) {
    }

    /** Longest a single case may take; a reader that needs longer is treated as hanging. */
    static final double MAX_CASE_SECONDS = 5;

    /**
     * Runs {@code cases} mutations of {@code original} through {@code c}, expecting each to be
     * refused with {@code typed} or accepted by the oracle.
     */
    static Report run(String reader, long seed, int cases, byte[] original, Class<? extends Throwable> typed, Case c) {
        return assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Mutator m = new Mutator(seed);
            List<String> failures = new ArrayList<>();
            int refused = 0, accepted = 0;
            long slowest = 0;
            for (int i = 0; i < cases; i++) {
                byte[] mutated = m.mutate(original);
                long t0 = System.nanoTime();
                try {
                    c.run(mutated);
                    accepted++;
                } catch (Throwable t) {
                    if (typed.isInstance(t)) refused++;
                    else if (failures.size() < 10) failures.add(reader + " case " + i + " (seed " + seed + "; " + m.last() + "): " + t);
                }
                slowest = Math.max(slowest, System.nanoTime() - t0);
            }
            assertThat(failures).as(reader + ": cases that were neither a typed error nor accepted data").isEmpty();
            assertThat(slowest / 1e9).as(reader + ": slowest case, seconds").isLessThan(MAX_CASE_SECONDS);
            return new Report(cases, refused, accepted, slowest / 1e9);
        }, () -> reader + ": fuzz loop did not finish in 120 s (a hang?)");
    }
}
