/*
 * NCCL as this machine has it, without a GPU: where the library is absent, the typed one-line
 * error that says where it looked and how to name it; where it is present, its version and two
 * fresh unique ids. Statuses by name and the version code's two formulas hold everywhere.
 */
package io.tessera.gpu.nccl;

import io.tessera.gpu.GpuUnavailableException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NcclLibraryTest {

    @Test
    void resultsHaveNcclsNames() {
        String[] names = {"ncclSuccess", "ncclUnhandledCudaError", "ncclSystemError", "ncclInternalError", "ncclInvalidArgument",
                "ncclInvalidUsage", "ncclRemoteError", "ncclInProgress"};
        for (int r = 0; r < names.length; r++) assertThat(NcclStatus.name(r)).isEqualTo(names[r]);
        assertThat(NcclStatus.name(8)).isEqualTo("ncclResult_8");
        assertThat(NcclStatus.name(-1)).isEqualTo("ncclResult_-1");
    }

    @Test
    void versionCodesChangedFormulaAtTwoNine() {
        assertThat(Nccl.code(2, 8, 4)).isEqualTo(2804);
        assertThat(Nccl.code(2, 9, 6)).isEqualTo(20906);
        assertThat(Nccl.code(2, 18, 3)).isEqualTo(21803);
        assertThat(Nccl.versionName(2804)).isEqualTo("2.8.4");
        assertThat(Nccl.versionName(2408)).isEqualTo("2.4.8");
        assertThat(Nccl.versionName(21803)).isEqualTo("2.18.3");
        assertThat(Nccl.versionName(23000)).isEqualTo("2.30.0");
        assertThat(Nccl.code(2, 10, 0)).isGreaterThan(Nccl.code(2, 8, 4));
    }

    @Test
    void errorTextBecomesOneLine() {
        assertThat(Nccl.oneLine("  first\n  second \r\nthird\n")).isEqualTo("first; second; third");
    }

    @Test
    void anExplicitLibraryThatDoesNotExistIsATypedError() {
        Path nowhere = Path.of("no-such-dir", "libnccl.so.2");
        assertThatThrownBy(() -> Nccl.load(Optional.of(nowhere)))
                .isInstanceOfSatisfying(GpuUnavailableException.class, e -> {
                    assertThat(e.runtime()).isEqualTo("nccl");
                    assertThat(e.getMessage()).isEqualTo("nccl unavailable: library " + nowhere + " (given explicitly) does not exist");
                });
    }

    @Test
    void theLibraryIsFoundOrTheErrorSaysWhereItLookedInOneLine() {
        Nccl nccl;
        try {
            nccl = Nccl.load(Optional.empty());
        } catch (GpuUnavailableException e) {
            assertThat(e.runtime()).isEqualTo("nccl");
            assertThat(e.getMessage()).startsWith("nccl unavailable: library libnccl.so.2 not found (tried libnccl.so.2, libnccl.so")
                    .contains("; looked in /usr/lib/x86_64-linux-gnu, ", "/usr/local/cuda/lib64")
                    .contains("/usr/local/cuda/lib64")
                    .endsWith("; install NCCL 2 (the libnccl2 package, or pip install nvidia-nccl-cu12) or name the library with -Dtessera.nccl.library=PATH")
                    .doesNotContain("\n");
            return;
        }
        // where NCCL is installed: the library's own answers
        assertThat(nccl.versionCode()).isGreaterThanOrEqualTo(Nccl.code(2, 4, 0));
        assertThat(nccl.version()).matches("2\\.\\d+\\.\\d+");
        byte[] a = nccl.uniqueId(), b = nccl.uniqueId();
        assertThat(a).hasSize(Nccl.UNIQUE_ID_BYTES);
        if (System.getenv("NCCL_COMM_ID") == null) assertThat(a).as("two fresh ids").isNotEqualTo(b);
    }
}
