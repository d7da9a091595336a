package io.tessera.cli;

import io.tessera.eval.landscape.SurfaceGrid;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LandscapeShardEnvironmentTest {

    @Test
    void theLaunchersRankAndWorldSizeAreTheShard() {
        assertThat(LandscapeCommand.launcherShard(Map.of("RANK", "1", "WORLD_SIZE", "4"))).isEqualTo(new SurfaceGrid.Shard(1, 4));
        assertThat(LandscapeCommand.launcherShard(Map.of("SLURM_PROCID", "2", "SLURM_NTASKS", "3"))).isEqualTo(new SurfaceGrid.Shard(2, 3));
        // what mpirun -np 2 sets for its second process
        assertThat(LandscapeCommand.launcherShard(Map.of("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_LOCAL_RANK", "1")))
                .isEqualTo(new SurfaceGrid.Shard(1, 2));
        assertThat(LandscapeCommand.launcherShard(Map.of())).isEqualTo(SurfaceGrid.Shard.WHOLE);
    }

    @Test
    void aBadEnvironmentNamesTheVariableAndTheOption() {
        assertThatThrownBy(() -> LandscapeCommand.launcherShard(Map.of("OMPI_COMM_WORLD_SIZE", "2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the environment sets OMPI_COMM_WORLD_SIZE but not OMPI_COMM_WORLD_RANK; a launcher sets both (or give --shard i/N)");
    }
}
