/*
 * How pre-training chooses and reaches NCCL, without a GPU: --distributed auto under each launcher
 * on each device, the refusals in one line, the way NCCL's id travels for each launcher, the CUDA
 * device of a local rank, and `tessera pretrain --distributed nccl` on a machine without CUDA (in
 * this JVM, and as torchrun would start it, in a child JVM with torchrun's variables).
 */
package io.tessera.cli;

import io.tessera.gpu.CudaDevice;
import io.tessera.gpu.GpuUnavailableException;
import io.tessera.gpu.nccl.Bootstrap;
import io.tessera.tensor.dist.IdRendezvous;
import io.tessera.tensor.dist.LaunchEnvironment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NcclLaunchTest {
    private static final String TRAIN = "pre-training", ALONE = "train each process alone";

    @TempDir
    Path dir;

    private static LaunchEnvironment env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return LaunchEnvironment.fromEnvironment(m);
    }

    private static final LaunchEnvironment TORCHRUN = env("RANK", "1", "WORLD_SIZE", "2", "LOCAL_RANK", "1", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500");
    private static final LaunchEnvironment MPIRUN = env("OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_LOCAL_RANK", "0");
    private static final LaunchEnvironment SRUN = env("SLURM_PROCID", "3", "SLURM_NTASKS", "4", "SLURM_LOCALID", "1");

    @Test
    void autoIsNcclOnCudaUnderEveryLauncherAndMpiOnTheCpuUnderMpirunAndSrun() {
        for (LaunchEnvironment l : List.of(TORCHRUN, MPIRUN, SRUN)) {
            assertThat(Distributed.AUTO.resolve(l, DeviceSpec.Kind.CUDA, TRAIN, ALONE)).as(l.toString()).isEqualTo(Distributed.NCCL);
        }
        assertThat(Distributed.AUTO.resolve(MPIRUN, DeviceSpec.Kind.CPU, TRAIN, ALONE)).isEqualTo(Distributed.MPI);
        assertThat(Distributed.AUTO.resolve(SRUN, DeviceSpec.Kind.CPU, TRAIN, ALONE)).isEqualTo(Distributed.MPI);
        for (DeviceSpec.Kind k : DeviceSpec.Kind.values()) {
            assertThat(Distributed.AUTO.resolve(LaunchEnvironment.SINGLE, k, TRAIN, ALONE)).as("no launcher, %s", k).isEqualTo(Distributed.NONE);
        }
        // a launcher's world of one is one process, as before
        assertThat(Distributed.AUTO.resolve(env("RANK", "0", "WORLD_SIZE", "1"), DeviceSpec.Kind.CUDA, TRAIN, ALONE)).isEqualTo(Distributed.NONE);
        assertThat(Distributed.NCCL.resolve(LaunchEnvironment.SINGLE, DeviceSpec.Kind.CUDA, TRAIN, ALONE)).isEqualTo(Distributed.NCCL);
        assertThat(Distributed.MPI.resolve(LaunchEnvironment.SINGLE, DeviceSpec.Kind.CUDA, TRAIN, ALONE)).isEqualTo(Distributed.MPI);
    }

    @Test
    void choicesADeviceCannotTakeAreRefusedInOneLine() {
        assertThatThrownBy(() -> Distributed.NCCL.resolve(TORCHRUN, DeviceSpec.Kind.CPU, TRAIN, ALONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--distributed nccl needs --device cuda (NCCL reduces CUDA device memory); on the CPU give --distributed mpi under mpirun or srun");
        assertThatThrownBy(() -> Distributed.NCCL.resolve(LaunchEnvironment.SINGLE, DeviceSpec.Kind.OPENCL, TRAIN, ALONE))
                .hasMessageStartingWith("--distributed nccl needs --device cuda");
        assertThatThrownBy(() -> Distributed.MPI.resolve(MPIRUN, DeviceSpec.Kind.CUDA, TRAIN, ALONE))
                .hasMessage("--distributed mpi runs pre-training on the CPU only (its collectives reduce host memory); drop --device cuda, or give --distributed nccl");
        assertThatThrownBy(() -> Distributed.AUTO.resolve(TORCHRUN, DeviceSpec.Kind.CPU, TRAIN, ALONE))
                .hasMessage("torchrun started this process (RANK/WORLD_SIZE), but pre-training on the CPU joins processes through MPI only: start it with mpirun -np 2, "
                        + "train on --device cuda (over NCCL), or give --distributed none to train each process alone");
        assertThatThrownBy(() -> Distributed.AUTO.resolve(MPIRUN, DeviceSpec.Kind.OPENCL, TRAIN, ALONE))
                .hasMessageStartingWith("mpirun started 2 processes, but pre-training on OpenCL devices runs alone");
        // the Hessian analysis stays on MPI
        assertThatThrownBy(() -> Distributed.NCCL.open(LaunchEnvironment.SINGLE, "the Hessian analysis", "analyse in each process alone"))
                .hasMessage("--distributed nccl joins pre-training on CUDA devices; the Hessian analysis joins processes through MPI only: give --distributed mpi or none");
        assertThatThrownBy(() -> Distributed.AUTO.open(TORCHRUN, "the Hessian analysis", "analyse in each process alone"))
                .hasMessageNotContaining("cuda").hasMessageEndingWith("start it with mpirun -np 2, or give --distributed none to analyse in each process alone");
    }

    @Test
    void ncclsIdTravelsAsTheLauncherAllows() {
        assertThat(Distributed.bootstrap(TORCHRUN, Map.of())).isEqualTo(Bootstrap.tcp(new IdRendezvous.Endpoint("127.0.0.1", 29500, "MASTER_ADDR:MASTER_PORT")));
        assertThat(Distributed.bootstrap(TORCHRUN, Map.of("TORCHELASTIC_USE_AGENT_STORE", "True")))
                .isEqualTo(Bootstrap.tcp(new IdRendezvous.Endpoint("127.0.0.1", 29501, "MASTER_ADDR:MASTER_PORT+1; torchrun's agent holds MASTER_PORT")));
        for (LaunchEnvironment l : List.of(TORCHRUN, MPIRUN, SRUN)) {
            assertThat(Distributed.bootstrap(l, Map.of("NCCL_COMM_ID", "10.0.0.1:29600"))).as(l.toString()).isEqualTo(Bootstrap.commIdVariable());
        }
        assertThat(Distributed.bootstrap(LaunchEnvironment.SINGLE, Map.of())).isEqualTo(Bootstrap.single());
        assertThatThrownBy(() -> Bootstrap.single().share(0, 2, () -> new byte[128], java.time.Duration.ofSeconds(1)))
                .hasMessage("a single process cannot share NCCL's id with 1 other rank(s); start the ranks with torchrun, mpirun or srun");
        LaunchEnvironment bare = env("RANK", "0", "WORLD_SIZE", "2");
        assertThatThrownBy(() -> Distributed.bootstrap(bare, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but not MASTER_ADDR and MASTER_PORT");
    }

    @Test
    void eachRankTakesTheCudaDeviceOfItsLocalRank() {
        DeviceSpec cuda = DeviceSpec.parse("cuda");
        assertThat(cuda.forLocalRank(OptionalInt.of(3), () -> 8)).hasToString("cuda:3");
        assertThat(cuda.forLocalRank(OptionalInt.of(3), () -> 2)).hasToString("cuda:1");
        assertThat(cuda.forLocalRank(OptionalInt.of(1), () -> 1)).as("one visible device per rank").hasToString("cuda:0");
        int[] asked = {0};
        assertThat(DeviceSpec.parse("cuda:2").forLocalRank(OptionalInt.of(1), () -> ++asked[0])).hasToString("cuda:2");
        assertThat(cuda.forLocalRank(OptionalInt.empty(), () -> ++asked[0])).hasToString("cuda:0");
        assertThat(DeviceSpec.cpu().forLocalRank(OptionalInt.of(1), () -> ++asked[0])).isEqualTo(DeviceSpec.cpu());
        assertThat(asked[0]).as("the device count is asked only when needed").isZero();
        assertThatThrownBy(() -> cuda.forLocalRank(OptionalInt.of(0), () -> 0)).hasMessage("the CUDA driver reports no device for local rank 0");
    }

    private List<String> pretrainArgs(String... extra) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--model", "micro16", "--input-size", "16", "--data", "fashion-mnist-embedded",
                "--batch", "8", "--epochs", "1", "--max-steps", "1", "--threads", "1", "--workers", "0", "--out", dir.resolve("out").toString()));
        a.addAll(List.of(extra));
        return a;
    }

    /** The one error line of an in-process run that must fail. */
    private static String errorLine(List<String> args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.execute(args.toArray(String[]::new));
        } finally {
            System.setErr(old);
        }
        String s = err.toString(StandardCharsets.UTF_8);
        List<String> lines = s.lines().filter(l -> l.startsWith("tessera ")).toList();
        assertThat(rc).as(s).isEqualTo(1);
        assertThat(lines).as("one error line in %s", s).hasSize(1);
        return lines.getFirst();
    }

    private static void skipWhereCudaIsPresent() {
        try {
            io.tessera.gpu.Cuda.load(CudaDevice.Options.defaults().cudaLibrary());
        } catch (GpuUnavailableException e) {
            return;
        }
        Assumptions.abort("CUDA is present here: the refusals of a machine without it do not apply (the GPU checks cover NCCL here)");
    }

    @Test
    void ncclOnTheCpuIsOneClearLine() {
        assertThat(errorLine(pretrainArgs("--distributed", "nccl")))
                .isEqualTo("tessera pretrain: --distributed nccl needs --device cuda (NCCL reduces CUDA device memory); on the CPU give --distributed mpi under mpirun or srun");
    }

    @Test
    void ncclWithoutCudaIsOneClearLine() {
        skipWhereCudaIsPresent();
        assertThat(errorLine(pretrainArgs("--device", "cuda", "--distributed", "nccl"))).startsWith("tessera pretrain: cuda unavailable: library libcuda.so.1 not found");
    }

    @Test
    void underTorchrunAutoOnCudaGoesForNcclAndSaysCudaIsMissing() throws Exception {
        skipWhereCudaIsPresent();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(pretrainArgs("--device", "cuda"));
        Path log = dir.resolve("rank1.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> e = pb.environment();
        for (String v : List.of("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "SLURM_PROCID", "SLURM_NTASKS", "NCCL_COMM_ID")) e.remove(v);
        e.putAll(Map.of("RANK", "1", "WORLD_SIZE", "2", "LOCAL_RANK", "1", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500"));
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        List<String> lines = Files.readAllLines(log).stream().filter(l -> l.startsWith("tessera ")).toList();
        assertThat(p.exitValue()).as(Files.readString(log)).isEqualTo(1);
        assertThat(lines).singleElement().asString().startsWith("tessera pretrain: cuda unavailable: library libcuda.so.1 not found");
    }
}
