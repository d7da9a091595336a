package io.tessera.cli;

import io.tessera.eval.landscape.ShardMerge;
import io.tessera.eval.landscape.SurfaceGrid;
import io.tessera.tensor.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tessera landscape merge DIR}: the shards of a landscape combined into DIR/surface.json. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Combine the shard files DIR/shards/shard-I-of-N.json of a sharded landscape into DIR/surface.json (values copied,",
                "never recomputed: the result is bit for bit the single-worker grid), then write landscape.json. Refuses, writing",
                "nothing, when a shard is missing, incomplete, corrupt or of another landscape."})
public final class LandscapeMergeCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The landscape's output directory.")
    Path dir;

    @Option(names = "--ratio-threshold", defaultValue = "0.1", description = "Convexity threshold of |λmin/λmax| when the grid has an eigen-ratio map (default ${DEFAULT-VALUE}).")
    double ratioThreshold;

    @Override
    public Integer call() throws Exception {
        SurfaceGrid whole = ShardMerge.merge(dir);
        AtomicFiles.writeString(dir.resolve("surface.json"), whole.toJson());
        System.out.println("merged " + whole.settings().size() + "-setting landscape of " + whole.points() + " points from shards into " + dir.resolve("surface.json"));
        LandscapeOutputs.summarize(whole, dir, whole.fieldNames().contains("ratio") ? ratioThreshold : Double.NaN);
        return 0;
    }
}
