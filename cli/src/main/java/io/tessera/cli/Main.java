package io.tessera.cli;

import io.tessera.cli.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tessera} command line. Each subcommand has its own {@code --help}. Errors become
 * one clear line on stderr and a non-zero exit code; {@code --stacktrace} shows the full trace.
 */
@Command(name = "tessera",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Self-supervised Vision Transformers in pure Java: masked-image-modelling",
                "pre-training and the analyses behind it, on CPUs (Vector API) and GPUs.",
                ""},
        subcommands = {DemoCommand.class, PretrainCommand.class, ReconstructCommand.class, HessianCommand.class, LandscapeCommand.class, AnalyzeCommand.class,
                ProbeCommand.class, FinetuneCommand.class, ReportCommand.class, StudyCommand.class, BenchCommand.class, ConvertCommand.class, DevicesCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs the CLI and returns its exit code (for tests and the launcher). */
    public static int execute(String... args) {
        boolean trace = false;
        for (String a : args) trace |= a.equals("--stacktrace");
        String[] rest = java.util.Arrays.stream(args).filter(a -> !a.equals("--stacktrace")).toArray(String[]::new);
        final boolean showTrace = trace;
        CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (showTrace) ex.printStackTrace(cmd.getErr());
            else cmd.getErr().println("tessera " + cmd.getCommandName() + ": " + describe(ex));
            return 1;
        });
        return cl.execute(rest);
    }

    static String describe(Throwable ex) {
        if (ex instanceof java.nio.file.NoSuchFileException nf) return "no such file: " + nf.getFile();
        if (ex instanceof java.nio.file.AccessDeniedException ad) return "permission denied: " + ad.getFile();
        String msg = ex.getMessage();
        String type = ex.getClass().getSimpleName();
        return msg == null || msg.isBlank() ? type : msg + (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException ? "" : " (" + type + ")");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Reports the version from the jar manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"tessera " + (v == null ? "development" : v), "java " + Runtime.version()};
        }
    }
}
