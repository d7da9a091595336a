/*
 * A missing OpenCL device: a skip on a developer's machine, a failure with a one-line reason under
 * CI=true (CI installs PoCL, so a skipped GPU suite there would be a pass that ran nothing).
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenClRequirementTest {
    @Test
    void onlyCiEqualToTrueCountsAsCi() {
        assertThat(OpenClRequirement.inCi(Map.of("CI", "true"))).isTrue();
        assertThat(OpenClRequirement.inCi(Map.of("CI", "TRUE"))).isTrue();
        assertThat(OpenClRequirement.inCi(Map.of("CI", "false"))).isFalse();
        assertThat(OpenClRequirement.inCi(Map.of("CI", ""))).isFalse();
        assertThat(OpenClRequirement.inCi(Map.of())).isFalse();
    }

    @Test
    void theReasonIsOneLineAndSaysWhatCiExpected() {
        String why = "clGetPlatformIDs: CL_PLATFORM_NOT_FOUND_KHR\n  (no ICD under /etc/OpenCL/vendors)";
        assertThat(OpenClRequirement.reason(why, true))
                .isEqualTo("CI=true but no OpenCL device was found (CI installs PoCL through .ci/run): clGetPlatformIDs: CL_PLATFORM_NOT_FOUND_KHR");
        assertThat(OpenClRequirement.reason(why, false)).isEqualTo("no OpenCL device: clGetPlatformIDs: CL_PLATFORM_NOT_FOUND_KHR");
        assertThat(OpenClRequirement.reason(null, false)).isEqualTo("no OpenCL device: no reason given");
    }

    @Test
    void aMissingDeviceFailsUnderCiAndSkipsOtherwise() {
        boolean ci = OpenClRequirement.inCi(System.getenv());
        assertThatThrownBy(() -> OpenClRequirement.missing("no platform"))
                .isInstanceOf(ci ? AssertionError.class : TestAbortedException.class)
                .hasMessageEndingWith("no platform");
        OpenClRequirement.require(null); // a device: nothing happens
    }
}
