// Where a command writes, checked before any work: an output directory that cannot be created or
// written, or a file path under a regular file, fails at once with one line naming the option,
// instead of after a run or with ImageIO's stack trace. PNGs are written atomically. Not a
// general file API (AtomicFiles does the writing).
package io.tessera.cli;

import io.tessera.tensor.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks and writes of command outputs. */
final class OutputPaths {
    private OutputPaths() {
    }

    /**
     * Creates {@code dir} with its parents and proves it writable by creating and deleting a file
     * in it; refuses with a message that names {@code flag} and the cause.
     */
    static Path requireWritableDirectory(Path dir, String flag) {
        Path abs = dir.toAbsolutePath().normalize();
        String problem = problem(abs);
        if (problem != null) throw new IllegalArgumentException(flag + " " + dir + " cannot be written: " + problem + "; choose another " + flag);
        return abs;
    }

    /** Checks that {@code file} can be written: its directory made and writable, the path itself not a directory. */
    static void requireWritableFile(Path file, String flag) {
        Path abs = file.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) throw new IllegalArgumentException(flag + " " + file + " is a directory; give a file name such as " + file.resolve("out.png"));
        String problem = abs.getParent() == null ? "it has no directory" : problem(abs.getParent());
        if (problem != null) throw new IllegalArgumentException(flag + " " + file + " cannot be written: " + problem + "; choose another " + flag);
    }

    /** Why {@code dir} cannot be made and written into, or null when it can. */
    private static String problem(Path dir) {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) return p + " is a file, not a directory";
        }
        try {
            Files.createDirectories(dir);
            Files.delete(Files.createTempFile(dir, ".tessera-write-check", ".tmp"));
            return null;
        } catch (IOException e) {
            return Main.describe(e);
        }
    }

    /** Writes {@code img} as a PNG file, atomically (the old file or the new one, never a part). */
    static void writePng(BufferedImage img, Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bytes)) throw new IOException("no PNG writer in this Java runtime");
        AtomicFiles.write(file, bytes.toByteArray());
    }
}
