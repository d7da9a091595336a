package io.tessera.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code tessera bench}: benchmarks that print figures next to a reference measured in the
 * same run (never timed unit tests).
 */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks, each printing its figures next to a reference measured in the same run.",
        subcommands = {GemmBench.class, OpsBench.class, PretrainBench.class, GpuBench.class, HessianBench.class, LandscapeBench.class, AllReduceBench.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
