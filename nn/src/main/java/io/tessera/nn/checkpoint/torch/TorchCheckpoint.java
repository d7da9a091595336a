// PyTorch checkpoint files (.pth / .pt) without Python: the zip format of torch.save since 1.6
// (archive/data.pkl, archive/data/KEY, archive/byteorder when present) and the legacy format before
// it, read through a restricted unpickler that allows what torch.load(weights_only=True) allows for
// dense tensors and refuses everything else by name. The whole file is checked before anything is
// returned (pickle, views against storages, sizes, CRC-32s), so a bad file yields no partial result.
// Writing produces the zip format with a protocol-2 pickle of a state dict of tensors.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.UnsafePickleException;
import io.tessera.nn.checkpoint.StTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A torch file as read: its format and its unpickled object, every tensor materialised. */
public final class TorchCheckpoint {
    /** The two container formats of {@code torch.save}. */
    public enum Format {
        /** torch 1.6 and later: a zip archive of stored records. */
        ZIP,
        /** before 1.6 (or {@code _use_new_zipfile_serialization=False}): pickles followed by raw storages. */
        LEGACY
    }

    /** All tensors together may hold at most this many times the bytes of the storages they view. */
    public static final int MAX_REPEAT = 4;

    private final Path path;
    private final Format format;
    private final Object root;

    private TorchCheckpoint(Path path, Format format, Object root) {
        this.path = path;
        this.format = format;
        this.root = root;
    }

    public Path path() {
        return path;
    }

    public Format format() {
        return format;
    }

    /** The unpickled object: null, Boolean, Long, BigInteger, Double, String or a {@link Pickled} / {@link TorchTensor} value. */
    public Object root() {
        return root;
    }

    /** The format a file's first bytes announce, or null when they are neither torch format. */
    public static Format detect(byte[] head) {
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return Format.ZIP;
        return LegacyFormat.looksLegacy(head) ? Format.LEGACY : null;
    }

