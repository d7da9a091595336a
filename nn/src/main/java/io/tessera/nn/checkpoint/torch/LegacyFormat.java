// torch.save's format before 1.6 (still written with _use_new_zipfile_serialization=False): five
// pickles in a row — the magic number, protocol 1001, system info, the object (storages as
// persistent ids ('storage', type, key, location, numel, view)), the sorted storage keys — then each
// storage as an 8-byte element count and its raw bytes. Nothing protects the bytes (no CRC), so
// every count and size is checked against the file; storage views of the pre-1.0 kind are refused.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.SafeTensors;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a legacy torch file. */
final class LegacyFormat {
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long PROTOCOL = 1001;
    /** The leading pickles are read from at most this many bytes. */
    static final int MAX_PICKLES = 64 << 20;

    private LegacyFormat() {
    }

    /** True when {@code head} starts like a legacy file: PROTO 2, LONG1 of 10 bytes (the magic number). */
    static boolean looksLegacy(byte[] head) {
        return head.length >= 4 && (head[0] & 0xff) == 0x80 && head[1] == 2 && (head[2] & 0xff) == 0x8a && head[3] == 10;
    }

    /** The object of the file, with every tensor materialised; {@code views} receives the tensors' views. */
    static Object read(Path path, FileChannel ch, List<TorchTensor.View> views) throws IOException {
        long size = ch.size();
        byte[] buf = new byte[(int) Math.min(size, MAX_PICKLES)];
        TorchCheckpoint.readFully(path, ch, ByteBuffer.wrap(buf), 0);
        RestrictedUnpickler.Storages none = (pid, at) -> {
            throw new CheckpointFormatException(path, at, "a storage in the file's header pickles");
        };
        RestrictedUnpickler.Result magic = new RestrictedUnpickler(path, buf, 0, buf.length, 0, "legacy header: ", none, views).load();
        if (!MAGIC.equals(toBig(magic.value()))) throw new CheckpointFormatException(path, 0, "not a torch legacy file (wrong magic number)");
        RestrictedUnpickler.Result proto = new RestrictedUnpickler(path, buf, magic.end(), buf.length, magic.end(), "legacy header: ", none, views).load();
        if (!Long.valueOf(PROTOCOL).equals(proto.value())) {
            throw new CheckpointFormatException(path, magic.end(), "legacy protocol version " + proto.value() + " (1001 is read)");
        }
        RestrictedUnpickler.Result info = new RestrictedUnpickler(path, buf, proto.end(), buf.length, proto.end(), "legacy header: ", none, views).load();
        boolean little = littleEndian(path, info.value(), proto.end());
        Map<String, TorchStorage> storages = new LinkedHashMap<>();
        RestrictedUnpickler.Result main = new RestrictedUnpickler(path, buf, info.end(), buf.length, info.end(), "pickle: ",
                (pid, at) -> resolve(path, pid, at, storages), views).load();
        RestrictedUnpickler.Result keys = new RestrictedUnpickler(path, buf, main.end(), buf.length, main.end(), "storage keys: ", none, views).load();
        readStorages(path, ch, keyList(path, keys.value(), main.end(), storages), keys.end(), storages, little, views);
        return main.value();
    }

    private static boolean littleEndian(Path path, Object info, long at) {
        if (!(info instanceof Pickled.PyDict d)) throw new CheckpointFormatException(path, at, "legacy system info is a " + Pickled.typeName(info) + ", not a dict");
        Object le = d.get("little_endian");
        if (le == null) return true;
        if (!(le instanceof Boolean b)) throw new CheckpointFormatException(path, at, "legacy system info's little_endian is not a bool");
        return b;
    }

    private static TorchStorage resolve(Path path, Pickled.PyTuple pid, long at, Map<String, TorchStorage> storages) {
        if (pid.size() != 6) throw new CheckpointFormatException(path, at, "legacy storage id of " + pid.size() + " items (6 expected)");
        if (pid.get(5) != null) {
            throw new CheckpointFormatException(path, at, "legacy storage views (torch before 1.0) are not supported; load the file in PyTorch and save it again");
        }
        return TorchCheckpoint.storage(path, pid, at, storages);
    }

    private static List<String> keyList(Path path, Object v, long at, Map<String, TorchStorage> storages) {
        if (!(v instanceof Pickled.PyList l)) throw new CheckpointFormatException(path, at, "legacy storage key list is a " + Pickled.typeName(v) + ", not a list");
        List<String> keys = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Object o : l.items()) {
            if (!(o instanceof String k) || !storages.containsKey(k) || !seen.add(k)) {
                throw new CheckpointFormatException(path, at, "legacy storage key list names " + (o instanceof String s ? "'" + TorchGlobals.shown(s) + "'" : Pickled.typeName(o))
                        + ", which is not a storage of the pickle or is listed twice");
            }
            keys.add(k);
        }
        if (keys.size() != storages.size()) {
            throw new CheckpointFormatException(path, at, "legacy storage key list names " + keys.size() + " of the pickle's " + storages.size() + " storages");
        }
        return keys;
    }

    private static void readStorages(Path path, FileChannel ch, List<String> keys, long start, Map<String, TorchStorage> storages, boolean little,
                                     List<TorchTensor.View> views) throws IOException {
        long size = ch.size(), at = start;
        for (String key : keys) {
            TorchStorage st = storages.get(key);
            if (size - at < 8) throw new CheckpointFormatException(path, at, "file ends before storage " + TorchGlobals.shown(key));
            ByteBuffer count = ByteBuffer.allocate(8).order(little ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            TorchCheckpoint.readFully(path, ch, count, at);
            long n = count.getLong(0);
            if (n != st.numel) throw new CheckpointFormatException(path, at, "storage " + TorchGlobals.shown(key) + " has " + n + " elements in the file, its pickle says " + st.numel);
            at += 8;
            long bytes = st.bytes();
            if (bytes > SafeTensors.MAX_TENSOR_BYTES || bytes > size - at) {
                throw new CheckpointFormatException(path, at, "storage " + TorchGlobals.shown(key) + " of " + bytes + " bytes runs past the end of the " + size + "-byte file");
            }
            st.fileOffset = at;
            at += bytes;
        }
        if (at != size) throw new CheckpointFormatException(path, at, (size - at) + " bytes after the last storage (a truncated or altered file?)");
        TorchCheckpoint.checkBudget(path, views);
        for (String key : keys) {
            TorchStorage st = storages.get(key);
            byte[] data = new byte[(int) st.bytes()];
            TorchCheckpoint.readFully(path, ch, ByteBuffer.wrap(data), st.fileOffset);
            if (!little) TorchStorage.swapBytes(data, st.type.dtype.bytes());
            st.setData(data);
        }
    }

    private static BigInteger toBig(Object v) {
        if (v instanceof Long l) return BigInteger.valueOf(l);
        return v instanceof BigInteger b ? b : null;
    }
}
