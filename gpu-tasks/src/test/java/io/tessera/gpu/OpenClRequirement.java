/*
 * Test support shared with the tests module (through this module's test jar): the one place that
 * decides what a missing OpenCL device means to a GPU test. On a developer's machine it is a skip;
 * under CI=true it is a failure with a one-line reason, because CI installs PoCL (.ci/run) and a
 * suite that skipped there would pass without having run. CUDA keeps skipping: CI has no CUDA device.
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Assumptions;

import java.util.Map;

/** What a test does when it needs an OpenCL device and none opened. */
public final class OpenClRequirement {
    private OpenClRequirement() {
    }

    /** True when the environment says this is a CI run ({@code CI=true}, as CI services set it). */
    static boolean inCi(Map<String, String> env) {
        return "true".equalsIgnoreCase(env.getOrDefault("CI", "").trim());
    }

    /**
     * The one-line reason for a missing device: the first line of {@code why} (the runtime's
     * message), prefixed with what CI expected when {@code ci}.
     */
    static String reason(String why, boolean ci) {
        String first = why == null || why.isBlank() ? "no reason given" : why.strip().lines().findFirst().orElse("");
        return ci ? "CI=true but no OpenCL device was found (CI installs PoCL through .ci/run): " + first
                : "no OpenCL device: " + first;
    }

    /**
     * Ends the calling test because no OpenCL device opened: aborted (skipped) normally, failed
     * with {@link #reason} under {@code CI=true}. Never returns (typed like {@code Assumptions.abort},
     * so a caller may {@code return} it).
     */
    public static <V> V missing(String why) {
        if (inCi(System.getenv())) throw new AssertionError(reason(why, true));
        return Assumptions.abort(reason(why, false));
    }

    /** {@link #missing} when {@code why} is not null, nothing otherwise. */
    public static void require(String why) {
        if (why != null) missing(why);
    }
}
