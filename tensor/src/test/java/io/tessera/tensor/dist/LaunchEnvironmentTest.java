package io.tessera.tensor.dist;

import io.tessera.tensor.dist.LaunchEnvironment.Launcher;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LaunchEnvironmentTest {

    private static LaunchEnvironment parse(String... kv) {
        Map<String, String> env = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return LaunchEnvironment.fromEnvironment(env);
    }

    @Test
    void noLauncherVariableIsASingleProcess() {
        LaunchEnvironment e = parse("PATH", "/bin", "MASTER_ADDR", "10.0.0.1");
        assertThat(e).isEqualTo(LaunchEnvironment.SINGLE);
        assertThat(e.distributed()).isFalse();
        assertThat(e.masterAddr()).isEmpty();
    }

    @Test
    void torchrunsVariablesIncludingTheRendezvous() {
        LaunchEnvironment e = parse("RANK", "3", "WORLD_SIZE", "8", "LOCAL_RANK", "1", "MASTER_ADDR", "node-a", "MASTER_PORT", "29500");
        assertThat(e).isEqualTo(new LaunchEnvironment(Launcher.TORCHRUN, 3, 8, OptionalInt.of(1), Optional.of("node-a"), OptionalInt.of(29500)));
        assertThat(e.distributed()).isTrue();
        assertThat(e.toString()).isEqualTo("rank 3 of 8 (torchrun)");
    }

    @Test
    void mpirunsAndSrunsVariables() {
        assertThat(parse("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_LOCAL_RANK", "1"))
                .isEqualTo(new LaunchEnvironment(Launcher.MPIRUN, 1, 2, OptionalInt.of(1), Optional.empty(), OptionalInt.empty()));
        assertThat(parse("SLURM_PROCID", "5", "SLURM_NTASKS", "6", "SLURM_LOCALID", "2", "MASTER_PORT", "not read for srun"))
                .isEqualTo(new LaunchEnvironment(Launcher.SLURM, 5, 6, OptionalInt.of(2), Optional.empty(), OptionalInt.empty()));
        // the local rank is optional
        assertThat(parse("RANK", " 0 ", "WORLD_SIZE", "1").localRank()).isEmpty();
    }

    @Test
    void aLauncherStartedInsideASlurmAllocationWins() {
        LaunchEnvironment e = parse("SLURM_PROCID", "0", "SLURM_NTASKS", "1", "OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "4");
        assertThat(e.launcher()).isEqualTo(Launcher.MPIRUN);
        assertThat(e.rank()).isEqualTo(2);
        assertThat(parse("RANK", "1", "WORLD_SIZE", "2", "OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_SIZE", "1").launcher()).isEqualTo(Launcher.TORCHRUN);
    }

    @Test
    void inconsistentEnvironmentsAreRefusedInOneLine() {
        assertThatThrownBy(() -> parse("WORLD_SIZE", "4")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the environment sets WORLD_SIZE but not RANK; a launcher sets both");
        assertThatThrownBy(() -> parse("SLURM_PROCID", "0")).hasMessage("the environment sets SLURM_PROCID but not SLURM_NTASKS; a launcher sets both");
        assertThatThrownBy(() -> parse("RANK", "4", "WORLD_SIZE", "4")).hasMessage("RANK=4 is not a rank of WORLD_SIZE=4 (0..3)");
        assertThatThrownBy(() -> parse("OMPI_COMM_WORLD_RANK", "one", "OMPI_COMM_WORLD_SIZE", "2")).hasMessage("OMPI_COMM_WORLD_RANK=one is not a whole number");
        assertThatThrownBy(() -> parse("RANK", "0", "WORLD_SIZE", "2.5")).hasMessage("WORLD_SIZE=2.5 is not a whole number");
        assertThatThrownBy(() -> parse("RANK", "-1", "WORLD_SIZE", "2")).hasMessage("RANK=-1 is negative; it must be a whole number ≥ 0");
        assertThatThrownBy(() -> parse("RANK", "0", "WORLD_SIZE", "0")).hasMessage("WORLD_SIZE=0 is not a world size (at least 1)");
        assertThatThrownBy(() -> parse("RANK", "0", "WORLD_SIZE", "2", "LOCAL_RANK", "2")).hasMessage("LOCAL_RANK=2 is not below WORLD_SIZE=2");
        assertThatThrownBy(() -> parse("RANK", "0", "WORLD_SIZE", "2", "MASTER_PORT", "29500"))
                .hasMessage("the environment sets MASTER_PORT but not MASTER_ADDR; torchrun sets both");
        assertThatThrownBy(() -> parse("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "70000"))
                .hasMessage("MASTER_PORT=70000 is not a port (1..65535)");
        assertThatThrownBy(() -> parse("RANK", "0", "WORLD_SIZE", "99999999999")).hasMessage("WORLD_SIZE=99999999999 is not a whole number");
    }

    @Test
    void theRecordChecksItsOwnInvariants() {
        assertThatThrownBy(() -> new LaunchEnvironment(Launcher.MPIRUN, 2, 2, OptionalInt.empty(), Optional.empty(), OptionalInt.empty()))
                .hasMessage("rank 2 is not one of 0..1 of a world of 2");
        assertThatThrownBy(() -> new LaunchEnvironment(Launcher.MPIRUN, 0, 0, OptionalInt.empty(), Optional.empty(), OptionalInt.empty()))
                .hasMessage("a world size is at least 1, got 0");
    }
}
