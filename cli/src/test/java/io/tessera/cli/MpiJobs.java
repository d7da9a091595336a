package io.tessera.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code tessera} commands in child JVMs of this test's class path, alone or as the ranks of
 * {@code mpirun --oversubscribe -np W}. Without mpirun a test skips, except under CI=true, where
 * CI installs openmpi-bin and a skip would hide that the test never ran.
 */
public final class MpiJobs {
    /** Exit code and the output of all ranks together. */
    public record Job(int exitCode, String output) {
    }

    private MpiJobs() {
    }

    /** mpirun from PATH or /usr/bin; aborts the test (fails it under CI=true) when there is none. */
    public static Path mpirunOrSkip() {
        List<Path> dirs = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isBlank()) dirs.add(Path.of(d));
        }
        dirs.add(Path.of("/usr/bin"));
        Optional<Path> found = dirs.stream().map(d -> d.resolve("mpirun")).filter(Files::isExecutable).findFirst();
        if (found.isEmpty()) {
            if ("true".equalsIgnoreCase(System.getenv().getOrDefault("CI", "").strip())) {
                throw new AssertionError("CI=true but mpirun was not found (CI installs openmpi-bin through .ci/run)");
            }
            Assumptions.abort("no mpirun on PATH or in /usr/bin: install Open MPI (openmpi-bin) to run the multi-process test");
        }
        return found.get();
    }

    /**
     * {@code tessera args…} in one JVM ({@code ranks} 0) or under mpirun with {@code ranks}
     * processes; output to {@code log}, at most {@code seconds}.
     */
    public static Job run(Path mpirun, int ranks, Path log, int seconds, List<String> args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        if (ranks > 0) cmd.addAll(List.of(mpirun.toString(), "--oversubscribe", "--bind-to", "none", "-np", String.valueOf(ranks)));
        cmd.addAll(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        // Open MPI refuses to run as root unless told twice; containers often run tests as root
        env.put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        env.put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        for (String v : List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID")) env.remove(v);
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + seconds + " s:\n" + Files.readString(log));
        }
        return new Job(p.exitValue(), Files.readString(log));
    }
}
