// The metrics log's resume rule: the valid prefix up to the resumed step is kept, everything
// from the first repeated, out-of-order, invalid or unterminated line on is cut.
package io.tessera.ssl.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsLogTest {
    @TempDir
    Path dir;

    private static String rec(long step) {
        return "{\"step\":" + step + ",\"loss\":0.5}\n";
    }

    @Test
    void resumeCutsTheLogToTheResumedStepThenAppends() throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        Files.writeString(f, rec(1) + rec(2) + rec(3) + rec(4) + "{\"step\":5,\"lo");
        try (MetricsLog log = MetricsLog.continueAfter(f, 3)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("step", 4L);
            r.put("loss", 0.5);
            log.write(r);
        }
        assertThat(Files.readString(f)).isEqualTo(rec(1) + rec(2) + rec(3) + rec(4));
    }

    @Test
    void theValidPrefixEndsAtTheFirstBadLine() throws IOException {
        Path f = dir.resolve("m.jsonl");
        String head = rec(1) + rec(2);
        for (String tail : new String[] {
                "{\"step\":3,\"lo{\"step\":3,\"loss\":1}\n" + rec(4), // a half line glued to the next record
                rec(2) + rec(3),                                      // a step logged twice
                "[1,2]\n" + rec(3),                                   // not an object
                "{\"loss\":1}\n" + rec(3),                            // no step
                "{\"step\":3.5}\n",                                   // not an integer step
                "{\"step\":3}",                                       // no newline
                rec(9)}) {                                            // past the resumed step
            Files.writeString(f, head + tail);
            assertThat(MetricsLog.validPrefix(f, 5)).as(tail).isEqualTo(head.length());
        }
        Files.write(f, (head + "{\"step\":3,\"x\":\"\u00ff\"}\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(MetricsLog.validPrefix(f, 5)).as("invalid UTF-8").isEqualTo(head.length());
    }

    @Test
    void aNewRunStartsAnEmptyLog() throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        Files.writeString(f, rec(1) + rec(2));
        MetricsLog.continueAfter(f, 0).close();
        assertThat(Files.size(f)).isZero();
        MetricsLog.continueAfter(dir.resolve("fresh/metrics.jsonl"), 7).close();
        assertThat(dir.resolve("fresh/metrics.jsonl")).exists();
    }
}
