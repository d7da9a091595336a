package io.tessera.cli;

import io.tessera.eval.landscape.SurfaceGrid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tessera landscape plot DIR}: the summary (and figures) of a finished landscape, from its files alone. */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Write landscape.json again from DIR/surface.json (and DIR/directions.json), e.g. with another convexity threshold."})
public final class LandscapePlotCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "The landscape's output directory.")
    Path dir;

    @Option(names = "--ratio-threshold", defaultValue = "0.1", description = "Convexity threshold of |λmin/λmax| (default ${DEFAULT-VALUE}).")
    double ratioThreshold;

    @Override
    public Integer call() throws Exception {
        Path f = dir.resolve("surface.json");
        if (!Files.exists(f)) throw new IllegalArgumentException("no surface.json in " + dir + " (run tessera landscape, or landscape merge for shards)");
        SurfaceGrid g = SurfaceGrid.parse(Files.readString(f), f.toString());
        LandscapeOutputs.summarize(g, dir, g.fieldNames().contains("ratio") ? ratioThreshold : Double.NaN);
        return 0;
    }
}
