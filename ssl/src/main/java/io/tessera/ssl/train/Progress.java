package io.tessera.ssl.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of long work on the terminal: a bar with rate and ETA redrawn in place on a
 * console, or a plain line every few percent when the output is a file or pipe.
 */
public final class Progress {
    private final PrintStream out;
    private final String unit;
    private final long total;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private long lastPrint;
    private int lastPercent = -1;

    public Progress(PrintStream out, String unit, long total, boolean interactive) {
        this.out = out;
        this.unit = unit;
        this.total = Math.max(1, total);
        this.interactive = interactive;
    }

    /** Reports {@code done} of total; {@code items} processed so far (for the rate); {@code status} e.g. "loss 0.53". */
    public void update(long done, long items, String status) {
        long now = System.nanoTime();
        int percent = (int) (100 * done / total);
        if (interactive && now - lastPrint < 200_000_000L && done < total) return;
        if (!interactive && percent / 5 == lastPercent / 5 && done < total) return;
        lastPrint = now;
        lastPercent = percent;
        double secs = (now - start) / 1e9;
        double rate = items / Math.max(secs, 1e-9);
        double eta = done == 0 ? Double.NaN : secs * (total - done) / done;
        String line = String.format(Locale.ROOT, "%s %3d%% %d/%d  %.1f %s/s  ETA %s  %s", bar(percent), percent, done, total,
                rate, unit, time(eta), status);
        if (interactive) out.print("\r" + line + "   ");
        else out.println(line);
        if (interactive && done >= total) out.println();
        out.flush();
    }

    private static String bar(int percent) {
        int n = percent / 5;
        return "[" + "#".repeat(n) + ".".repeat(20 - n) + "]";
    }

    static String time(double s) {
        if (Double.isNaN(s)) return "--:--";
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                : String.format(Locale.ROOT, "%02d:%02d", t / 60, t % 60);
    }
}
