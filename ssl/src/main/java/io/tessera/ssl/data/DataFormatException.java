// The typed error for dataset files that are missing, truncated or malformed. It carries the
// path and, where it applies, the byte offset at which the file stopped making sense.
package io.tessera.ssl.data;

import java.nio.file.Path;

/** A dataset file or folder could not be read as the format it claims to be. */
public final class DataFormatException extends RuntimeException {
    private final String path;
    private final long offset;

    /** An error about {@code path} at byte {@code offset} (−1 when no offset applies). */
    public DataFormatException(String path, long offset, String what, Throwable cause) {
        super(path + (offset >= 0 ? " (byte offset " + offset + ")" : "") + ": " + what, cause);
        this.path = path;
        this.offset = offset;
    }

    public DataFormatException(String path, long offset, String what) {
        this(path, offset, what, null);
    }

    public DataFormatException(Path path, long offset, String what) {
        this(path.toString(), offset, what, null);
    }

    public DataFormatException(Path path, String what, Throwable cause) {
        this(path.toString(), -1, what, cause);
    }

    /** The file or folder the error is about. */
    public String path() {
        return path;
    }

    /** The byte offset where reading failed, or −1. */
    public long offset() {
        return offset;
    }
}
