package io.tessera.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

// `tessera probe`: the frozen-encoder evaluations of a pre-training checkpoint, one subcommand each.

/** {@code tessera probe linear|knn}. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Evaluate a pre-training checkpoint's frozen encoder: a linear probe (MAE protocol) or k-NN (DINO protocol)."},
        subcommands = {LinearProbeCommand.class, KnnCommand.class})
public final class ProbeCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
