package io.tessera.tests.cli;

import io.tessera.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One run of the command line in this JVM: exit code, standard output and standard error. */
record CliRun(int rc, String out, String err) {

    static CliRun of(String... args) {
        PrintStream savedOut = System.out, savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = Main.execute(args);
            return new CliRun(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    /** The non-blank lines of standard error (progress bars rewrite one line with carriage returns). */
    List<String> errLines() {
        return Arrays.stream(err.split("[\r\n]+")).filter(l -> !l.isBlank()).toList();
    }

    /** Asserts exit code 1 and exactly one line on standard error, "tessera COMMAND: …", and returns that line. */
    String oneErrorLine(String command) {
        assertThat(rc).as("exit code; stderr: %s", err).isEqualTo(1);
        assertThat(errLines()).as("standard error").hasSize(1);
        assertThat(errLines().getFirst()).startsWith("tessera " + command + ": ");
        return errLines().getFirst();
    }
}
