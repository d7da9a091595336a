// The zip container of torch.save (format 1.6+): stored (uncompressed) records under one top-level
// folder ("archive/" or the file's stem), found through the central directory (zip64 included).
// Everything is bounded before it is read: the directory by the file, each record by the bytes
// between its header and the directory, records may not overlap, and every record read is checked
// against its CRC-32. Not a general zip reader: compressed, encrypted or multi-disk archives are refused.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.SafeTensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/** The records of a torch zip file, by name relative to its top-level folder. */
final class ZipArchive {
    static final int LOCAL = 0x04034b50, CENTRAL = 0x02014b50, END = 0x06054b50, END64 = 0x06064b50, LOCATOR64 = 0x07064b50;
    /** Largest central directory accepted (a torch file has a few records per tensor). */
    static final long MAX_DIRECTORY = 64L << 20;

    /** A stored record: where its bytes are, how many, and their CRC-32. */
    record Entry(String name, long headerOffset, long dataOffset, long size, int crc) {
        long dataEnd() {
            return dataOffset + size;
        }
    }

    private final Path path;
    private final FileChannel ch;
    private final String prefix;
    private final Map<String, Entry> byName;

    private ZipArchive(Path path, FileChannel ch, String prefix, Map<String, Entry> byName) {
        this.path = path;
        this.ch = ch;
        this.prefix = prefix;
        this.byName = byName;
    }

    /** The top-level folder, with its slash ("archive/"). */
    String prefix() {
        return prefix;
    }

    /** The record {@code prefix + name}, or null. */
    Entry get(String name) {
        return byName.get(prefix + name);
    }

    /** True when some record's name starts with {@code prefix + start}. */
    boolean hasRecordUnder(String start) {
        for (String n : byName.keySet()) if (n.startsWith(prefix + start)) return true;
        return false;
    }

    /** Reads a record whole and checks its CRC-32. */
    byte[] read(Entry e) throws IOException {
        if (e.size > SafeTensors.MAX_TENSOR_BYTES) {
            throw new CheckpointFormatException(path, e.dataOffset, "record " + e.name + " of " + e.size + " bytes is larger than one Java array holds");
        }
        byte[] b = new byte[(int) e.size];
        readFully(ByteBuffer.wrap(b), e.dataOffset);
        CRC32 crc = new CRC32();
        crc.update(b);
        if ((int) crc.getValue() != e.crc) {
            throw new CheckpointFormatException(path, e.dataOffset, String.format("record %s fails its CRC-32 check (stored %08x, computed %08x): the file is corrupt",
                    e.name, e.crc, (int) crc.getValue()));
        }
        return b;
    }

    /** Reads the central directory and every local header, checking sizes, names and overlaps. */
    static ZipArchive open(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        ZipArchive probe = new ZipArchive(path, ch, "", Map.of());
        long[] dir = probe.directory(size);
        long dirOffset = dir[0], dirSize = dir[1], count = dir[2];
        ByteBuffer cd = ByteBuffer.allocate((int) dirSize).order(ByteOrder.LITTLE_ENDIAN);
        probe.readFully(cd, dirOffset);
        cd.flip();
        List<Entry> entries = new ArrayList<>();
        Map<String, Entry> byName = new LinkedHashMap<>();
        while (cd.hasRemaining()) {
            long at = dirOffset + cd.position();
            Entry e = probe.centralEntry(cd, at, dirOffset);
            if (byName.put(e.name, e) != null) throw new CheckpointFormatException(path, at, "record " + e.name + " appears twice");
            entries.add(e);
        }
        if (entries.size() != count) {
            throw new CheckpointFormatException(path, dirOffset, "central directory holds " + entries.size() + " records, its end record says " + count);
        }
        if (entries.isEmpty()) throw new CheckpointFormatException(path, dirOffset, "zip archive holds no records");
        checkOverlaps(path, entries, dirOffset);
        return new ZipArchive(path, ch, prefixOf(path, entries), byName);
    }

