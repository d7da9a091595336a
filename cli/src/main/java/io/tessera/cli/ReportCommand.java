package io.tessera.cli;

import io.tessera.tensor.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tessera report}: one self-contained HTML page of what a run directory holds. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Gather a run directory into one self-contained HTML page (figures embedded, no files loaded from elsewhere):",
                "  1. a run summary from the newest checkpoint-N.json of each training directory (method, model, data, steps,",
                "     epochs, batch, learning rate, seed, backend);",
                "  2. training curves of every metrics.jsonl (loss and its parts, learning rate, gradient norm against the step);",
                "  3. reconstruction images (PNG files named recon*.png, as tessera reconstruct and tessera demo write them);",
                "  4. one section per result of probe linear|knn, finetune, hessian, landscape, analyze spectrum|attention|",
                "     gradcam|occlusion, known by its schema: its headline numbers (top-1/top-5, λmax/λmin and eigen-ratio,",
                "     loss range, RankMe and α-ReQ, attention distance per block, accuracy per occlusion ratio), the figures",
                "     written beside it and a link to that command's own page;",
                "  5. a list of the JSON files of other kinds.",
                "Searches " + RunReport.MAX_DEPTH + " levels deep; hidden files and files over 32 MiB (JSON) or 8 MiB (figures) are skipped.",
                "A file that cannot be read becomes a one-line warning on the page and on standard error.",
                "Example: tessera report runs/pretrain-rcmae --out runs/pretrain-rcmae.html"})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "The run directory: an --out directory of tessera pretrain, or a folder holding several commands' outputs.")
    Path runDir;

    @Option(names = "--out", paramLabel = "FILE", description = "The page to write (default RUN_DIR/report.html), atomically.")
    Path out;

    @Option(names = "--title", paramLabel = "T", description = "The page's title (default \"Run report: \" and the directory's name).")
    String title;

    @Override
    public Integer call() throws Exception {
        Path file = out != null ? out : runDir.resolve("report.html");
        if (Files.isDirectory(runDir) && Files.isRegularFile(file) && !RunReport.isOwnPage(file)) {
            throw new IllegalArgumentException(file + " exists and was not written by tessera report (a tessera demo page?); choose another --out");
        }
        if (Files.isDirectory(runDir)) OutputPaths.requireWritableFile(file, "--out");
        String t = title != null ? title : "Run report: " + runDir.toAbsolutePath().normalize().getFileName();
        RunReport.Result r = RunReport.build(runDir, file, t);
        for (String w : r.warnings()) System.err.println("tessera report: warning: " + w);
        AtomicFiles.writeString(file, r.page().html());
        System.out.println("wrote " + file + ": " + r.sections().size() + " sections" + (r.warnings().isEmpty() ? "" : ", " + r.warnings().size() + " warning(s)"));
        return 0;
    }
}
