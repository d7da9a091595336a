package io.tessera.gpu.mpi;

import io.tessera.gpu.GpuUnavailableException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MpiCollective across two JVMs started by mpirun (MpiCheckMain runs in each), and the refusals
 * that need no launcher. Without mpirun the two-rank tests skip, except under CI=true, where
 * .ci/run installs openmpi-bin and a skip would hide that they never ran.
 */
class MpiCollectiveTest {
    @TempDir
    Path dir;

    private record Job(int exitCode, String output, double seconds) {
    }

    @Test
    void twoRanksSumAverageAndBroadcastKnownVectorsExactly() throws Exception {
        Job j = mpirun("collectives");
        assertThat(j.exitCode()).as(j.output()).isZero();
        assertThat(j.output()).contains("rank 0 ok: MPI rank 0 of 2 (Open MPI", "rank 1 ok: MPI rank 1 of 2 (Open MPI")
                .contains("rank 0 error: MPI_Allreduce failed with MPI_ERR_COUNT (2): count -1: MPI_ERR_COUNT: invalid count argument");
    }

    @Test
    void aPeerThatStopsMakesTheCallTimeOutInsteadOfHanging() throws Exception {
        Job j = mpirun("stall");
        assertThat(j.output()).as(j.output())
                .containsPattern("rank 0 timed out after 4\\.\\d s: MPI_Allreduce of 8 F32 elements on rank 0 of 2 did not complete within 4 s: "
                        + "a peer stopped, died or called another collective; the group is unusable, end the job")
                .contains("rank 0 refused: barrier: the MPI collective is unusable since MPI_Allreduce of 8 F32 elements timed out after 4 s")
                .contains("rank 0 closed");
        // rank 0 left without MPI_Finalize, so mpirun ends rank 1 and fails the job rather than waiting for its sleep
        assertThat(j.exitCode()).isNotZero();
        assertThat(j.seconds()).isLessThan(40);
    }

    @Test
    void aPeerThatDiesEndsTheJobWithoutAHang() throws Exception {
        Job j = mpirun("peer-dies");
        assertThat(j.output()).as(j.output()).contains("rank 1 halts").doesNotContain("rank 0 sum returned");
        assertThat(j.exitCode()).isNotZero();
        // mpirun ends rank 0 when rank 1 dies; were it not to, rank 0's 8 s timeout would
        assertThat(j.seconds()).isLessThan(40);
    }

    @Test
    void aMissingOrForeignLibraryIsRefusedBeforeMpiStarts() {
        assertThatThrownBy(() -> MpiCollective.open(Optional.of(dir.resolve("libmpi.so.40")), Duration.ofSeconds(1)))
                .isInstanceOf(GpuUnavailableException.class)
                .hasMessage("mpi unavailable: library " + dir.resolve("libmpi.so.40") + " (given explicitly) does not exist");
        Path libjava = Path.of(System.getProperty("java.home"), "lib", "libjava.so");
        Assumptions.assumeTrue(Files.exists(libjava), "a Linux JDK");
        assertThatThrownBy(() -> MpiCollective.open(Optional.of(libjava), Duration.ofSeconds(1)))
                .isInstanceOf(GpuUnavailableException.class)
                .hasMessageContaining("is not Open MPI (it exports no ompi_mpi_comm_world)");
        assertThatThrownBy(() -> MpiCollective.open(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessage("an MPI timeout is positive, got PT0S");
    }

    @Test
    void errorClassesAreNamedAsMpiHNumbersThem() {
        assertThat(MpiStatus.name(0)).isEqualTo("MPI_SUCCESS");
        assertThat(MpiStatus.name(MpiStatus.MPI_ERR_COUNT)).isEqualTo("MPI_ERR_COUNT");
        assertThat(MpiStatus.name(15)).isEqualTo("MPI_ERR_TRUNCATE");
        assertThat(MpiStatus.name(53)).isEqualTo("MPI_ERR_WIN");
        assertThat(MpiStatus.name(68)).isEqualTo("MPI_ERR_RMA_RANGE");
        assertThat(MpiStatus.name(73)).isEqualTo("MPI_T_ERR_INVALID_NAME");
        assertThat(MpiStatus.name(92)).isEqualTo("MPI_ERR_CLASS_92");
    }

    // ---- launching -----------------------------------------------------------------------------

    private static Optional<Path> findMpirun() {
        List<Path> dirs = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isBlank()) dirs.add(Path.of(d));
        }
        dirs.add(Path.of("/usr/bin"));
        return dirs.stream().map(d -> d.resolve("mpirun")).filter(Files::isExecutable).findFirst();
    }

    /** Runs MpiCheckMain's {@code scenario} on two ranks; skips without mpirun (fails under CI=true). */
    private Job mpirun(String scenario) throws IOException, InterruptedException {
        Optional<Path> mpirun = findMpirun();
        if (mpirun.isEmpty()) {
            if ("true".equalsIgnoreCase(System.getenv().getOrDefault("CI", "").strip())) {
                throw new AssertionError("CI=true but mpirun was not found (CI installs openmpi-bin through .ci/run)");
            }
            Assumptions.abort("no mpirun on PATH or in /usr/bin: install Open MPI (openmpi-bin) to run the MPI tests");
        }
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = List.of(mpirun.get().toString(), "--oversubscribe", "--bind-to", "none", "-np", "2",
                java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                // small and quick to start: each rank runs a few collectives
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), MpiCheckMain.class.getName(), scenario);
        Path log = dir.resolve(scenario + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        // Open MPI refuses to run as root unless told twice; containers often run tests as root
        env.put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        env.put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        // a torchrun or Slurm environment around the test would take precedence over mpirun's variables
        for (String v : List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID")) env.remove(v);
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            throw new AssertionError("mpirun " + scenario + " did not finish in 90 s:\n" + Files.readString(log));
        }
        return new Job(p.exitValue(), Files.readString(log), (System.nanoTime() - t0) / 1e9);
    }
}