    /** {offset, size, count} of the central directory, from the end record (zip64 when flagged). */
    private long[] directory(long size) throws IOException {
        int tail = (int) Math.min(size, 22 + 0xffff);
        if (tail < 22) throw new CheckpointFormatException(path, 0, "file of " + size + " bytes is too short for a zip archive");
        ByteBuffer t = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
        readFully(t, size - tail);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (t.getInt(i) == END && (t.getShort(i + 20) & 0xffff) == tail - 22 - i) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) throw new CheckpointFormatException(path, size, "no zip end-of-directory record (truncated file?)");
        long endAt = size - tail + eocd;
        int disk = t.getShort(eocd + 4) & 0xffff, cdDisk = t.getShort(eocd + 6) & 0xffff;
        long count = t.getShort(eocd + 10) & 0xffff, dirSize = t.getInt(eocd + 12) & 0xffffffffL, dirOffset = t.getInt(eocd + 16) & 0xffffffffL;
        long limit = endAt;
        if (count == 0xffff || dirSize == 0xffffffffL || dirOffset == 0xffffffffL) {
            long[] z = zip64(endAt);
            count = z[0];
            dirSize = z[1];
            dirOffset = z[2];
            limit = z[3];
        } else if (disk != 0 || cdDisk != 0) {
            throw new CheckpointFormatException(path, endAt, "multi-disk zip archives are not read");
        }
        if (dirSize > MAX_DIRECTORY || dirOffset > limit || dirSize > limit - dirOffset) {
            throw new CheckpointFormatException(path, endAt, "central directory (offset " + dirOffset + ", " + dirSize + " bytes) lies outside the file's "
                    + limit + " bytes before its end record");
        }
        if (count > dirSize / 46) throw new CheckpointFormatException(path, endAt, count + " records cannot fit a " + dirSize + "-byte central directory");
        return new long[] {dirOffset, dirSize, count};
    }

    /** {count, size, offset, end64 offset} from the zip64 locator just before the end record. */
    private long[] zip64(long endAt) throws IOException {
        if (endAt < 20) throw new CheckpointFormatException(path, endAt, "zip64 fields without a zip64 locator");
        ByteBuffer loc = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        readFully(loc, endAt - 20);
        if (loc.getInt(0) != LOCATOR64) throw new CheckpointFormatException(path, endAt - 20, "zip64 fields without a zip64 locator");
        long at = loc.getLong(8);
        if (at < 0 || at > endAt - 20 - 56) throw new CheckpointFormatException(path, endAt - 20, "zip64 end record offset " + at + " is outside the file");
        ByteBuffer e = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        readFully(e, at);
        if (e.getInt(0) != END64) throw new CheckpointFormatException(path, at, "no zip64 end-of-directory record where the locator points");
        if (e.getInt(16) != 0 || e.getInt(20) != 0) throw new CheckpointFormatException(path, at, "multi-disk zip archives are not read");
        long count = e.getLong(32), dirSize = e.getLong(40), dirOffset = e.getLong(48);
        if (count < 0 || dirSize < 0 || dirOffset < 0) throw new CheckpointFormatException(path, at, "zip64 end record has sizes beyond 2^63");
        return new long[] {count, dirSize, dirOffset, at};
    }

    /** One central-directory record, and its local header checked against it. */
    private Entry centralEntry(ByteBuffer cd, long at, long dirOffset) throws IOException {
        if (cd.remaining() < 46 || cd.getInt(cd.position()) != CENTRAL) throw new CheckpointFormatException(path, at, "bad central directory record");
        int p = cd.position();
        int flags = cd.getShort(p + 8) & 0xffff, method = cd.getShort(p + 10) & 0xffff, crc = cd.getInt(p + 16);
        long csize = cd.getInt(p + 20) & 0xffffffffL, usize = cd.getInt(p + 24) & 0xffffffffL, offset = cd.getInt(p + 42) & 0xffffffffL;
        int nlen = cd.getShort(p + 28) & 0xffff, elen = cd.getShort(p + 30) & 0xffff, clen = cd.getShort(p + 32) & 0xffff;
        int disk = cd.getShort(p + 34) & 0xffff;
        if (46L + nlen + elen + clen > cd.remaining()) throw new CheckpointFormatException(path, at, "central directory record runs past the directory");
        byte[] nameBytes = new byte[nlen];
        cd.position(p + 46).get(nameBytes);
        String name = name(nameBytes, at);
        ByteBuffer extra = cd.slice(p + 46 + nlen, elen).order(ByteOrder.LITTLE_ENDIAN);
        cd.position(p + 46 + nlen + elen + clen);
        long[] big = zip64Extra(extra, usize == 0xffffffffL, csize == 0xffffffffL, offset == 0xffffffffL, at, name);
        usize = big[0] >= 0 ? big[0] : usize;
        csize = big[1] >= 0 ? big[1] : csize;
        offset = big[2] >= 0 ? big[2] : offset;
        if ((flags & 1) != 0) throw new CheckpointFormatException(path, at, "record " + name + " is encrypted");
        if (disk != 0 && disk != 0xffff) throw new CheckpointFormatException(path, at, "multi-disk zip archives are not read");
        if (method != 0 || csize != usize) {
            throw new CheckpointFormatException(path, at, "record " + name + " is compressed (method " + method + "); torch.save stores records uncompressed"
                    + " — re-save the file with torch.save");
        }
        return localEntry(name, nameBytes, offset, usize, crc, dirOffset);
    }

    private Entry localEntry(String name, byte[] nameBytes, long offset, long size, int crc, long dirOffset) throws IOException {
        if (offset > dirOffset - 30) throw new CheckpointFormatException(path, offset, "record " + name + " starts at " + offset + ", past the central directory");
        ByteBuffer lh = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
        readFully(lh, offset);
        if (lh.getInt(0) != LOCAL) throw new CheckpointFormatException(path, offset, "no local header for record " + name + " where the directory points");
        int nlen = lh.getShort(26) & 0xffff, elen = lh.getShort(28) & 0xffff;
        if (nlen != nameBytes.length) throw new CheckpointFormatException(path, offset, "local header of " + name + " names another record");
        long dataOffset = offset + 30 + nlen + elen;
        if (dataOffset > dirOffset || size > dirOffset - dataOffset) {
            throw new CheckpointFormatException(path, offset, "record " + name + " of " + size + " bytes runs into the central directory at " + dirOffset);
        }
        ByteBuffer ln = ByteBuffer.allocate(nlen);
        readFully(ln, offset + 30);
        if (!Arrays.equals(ln.array(), nameBytes)) throw new CheckpointFormatException(path, offset, "local header of " + name + " names another record");
        return new Entry(name, offset, dataOffset, size, crc);
    }

    /** {usize, csize, offset} from a zip64 extra field, -1 for those not flagged. */
    private long[] zip64Extra(ByteBuffer extra, boolean u, boolean c, boolean o, long at, String name) {
        long[] out = {-1, -1, -1};
        if (!u && !c && !o) return out;
        while (extra.remaining() >= 4) {
            int id = extra.getShort() & 0xffff, len = extra.getShort() & 0xffff;
            if (len > extra.remaining()) break;
            if (id == 1) {
                ByteBuffer z = extra.slice(extra.position(), len).order(ByteOrder.LITTLE_ENDIAN);
                boolean[] flagged = {u, c, o};
                for (int i = 0; i < 3; i++) {
                    if (!flagged[i]) continue;
                    if (z.remaining() < 8) throw new CheckpointFormatException(path, at, "zip64 extra field of " + name + " is too short");
                    out[i] = z.getLong();
                    if (out[i] < 0) throw new CheckpointFormatException(path, at, "zip64 size of " + name + " is beyond 2^63");
                }
                return out;
            }
            extra.position(extra.position() + len);
        }
        throw new CheckpointFormatException(path, at, "record " + name + " flags zip64 sizes but has no zip64 extra field");
    }

    private String name(byte[] b, long at) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(path, at, "record name is not valid UTF-8");
        }
    }

    private static void checkOverlaps(Path path, List<Entry> entries, long dirOffset) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::headerOffset));
        for (int i = 0; i + 1 < sorted.size(); i++) {
            Entry a = sorted.get(i), b = sorted.get(i + 1);
            if (a.dataEnd() > b.headerOffset) {
                throw new CheckpointFormatException(path, b.headerOffset, "records " + a.name + " and " + b.name + " overlap");
            }
        }
    }

    /** The common top-level folder of every record ("archive/"), as torch's reader requires. */
    private static String prefixOf(Path path, List<Entry> entries) {
        String first = entries.get(0).name;
        int slash = first.indexOf('/');
        if (slash <= 0) throw new CheckpointFormatException(path, entries.get(0).headerOffset, "record " + first + " is not inside a top-level folder");
        String prefix = first.substring(0, slash + 1);
        for (Entry e : entries) {
            if (!e.name.startsWith(prefix)) {
                throw new CheckpointFormatException(path, e.headerOffset, "record " + e.name + " is outside the archive's folder " + prefix);
            }
        }
        return prefix;
    }

    private void readFully(ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) throw new CheckpointFormatException(path, p, "file ended while being read (shortened by another process?)");
            p += r;
        }
    }
}
