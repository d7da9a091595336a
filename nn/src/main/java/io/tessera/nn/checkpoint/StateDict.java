// A state dict as a file holds it, whatever the file's format: the named tensors of a safetensors
// file, or the dict at a key path of a PyTorch .pth/.pt file (zip or legacy), chosen by the file's
// first bytes, never by its name. Not a model: matching names and shapes to a ParameterStore is
// StoreCheckpoint's job.
package io.tessera.nn.checkpoint;

import io.tessera.nn.checkpoint.torch.TorchCheckpoint;
import io.tessera.nn.checkpoint.torch.TorchTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Named tensors read from one file, in the file's order, with where each one's bytes lie in the
 * file (for messages that name a byte offset).
 */
public record StateDict(Path source, Format format, List<String> keyPath, List<Entry> entries, Map<String, String> metadata) {
    /** The file formats a state dict is read from. */
    public enum Format {
        SAFETENSORS, TORCH_ZIP, TORCH_LEGACY
    }

    /**
     * One tensor and the file offset of its first element; {@code contiguousInFile} says whether
     * element i lies at {@code fileOffset + i·bytes} (false for a view saved as it is).
     */
    public record Entry(StTensor tensor, long fileOffset, boolean contiguousInFile) {
        public Entry {
            if (tensor == null) throw new IllegalArgumentException("state dict entry without a tensor");
        }
    }

    /**
     * Where a .pth file's state dict lies: a path of dict keys from the top level ({@code []}: the
     * top level itself), or {@link #AUTO}: {@code ["model"]} when the top level holds a dict
     * under "model" (MAE, RC-MAE and LUT checkpoints), else the top level.
     */
    public record KeyPath(List<String> keys, boolean auto) {
        public static final KeyPath AUTO = new KeyPath(List.of(), true);
        public static final KeyPath TOP = new KeyPath(List.of(), false);

        public KeyPath {
            keys = List.copyOf(keys);
            if (auto && !keys.isEmpty()) throw new IllegalArgumentException("an automatic key path has no keys, got " + keys);
            for (String k : keys) if (k.isEmpty()) throw new IllegalArgumentException("empty key in key path " + keys);
        }

        /** The explicit path {@code keys}. */
        public static KeyPath of(String... keys) {
            return new KeyPath(Arrays.asList(keys), false);
        }

        /** "model/encoder" → ["model", "encoder"]; "" → the top level. */
        public static KeyPath parse(String text) {
            return text.isEmpty() ? TOP : new KeyPath(Arrays.asList(text.split("/", -1)), false);
        }

        @Override
        public String toString() {
            return auto ? "auto" : keys.isEmpty() ? "top level" : String.join("/", keys);
        }
    }

    public StateDict {
        entries = List.copyOf(entries);
        keyPath = List.copyOf(keyPath);
        metadata = Map.copyOf(metadata);
    }

    /** {@link #read(Path, KeyPath)} with {@link KeyPath#AUTO}. */
    public static StateDict read(Path path) throws IOException {
        return read(path, KeyPath.AUTO);
    }

    /**
     * Reads a safetensors file or the state dict at {@code keys} of a PyTorch file. Throws a
     * {@link CheckpointFormatException} (an {@link UnsafePickleException}
     * for a pickle that names more than tensors and plain data) naming the file and byte offset.
     */
    public static StateDict read(Path path, KeyPath keys) throws IOException {
        TorchCheckpoint.Format f = TorchCheckpoint.detect(head(path));
        if (f == null) {
            if (!keys.auto() && !keys.keys().isEmpty()) {
                throw new IllegalArgumentException("key path " + keys + " given for " + path + ", a safetensors file, whose tensors are not nested");
            }
            return of(path, SafeTensors.read(path, false));
        }
        TorchCheckpoint c = TorchCheckpoint.read(path);
        List<String> k = keys.auto() ? c.defaultKeys() : keys.keys();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, TorchTensor> e : c.stateDict(k).entrySet()) {
            TorchTensor t = e.getValue();
            entries.add(new Entry(t.toStTensor(e.getKey()), t.fileOffset(), t.contiguousInStorage()));
        }
        return new StateDict(path, f == TorchCheckpoint.Format.ZIP ? Format.TORCH_ZIP : Format.TORCH_LEGACY, k, entries, Map.of());
    }

    /** A safetensors file already read. */
    static StateDict of(Path path, SafeTensors.Read read) {
        List<Entry> entries = new ArrayList<>();
        long off = read.dataStart();
        for (StTensor t : read.contents().tensors()) {
            entries.add(new Entry(t, off, true));
            off += t.data().length;
        }
        return new StateDict(path, Format.SAFETENSORS, List.of(), entries, read.contents().metadata());
    }

    /** The tensors in file order. */
    public List<StTensor> tensors() {
        return entries.stream().map(Entry::tensor).toList();
    }

    /** A tensor by name, or null. */
    public StTensor get(String name) {
        for (Entry e : entries) if (e.tensor().name().equals(name)) return e.tensor();
        return null;
    }

    private static byte[] head(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(4, ch.size()));
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill
            }
            return Arrays.copyOf(b.array(), b.position());
        }
    }
}
