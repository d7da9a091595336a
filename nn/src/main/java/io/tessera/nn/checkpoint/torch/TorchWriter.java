// Writes a state dict of tensors in torch.save's zip format: archive/data.pkl (a protocol-2 pickle
// of an OrderedDict whose values are _rebuild_tensor_v2 calls on persistent-id storages, nested in
// plain dicts when asked), archive/byteorder, archive/data/N (one record per tensor, its data
// 64-byte aligned as torch aligns it), archive/version; zip64 records when sizes need them. Only
// tensors: no other Python object can be written, so every file it makes loads with weights_only=True.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.StTensor;
import io.tessera.tensor.io.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/** The .pth writer behind {@link TorchCheckpoint#write}. */
final class TorchWriter {
    static final String FOLDER = "archive/";
    private static final int ALIGN = 64;
    private static final long LIMIT32 = 0xffffffffL;

    private TorchWriter() {
    }

    private record Record(String name, byte[] data, int crc) {
    }

    private record Written(Record r, long offset, boolean zip64) {
    }

    /** Writes the file; {@code forceZip64} writes zip64 records even for small files (for tests). */
    static void write(Path path, List<StTensor> tensors, List<String> nestUnder, boolean forceZip64) throws IOException {
        Set<String> names = new HashSet<>();
        for (StTensor t : tensors) if (!names.add(t.name())) throw new IllegalArgumentException("duplicate tensor name \"" + t.name() + "\" for " + path);
        for (String k : nestUnder) if (k == null) throw new IllegalArgumentException("null key in nestUnder for " + path);
        List<Record> records = new ArrayList<>();
        records.add(record("data.pkl", pickle(tensors, nestUnder)));
        records.add(record("byteorder", "little".getBytes(StandardCharsets.US_ASCII)));
        for (int i = 0; i < tensors.size(); i++) records.add(record("data/" + i, tensors.get(i).data()));
        records.add(record("version", "3\n".getBytes(StandardCharsets.US_ASCII)));
        AtomicFiles.write(path, ch -> writeZip(ch, records, forceZip64));
    }

    private static Record record(String name, byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return new Record(FOLDER + name, data, (int) crc.getValue());
    }

    // ---- pickle ----

