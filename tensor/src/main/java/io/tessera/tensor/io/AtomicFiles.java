// The one atomic file write of the code base: write a temporary file beside the target, force it
// to disk, rename it over the target, then force the directory so the rename itself survives a
// crash. Readers see the old file or the new one, never a mixture. Not a lock: two writers of
// the same target simply race, and the last rename wins.
package io.tessera.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Atomic replacement of a file's contents. The temporary file is {@code .NAME.<random>.tmp} in
 * the target's directory, created like any other new file (permissions 0666 minus the process
 * umask, so group-readable under the usual umask 022 or 002, unlike {@code Files.createTempFile}'s
 * 0600). An interrupted write leaves at most that temporary file, which
 * {@link #removeTemporaries} deletes on the owner's next start.
 */
public final class AtomicFiles {
    /** Suffix of the temporary files this class creates. */
    public static final String TEMP_SUFFIX = ".tmp";

    private AtomicFiles() {
    }

    /** Writes the whole body of a file to an open channel positioned at 0. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Replaces {@code target} atomically with what {@code body} writes: temporary file, channel
     * forced, rename over the target (atomic where the file system supports it), directory
     * forced. Creates missing parent directories. On failure the target is unchanged and the
     * temporary file is removed.
     */
    public static void write(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = createTemporary(dir, target.getFileName().toString());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                body.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@link #write(Path, Body)} of a byte array. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    /** {@link #write(Path, Body)} of UTF-8 text. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes every remaining byte of {@code b}. */
    public static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** True when {@code name} is a temporary file of a write of a file whose name starts with {@code targetPrefix}. */
    public static boolean isTemporary(String name, String targetPrefix) {
        return name.startsWith("." + targetPrefix) && name.endsWith(TEMP_SUFFIX);
    }

    /**
     * Deletes the temporary files that interrupted writes of targets named {@code targetPrefix…}
     * left in {@code dir}; returns how many. Only the owner of those targets may call this (a
     * writer still running would lose its temporary file).
     */
    public static int removeTemporaries(Path dir, String targetPrefix) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        int n = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> isTemporary(p.getFileName().toString(), targetPrefix))) {
            for (Path p : s) if (Files.isRegularFile(p) && Files.deleteIfExists(p)) n++;
        }
        return n;
    }

    private static Path createTemporary(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            Path tmp = dir.resolve("." + name + "." + random + TEMP_SUFFIX);
            try {
                // CREATE_NEW without explicit attributes: the file gets 0666 & ~umask, like any new file
                FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 16) throw e;
            }
        }
    }

    /**
     * Forces a directory's entries to disk (fsync of the directory), which makes a rename into it
     * durable. File systems that cannot open a directory for reading (not POSIX ones) are skipped.
     */
    static void forceDirectory(Path dir) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) throw e;
            return;
        }
        try (ch) {
            ch.force(true);
        }
    }
}
