/*
 * The on-disk half of the compiled-program cache: device binaries stored under a directory,
 * one file per key, where the key is the SHA-256 of the dialect, the assembled source, the
 * compiler options (defines included) and the device's identity. Each file holds a magic
 * word, the payload's SHA-256 and the payload, so a truncated or damaged file is a miss and
 * never reaches a driver; the device then rebuilds from source. Writes go through the code
 * base's one atomic write ({@link AtomicFiles}: temporary file, fsync, rename), so concurrent
 * builders and readers never see half a binary. The in-memory half (built programs per device)
 * lives with the device.
 */
package io.tessera.gpu;

import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/** A directory of compiled kernel binaries keyed by content hash; or no directory (memory only). */
public final class ProgramCache {
    private final Path directory;

    private ProgramCache(Path directory) {
        this.directory = directory;
    }

    /** A cache that keeps nothing on disk. */
    public static ProgramCache memoryOnly() {
        return new ProgramCache(null);
    }

    /** A cache under {@code directory} (created when first written). */
    public static ProgramCache onDisk(Path directory) {
        return new ProgramCache(directory);
    }

    /** The conventional place: {@code ~/.cache/tessera/kernels}. */
    public static Path defaultDirectory() {
        return Path.of(System.getProperty("user.home"), ".cache", "tessera", "kernels");
    }

    /** The directory, when the cache keeps binaries on disk. */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /** key = hex(SHA-256(dialect ␀ options ␀ device ␀ source)). */
    public static String key(Dialect dialect, String source, String options, String deviceIdentity) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[]{dialect.name(), options, deviceIdentity, source}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The stored binary for {@code key}, if any; a damaged file counts as absent and is deleted. */
    public Optional<byte[]> load(String key) {
        if (directory == null) return Optional.empty();
        byte[] file;
        try {
            file = Files.readAllBytes(file(key));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("reading cached kernel binary " + file(key), e);
        }
        Optional<byte[]> payload = unwrap(file);
        if (payload.isEmpty()) evict(key);
        return payload;
    }

    private static final byte[] MAGIC = "TSRKBIN1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 32;

    private static byte[] wrap(byte[] payload) {
        byte[] out = new byte[HEADER + payload.length];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        System.arraycopy(sha256(payload), 0, out, MAGIC.length, 32);
        System.arraycopy(payload, 0, out, HEADER, payload.length);
        return out;
    }

    private static Optional<byte[]> unwrap(byte[] file) {
        if (file.length <= HEADER || !Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) return Optional.empty();
        byte[] payload = Arrays.copyOfRange(file, HEADER, file.length);
        boolean intact = Arrays.equals(file, MAGIC.length, HEADER, sha256(payload), 0, 32);
        return intact ? Optional.of(payload) : Optional.empty();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * Stores {@code binary} under {@code key} atomically ({@link AtomicFiles#write(Path, byte[])}):
     * a reader sees the previous entry or the new one, never part of it. An empty binary is not stored.
     */
    public void store(String key, byte[] binary) {
        if (directory == null || binary.length == 0) return;
        try {
            AtomicFiles.write(file(key), wrap(binary));
        } catch (IOException e) {
            throw new UncheckedIOException("writing cached kernel binary " + file(key), e);
        }
    }

    /** Deletes a stored binary (one the runtime rejected). */
    public void evict(String key) {
        if (directory == null) return;
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            throw new UncheckedIOException("deleting cached kernel binary " + file(key), e);
        }
    }

    private Path file(String key) {
        return directory.resolve(key + ".bin");
    }
}