    /**
     * Reads a whole torch file. Throws {@link UnsafePickleException} when the pickle names a global
     * or opcode beyond a state dict's needs, and {@link CheckpointFormatException} for every other
     * problem, naming the file and the byte offset.
     */
    public static TorchCheckpoint read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(ch.size(), 4));
            readFully(path, ch, head, 0);
            Format f = detect(head.array());
            if (f == null) throw new CheckpointFormatException(path, 0, "not a PyTorch file (neither a zip archive nor a legacy torch.save pickle)");
            List<TorchTensor.View> views = new ArrayList<>();
            Object root = f == Format.ZIP ? readZip(path, ch, views) : LegacyFormat.read(path, ch, views);
            for (TorchTensor.View v : views) v.materialise();
            return new TorchCheckpoint(path, f, root);
        }
    }

    private static Object readZip(Path path, FileChannel ch, List<TorchTensor.View> views) throws IOException {
        ZipArchive zip = ZipArchive.open(path, ch);
        boolean little = byteOrder(path, zip);
        ZipArchive.Entry pkl = zip.get("data.pkl");
        if (pkl == null) throw new CheckpointFormatException(path, 0, "zip archive has no " + zip.prefix() + "data.pkl (not a torch.save file)");
        byte[] pickle = zip.read(pkl);
        Map<String, TorchStorage> storages = new LinkedHashMap<>();
        Object root;
        try {
            root = new RestrictedUnpickler(path, pickle, 0, pickle.length, pkl.dataOffset(), "data.pkl: ", (pid, at) -> {
                if (pid.size() != 5) throw new CheckpointFormatException(path, at, "data.pkl: storage id of " + pid.size() + " items (5 expected)");
                TorchStorage st = storage(path, pid, at, storages);
                ZipArchive.Entry e = zip.get("data/" + st.key);
                if (e == null) throw new CheckpointFormatException(path, at, "data.pkl: storage " + TorchGlobals.shown(st.key) + " has no record data/" + TorchGlobals.shown(st.key));
                if (e.size() != st.bytes()) {
                    throw new CheckpointFormatException(path, e.dataOffset(), "record " + e.name() + " holds " + e.size() + " bytes, its " + st.numel + " elements of "
                            + st.type + " need " + st.bytes());
                }
                st.fileOffset = e.dataOffset();
                return st;
            }, views).load().value();
        } catch (UnsafePickleException ex) {
            if (!zip.hasRecordUnder("code/") && zip.get("constants.pkl") == null) throw ex;
            throw new UnsafePickleException(path, ex.byteOffset(), ex.refused(), ex.problem()
                    + " (this is a TorchScript archive from torch.jit.save, which holds code; load it in PyTorch and save its state_dict())");
        }
        checkBudget(path, views);
        for (TorchStorage st : storages.values()) {
            byte[] data = zip.read(zip.get("data/" + st.key));
            if (!little) TorchStorage.swapBytes(data, st.type.dtype.bytes());
            st.setData(data);
        }
        return root;
    }

    /** The archive's byte order: {@code byteorder} holds "little" or "big"; files without it are little-endian. */
    private static boolean byteOrder(Path path, ZipArchive zip) throws IOException {
        ZipArchive.Entry e = zip.get("byteorder");
        if (e == null) return true;
        if (e.size() > 16) throw new CheckpointFormatException(path, e.dataOffset(), "byteorder record of " + e.size() + " bytes");
        String s = new String(zip.read(e), StandardCharsets.US_ASCII).strip();
        if (s.equals("little")) return true;
        if (s.equals("big")) return false;
        throw new CheckpointFormatException(path, e.dataOffset(), "byteorder record says '" + TorchGlobals.shown(s) + "' (little or big expected)");
    }

    /**
     * The storage a persistent id names: ('storage', type, key, location, numel, …). A key named
     * twice must name the same type and size.
     */
    static TorchStorage storage(Path path, Pickled.PyTuple pid, long at, Map<String, TorchStorage> storages) {
        if (!(pid.get(1) instanceof StorageType type)) throw new CheckpointFormatException(path, at, "storage id's type is not a storage class");
        if (!(pid.get(2) instanceof String key) || key.isEmpty() || key.length() > 64 || key.contains("/")) {
            throw new CheckpointFormatException(path, at, "storage id's key is not a short str without '/'");
        }
        if (!(pid.get(3) instanceof String location)) throw new CheckpointFormatException(path, at, "storage id's location is not a str");
        if (!(pid.get(4) instanceof Long numel) || numel < 0) throw new CheckpointFormatException(path, at, "storage id's element count is not an int ≥ 0");
        if (numel > Long.MAX_VALUE / 8) throw new CheckpointFormatException(path, at, "storage of " + numel + " elements cannot be addressed");
        TorchStorage known = storages.get(key);
        if (known == null) {
            TorchStorage st = new TorchStorage(key, type, numel, location);
            storages.put(key, st);
            return st;
        }
        if (known.type != type || known.numel != numel) {
            throw new CheckpointFormatException(path, at, "storage " + TorchGlobals.shown(key) + " named as " + known.numel + " × " + known.type + " and as " + numel + " × " + type);
        }
        return known;
    }

    /**
     * Refuses views that together would hold more than {@link #MAX_REPEAT} times the bytes of the
     * storages they view, so a small file cannot expand into gigabytes (stride-0 views, many views
     * of one storage).
     */
    static void checkBudget(Path path, List<TorchTensor.View> views) {
        Map<TorchStorage, Boolean> seen = new IdentityHashMap<>();
        long storageBytes = 0, viewBytes = 0;
        for (TorchTensor.View v : views) {
            if (seen.put(v.storage, Boolean.TRUE) == null) storageBytes += v.storage.bytes();
            viewBytes += v.bytes();
            if (viewBytes > MAX_REPEAT * storageBytes) {
                throw new CheckpointFormatException(path, Math.max(v.storage.fileOffset, 0), "tensors would hold " + viewBytes + " bytes, more than " + MAX_REPEAT
                        + " times the " + storageBytes + " bytes of their storages (expanded or repeated views); save them with .clone() or .contiguous()");
            }
        }
    }

    static void readFully(Path path, FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) throw new CheckpointFormatException(path, p, "file ended while being read (shortened by another process?)");
            p += r;
        }
    }

    /** The key path chosen when none is given: {@code ["model"]} when the top level is a dict holding a dict under "model", else the top level. */
    public List<String> defaultKeys() {
        if (root instanceof Pickled.PyDict d && d.get("model") instanceof Pickled.PyDict) return List.of("model");
        return List.of();
    }

    /**
     * The dict reached from the top level through {@code keys} (each a str key of a dict; empty:
     * the top level) as name → tensor, in the file's order. Throws a
     * {@link CheckpointFormatException} naming the available keys when a step is missing, and the
     * entry when a value is not a tensor or a key not a str.
     */
    public Map<String, TorchTensor> stateDict(List<String> keys) {
        Object at = root;
        List<String> walked = new ArrayList<>();
        for (String k : keys) {
            if (!(at instanceof Pickled.PyDict d)) throw new CheckpointFormatException(path, 0, "entry " + shownPath(walked) + " is a " + Pickled.typeName(at) + ", not a dict");
            if (!d.containsKey(k)) {
                throw new CheckpointFormatException(path, 0, "entry " + shownPath(walked) + " has no key '" + TorchGlobals.shown(k) + "' (keys: " + keyList(d) + ")");
            }
            at = d.get(k);
            walked.add(k);
        }
        if (!(at instanceof Pickled.PyDict d)) throw new CheckpointFormatException(path, 0, "entry " + shownPath(walked) + " is a " + Pickled.typeName(at) + ", not a state dict");
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : d.entries().entrySet()) {
            if (!(e.getKey() instanceof String name)) throw new CheckpointFormatException(path, 0, "entry " + shownPath(walked) + " has a key of type " + Pickled.typeName(e.getKey()));
            if (!(e.getValue() instanceof TorchTensor t)) {
                List<String> deeper = new ArrayList<>(walked);
                deeper.add(name);
                String hint = e.getValue() instanceof Pickled.PyDict ? "try the key path '" + TorchGlobals.shown(String.join("/", deeper)) + "'"
                        : "choose the state dict's key path";
                throw new CheckpointFormatException(path, 0, "entry " + shownPath(walked) + " is not a state dict: '" + TorchGlobals.shown(name) + "' is a "
                        + Pickled.typeName(e.getValue()) + ", not a tensor (keys: " + keyList(d) + "; " + hint + ")");
            }
            out.put(name, t);
        }
        return out;
    }

    private static String shownPath(List<String> walked) {
        return walked.isEmpty() ? "top level" : "'" + TorchGlobals.shown(String.join("/", walked)) + "'";
    }

    private static String keyList(Pickled.PyDict d) {
        List<String> names = new ArrayList<>();
        for (Object k : d.keys()) {
            if (names.size() == 10) {
                names.add("… " + (d.size() - 10) + " more");
                break;
            }
            names.add(k instanceof String s ? TorchGlobals.shown(s) : Pickled.typeName(k));
        }
        return String.join(", ", names);
    }

    /**
     * Writes tensors as a torch zip file ({@code torch.load(path, weights_only=True)} reads it):
     * an OrderedDict of name → tensor, nested in plain dicts under {@code nestUnder} (e.g.
     * {@code ["model"]}, as MAE's fine-tuning code expects), one storage per tensor, protocol 2,
     * written atomically.
     */
    public static void write(Path path, List<StTensor> tensors, List<String> nestUnder) throws IOException {
        TorchWriter.write(path, tensors, nestUnder, false);
    }
}