    /** The protocol-2 pickle of {nestUnder[0]: {… OrderedDict(name → tensor) …}}. */
    static byte[] pickle(List<StTensor> tensors, List<String> nestUnder) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        for (String k : nestUnder) {
            p.write('}');
            string(p, k);
        }
        global(p, "collections", "OrderedDict");
        p.write(')');
        p.write('R');
        for (int start = 0; start < tensors.size(); start += 1000) {
            p.write('(');
            for (int i = start; i < Math.min(tensors.size(), start + 1000); i++) {
                string(p, tensors.get(i).name());
                tensor(p, tensors.get(i), i);
            }
            p.write('u');
        }
        for (int i = 0; i < nestUnder.size(); i++) p.write('s');
        p.write('.');
        return p.toByteArray();
    }

    /** _rebuild_tensor_v2(storage, 0, size, contiguous stride, False, OrderedDict()). */
    private static void tensor(ByteArrayOutputStream p, StTensor t, int key) {
        global(p, "torch._utils", "_rebuild_tensor_v2");
        p.write('(');
        p.write('(');
        string(p, "storage");
        global(p, "torch", StorageType.of(t.dtype()).className);
        string(p, Integer.toString(key));
        string(p, "cpu");
        integer(p, t.elements());
        p.write('t');
        p.write('Q');
        integer(p, 0);
        long[] shape = t.shape(), stride = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = s;
            s *= Math.max(shape[d], 1);
        }
        tuple(p, shape);
        tuple(p, stride);
        p.write(0x89);
        global(p, "collections", "OrderedDict");
        p.write(')');
        p.write('R');
        p.write('t');
        p.write('R');
    }

    private static void tuple(ByteArrayOutputStream p, long[] v) {
        if (v.length == 0) {
            p.write(')');
            return;
        }
        if (v.length > 3) p.write('(');
        for (long x : v) integer(p, x);
        p.write(switch (v.length) {
            case 1 -> 0x85;
            case 2 -> 0x86;
            case 3 -> 0x87;
            default -> 't';
        });
    }

    private static void integer(ByteArrayOutputStream p, long v) {
        if (v >= 0 && v < 256) {
            p.write('K');
            p.write((int) v);
        } else if (v >= 0 && v < 65536) {
            p.write('M');
            p.write((int) v & 0xff);
            p.write((int) (v >>> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            p.write('J');
            p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            p.write(0x8a);
            p.write(8);
            p.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }
    }

    private static void string(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        p.writeBytes(b);
    }

    private static void global(ByteArrayOutputStream p, String module, String name) {
        p.write('c');
        p.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    // ---- zip ----

    private static void writeZip(FileChannel ch, List<Record> records, boolean forceZip64) throws IOException {
        long offset = 0;
        List<Written> written = new ArrayList<>();
        for (Record r : records) {
            boolean z64 = forceZip64 || r.data.length >= LIMIT32 || offset >= LIMIT32;
            byte[] name = r.name.getBytes(StandardCharsets.UTF_8);
            int fixed = 30 + name.length + (z64 ? 20 : 0) + 4;
            int pad = (int) ((ALIGN - (offset + fixed) % ALIGN) % ALIGN);
            ByteBuffer h = ByteBuffer.allocate(fixed + pad).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(ZipArchive.LOCAL).putShort((short) (z64 ? 45 : 20)).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0x21).putInt(r.crc)
                    .putInt(z64 ? -1 : r.data.length).putInt(z64 ? -1 : r.data.length)
                    .putShort((short) name.length).putShort((short) (fixed + pad - 30 - name.length)).put(name);
            if (z64) h.putShort((short) 1).putShort((short) 16).putLong(r.data.length).putLong(r.data.length);
            h.putShort((short) 0x4246).putShort((short) pad); // torch's "FB" padding field
            while (h.hasRemaining()) h.put((byte) 'Z');
            AtomicFiles.writeFully(ch, h.flip());
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(r.data));
            written.add(new Written(r, offset, z64));
            offset += fixed + pad + r.data.length;
        }
        long dirOffset = offset;
        for (Written w : written) offset += central(ch, w, forceZip64);
        end(ch, written.size(), dirOffset, offset - dirOffset, forceZip64);
    }

    private static int central(FileChannel ch, Written w, boolean force) throws IOException {
        byte[] name = w.r.name.getBytes(StandardCharsets.UTF_8);
        boolean z64 = force || w.zip64 || w.offset >= LIMIT32;
        ByteBuffer c = ByteBuffer.allocate(46 + name.length + (z64 ? 28 : 0)).order(ByteOrder.LITTLE_ENDIAN);
        c.putInt(ZipArchive.CENTRAL).putShort((short) (z64 ? 45 : 20)).putShort((short) (z64 ? 45 : 20)).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0x21).putInt(w.r.crc)
                .putInt(z64 ? -1 : w.r.data.length).putInt(z64 ? -1 : w.r.data.length)
                .putShort((short) name.length).putShort((short) (z64 ? 28 : 0)).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putInt(0).putInt(z64 ? -1 : (int) w.offset).put(name);
        if (z64) c.putShort((short) 1).putShort((short) 24).putLong(w.r.data.length).putLong(w.r.data.length).putLong(w.offset);
        AtomicFiles.writeFully(ch, c.flip());
        return c.limit();
    }

    private static void end(FileChannel ch, int count, long dirOffset, long dirSize, boolean force) throws IOException {
        boolean z64 = force || count >= 0xffff || dirOffset >= LIMIT32 || dirSize >= LIMIT32;
        ByteBuffer e = ByteBuffer.allocate((z64 ? 56 + 20 : 0) + 22).order(ByteOrder.LITTLE_ENDIAN);
        if (z64) {
            long end64 = dirOffset + dirSize;
            e.putInt(ZipArchive.END64).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(count).putLong(count).putLong(dirSize).putLong(dirOffset);
            e.putInt(ZipArchive.LOCATOR64).putInt(0).putLong(end64).putInt(1);
        }
        e.putInt(ZipArchive.END).putShort((short) 0).putShort((short) 0)
                .putShort((short) (z64 ? -1 : count)).putShort((short) (z64 ? -1 : count))
                .putInt(z64 ? -1 : (int) dirSize).putInt(z64 ? -1 : (int) dirOffset).putShort((short) 0);
        AtomicFiles.writeFully(ch, e.flip());
    }
}
