package io.tessera.cli;

import io.tessera.eval.hessian.ProgressListener;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a long analysis on the console: "stage done/total, elapsed, ETA", redrawn in place on a
 * terminal and printed every few seconds otherwise (logs stay short). The ETA assumes the remaining
 * steps of the stage take as long as the ones done; stages that stop early on a tolerance finish sooner.
 */
final class ConsoleProgress implements ProgressListener {
    private final PrintStream out;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private String stage;
    private long stageStart;
    private long lastPrint;
    private long lastStep = start;

    ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void step(String stage, int done, int total) {
        long now = System.nanoTime();
        if (!stage.equals(this.stage)) {
            if (this.stage != null && terminal) out.println();
            this.stage = stage;
            stageStart = lastStep; // the stage's first step began when the previous report ended
        }
        lastStep = now;
        double per = (now - stageStart) / 1e9 / done;
        String line = String.format(Locale.ROOT, "%s %d/%d, %.0f s elapsed, ETA %.0f s", stage, done, total, (now - start) / 1e9, per * (total - done));
        if (terminal) {
            out.print("\r" + line + "   ");
            out.flush();
        } else if (now - lastPrint > 5_000_000_000L || done == total) {
            out.println(line);
            lastPrint = now;
        }
    }
}
