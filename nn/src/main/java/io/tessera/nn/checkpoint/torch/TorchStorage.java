// One storage of a torch file, as a persistent id names it: its key (the zip record data/KEY, or the
// legacy key), class and element count. Its bytes are read once, after the whole pickle has been
// checked, and shared by every tensor that views it. Not a tensor: views live in TorchTensor.
package io.tessera.nn.checkpoint.torch;

/** A storage: key, type, element count, device string, and (once read) its little-endian bytes. */
final class TorchStorage {
    final String key;
    final StorageType type;
    final long numel;
    final String location;
    /** Byte offset of the storage's first byte in the file, once known (for messages). */
    long fileOffset = -1;
    private byte[] data;

    TorchStorage(String key, StorageType type, long numel, String location) {
        this.key = key;
        this.type = type;
        this.numel = numel;
        this.location = location;
    }

    long bytes() {
        return numel * type.dtype.bytes();
    }

    /** Sets the storage's bytes (little-endian, exactly {@link #bytes()} of them). */
    void setData(byte[] d) {
        if (d.length != bytes()) throw new IllegalStateException("storage " + key + ": " + d.length + " bytes for " + bytes());
        data = d;
    }

    byte[] data() {
        if (data == null) throw new IllegalStateException("storage " + key + " has not been read");
        return data;
    }

    /** Reverses the bytes of every element (a big-endian file). */
    static void swapBytes(byte[] b, int width) {
        if (width == 1) return;
        for (int i = 0; i + width <= b.length; i += width) {
            for (int a = i, z = i + width - 1; a < z; a++, z--) {
                byte t = b[a];
                b[a] = b[z];
                b[z] = t;
            }
        }
    }
}
