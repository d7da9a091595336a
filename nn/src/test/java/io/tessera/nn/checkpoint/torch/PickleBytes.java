// Hand-made pickles and torch zip archives for the reader's tests: opcodes written one by one,
// so a test can build exactly the malformed or hostile stream it needs; archives written with the
// JDK's zip writer (stored records), so the container is independent of Tessera's own writer.
package io.tessera.nn.checkpoint.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** A pickle under construction. */
final class PickleBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static PickleBytes proto2() {
        PickleBytes p = new PickleBytes();
        p.op(0x80).op(2);
        return p;
    }

    PickleBytes op(int code) {
        out.write(code);
        return this;
    }

    PickleBytes raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    PickleBytes global(String module, String name) {
        op('c');
        return raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    PickleBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        return raw(b);
    }

    PickleBytes integer(long v) {
        if (v >= 0 && v < 256) return op('K').op((int) v);
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }
        op(0x8a).op(8);
        return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    /** A tuple of ints (0 to 3 through the short opcodes, more with MARK … TUPLE). */
    PickleBytes ints(long... v) {
        if (v.length == 0) return op(')');
        if (v.length > 3) op('(');
        for (long x : v) integer(x);
        return op(v.length == 1 ? 0x85 : v.length == 2 ? 0x86 : v.length == 3 ? 0x87 : 't');
    }

    /** An empty OrderedDict: GLOBAL collections.OrderedDict, (), REDUCE. */
    PickleBytes orderedDict() {
        return global("collections", "OrderedDict").op(')').op('R');
    }

    /** The persistent id ('storage', torch.&lt;cls&gt;, key, 'cpu', numel) and BINPERSID. */
    PickleBytes storage(String cls, String key, long numel) {
        op('(').str("storage").global("torch", cls).str(key).str("cpu").integer(numel).op('t');
        return op('Q');
    }

    /** _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()). */
    PickleBytes tensor(String cls, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").op('(');
        storage(cls, key, numel).integer(offset).ints(size).ints(stride).op(0x89).orderedDict();
        return op('t').op('R');
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** A zip archive of stored records {@code folder/name}, in the given order. */
    static void zip(Path path, String folder, Map<String, byte[]> records) throws IOException {
        try (OutputStream os = Files.newOutputStream(path); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                ZipEntry e = new ZipEntry(folder + "/" + r.getKey());
                e.setMethod(ZipEntry.STORED);
                e.setSize(r.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(r.getValue());
                e.setCrc(crc.getValue());
                z.putNextEntry(e);
                z.write(r.getValue());
                z.closeEntry();
            }
        }
    }

    /** A .pth of one pickle and its storages ("data/KEY" → bytes). */
    static Path pth(Path path, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("data.pkl", pickle);
        for (Map.Entry<String, byte[]> s : storages.entrySet()) records.put("data/" + s.getKey(), s.getValue());
        records.put("version", "3\n".getBytes(StandardCharsets.US_ASCII));
        zip(path, "archive", records);
        return path;
    }

    /** Little-endian float32 bytes. */
    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }
}
