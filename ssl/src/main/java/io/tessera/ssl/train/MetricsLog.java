// The metrics of a run as JSON lines, one object per optimizer step with its "step" number. A run
// that resumes from a checkpoint first cuts the log back to that checkpoint's step, so the steps
// between the checkpoint and an interruption are not logged twice and a half-written last line
// does not run into the next record. Not a general JSON-lines library.
package io.tessera.ssl.train;

import io.tessera.nn.checkpoint.Json;

import java.io.BufferedInputStream;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** Metrics as JSON lines, one object per optimizer step, flushed as written. */
public final class MetricsLog implements AutoCloseable {
    /** Longest line the truncation scan accepts as a record; longer ones end the valid prefix. */
    private static final int MAX_LINE = 1 << 20;

    private final BufferedWriter out;

    /** A log that appends to {@code file} ({@code append}) or starts it afresh. */
    public MetricsLog(Path file, boolean append) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * The log of a run that continues after optimizer step {@code resumedStep} (0: a new run).
     * The file is first cut to {@link #validPrefix} of it, then appended to.
     */
    public static MetricsLog continueAfter(Path file, long resumedStep) throws IOException {
        if (resumedStep < 0) throw new IllegalArgumentException("resumed step must be ≥ 0, got " + resumedStep);
        if (resumedStep > 0 && Files.exists(file)) {
            long keep = validPrefix(file, resumedStep);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                if (ch.size() > keep) {
                    ch.truncate(keep);
                    ch.force(true);
                }
            }
        }
        return new MetricsLog(file, resumedStep > 0);
    }

    /**
     * The length in bytes of the longest prefix of {@code file} made of complete lines (ending
     * in a newline), each a JSON object whose integer "step" is greater than the previous line's
     * and at most {@code lastStep}. The first line that is incomplete, not valid JSON, lacks a
     * step, repeats or goes back, or lies past {@code lastStep} ends the prefix.
     */
    public static long validPrefix(Path file, long lastStep) throws IOException {
        long kept = 0, offset = 0, previous = Long.MIN_VALUE;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean tooLong = false;
            for (int b; (b = in.read()) >= 0; ) {
                offset++;
                if (b != '\n') {
                    if (line.size() < MAX_LINE) line.write(b);
                    else tooLong = true;
                    continue;
                }
                Long step = tooLong ? null : step(line.toByteArray());
                if (step == null || step <= previous || step > lastStep) return kept;
                previous = step;
                kept = offset;
                line.reset();
            }
        }
        return kept; // an unterminated last line is never kept
    }

    /** The "step" of one line, or null when the line is not a JSON object with an integer step. */
    private static Long step(byte[] line) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(line)).toString();
            return Json.parse(text) instanceof Map<?, ?> m && m.get("step") instanceof Long s ? s : null;
        } catch (Json.ParseException | CharacterCodingException e) {
            return null;
        }
    }

    public void write(Map<String, Object> record) {
        try {
            out.write(Json.write(record));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
