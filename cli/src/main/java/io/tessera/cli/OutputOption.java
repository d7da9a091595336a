package io.tessera.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

// --out of the analysis commands, a picocli mixin: the output directory, by default a folder named
// after the command beside the checkpoint (hessian/, landscape/, spectrum/, …), the name the help
// text shows and the one dir() resolves being the same by construction.

/** The output directory option of the analysis commands. */
final class OutputOption {
    @Option(names = "--out", description = "Output directory (default: ${COMMAND-NAME}/ beside the --checkpoint, the first if repeated).")
    Path out;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** --out, or a folder named after the command beside {@code checkpoint} (a checkpoint path as the user gave it). */
    Path dir(Path checkpoint) {
        return out != null ? out : RunCheckpoint.base(checkpoint).toAbsolutePath().getParent().resolve(commandName());
    }

    /**
     * The command the option belongs to: the option's own command, the outermost one it was mixed
     * into (the one ${COMMAND-NAME} names), also when this mixin sits inside another mixin.
     */
    private String commandName() {
        return mixee.findOption("--out").command().name();
    }
}
