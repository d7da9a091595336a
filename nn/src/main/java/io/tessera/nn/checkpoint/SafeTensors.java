package io.tessera.nn.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import io.tessera.tensor.io.AtomicFiles;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a UTF-8
 * JSON header mapping names to {dtype, shape, data_offsets} (plus optional string
 * "__metadata__"), then the raw little-endian tensor bytes. Reading validates everything before
 * returning anything, so a bad file never yields a partly loaded model; writing goes to a
 * temporary file that is synced and then renamed over the target.
 */
public final class SafeTensors {
    /** Largest header accepted (the reference implementation's limit is 100 MB). */
    public static final long MAX_HEADER = 100_000_000L;
    /** Largest tensor accepted, in bytes: what one Java byte array holds. */
    public static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

    private SafeTensors() {
    }

    /** The contents of a file: tensors in data order, and the string metadata. */
    public record Contents(List<StTensor> tensors, Map<String, String> metadata) {
        /** A tensor by name, or null. */
        public StTensor get(String name) {
            for (StTensor t : tensors) if (t.name().equals(name)) return t;
            return null;
        }
    }

    /** Reads and validates a whole file. */
    public static Contents read(Path path) throws IOException {
        return read(path, false).contents();
    }

    /**
     * A file as read, with what verifying it needs: its SHA-256 (lower-case hex, computed over
     * the very bytes that were parsed) and the byte offset of its data section.
     */
    public record Read(Contents contents, String sha256, long dataStart) {
        /** The byte offset in the file of the first byte of tensor {@code index} of {@link Contents#tensors()}. */
        public long offsetOf(int index) {
            long off = dataStart;
            for (int i = 0; i < index; i++) off += contents.tensors().get(i).data().length;
            return off;
        }
    }

    /** Reads and validates a whole file and digests it in the same pass. */
    public static Read readDigested(Path path) throws IOException {
        return read(path, true);
    }

    static Read read(Path path, boolean digest) throws IOException {
        long size;
        MessageDigest md = digest ? sha256() : null;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            size = ch.size();
            if (size < 8) throw new CheckpointFormatException(path, 0, "file of " + size + " bytes is too short for a safetensors header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(path, ch, lenBuf, 0);
            long n = lenBuf.flip().getLong();
            if (n < 2 || n > MAX_HEADER) throw new CheckpointFormatException(path, 0, "header length " + Long.toUnsignedString(n) + " is outside [2, " + MAX_HEADER + "]");
            if (8 + n > size) throw new CheckpointFormatException(path, 0, "header length " + n + " runs past the end of the " + size + "-byte file");
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(path, ch, hb, 8);
            if (md != null) {
                md.update(lenBuf.array());
                md.update(hb.array());
            }
            String header;
            try {
                header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb.flip()).toString();
            } catch (CharacterCodingException e) {
                throw new CheckpointFormatException(path, 8, "header is not valid UTF-8");
            }
            long dataStart = 8 + n;
            Map<?, ?> root = parseRoot(path, header);
            List<Entry> entries = entries(path, root, size - dataStart);
            Map<String, String> metadata = metadata(path, root);
            List<StTensor> tensors = new ArrayList<>(entries.size());
            for (Entry e : entries) { // contiguous and in data order (checked), so this digests the whole file
                ByteBuffer data = ByteBuffer.allocate((int) (e.end - e.begin));
                readFully(path, ch, data, dataStart + e.begin);
                if (md != null) md.update(data.array());
                tensors.add(new StTensor(e.name, e.dtype, e.shape, data.array()));
            }
            Contents c = new Contents(List.copyOf(tensors), metadata);
            return new Read(c, md == null ? null : HexFormat.of().formatHex(md.digest()), dataStart);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private record Entry(String name, StDType dtype, long[] shape, long begin, long end) {
    }

    private static Map<?, ?> parseRoot(Path path, String header) {
        Object root;
        try {
            root = Json.parse(header);
        } catch (Json.ParseException e) {
            throw new CheckpointFormatException(path, 8 + e.position(), "header is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> map)) throw new CheckpointFormatException(path, 8, "header is not a JSON object");
        return map;
    }

    private static List<Entry> entries(Path path, Map<?, ?> map, long dataSize) {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> me : map.entrySet()) {
            String name = (String) me.getKey();
            if (name.equals("__metadata__")) continue;
            if (!(me.getValue() instanceof Map<?, ?> info)) throw new CheckpointFormatException(path, 8, "entry \"" + name + "\" is not an object");
            Object dt = info.get("dtype");
            StDType dtype = dt instanceof String s ? StDType.byName(s) : null;
            if (dtype == null) throw new CheckpointFormatException(path, 8, "entry \"" + name + "\" has unknown dtype " + dt);
            long[] shape = longs(path, name, "shape", info.get("shape"), -1);
            long[] off = longs(path, name, "data_offsets", info.get("data_offsets"), 2);
            if (off[0] > off[1] || off[1] > dataSize) {
                throw new CheckpointFormatException(path, 8, "entry \"" + name + "\" has data_offsets [" + off[0] + ", " + off[1] + "] outside the " + dataSize + "-byte data section");
            }
            long expected;
            try {
                expected = Math.multiplyExact(StTensor.elements(shape), dtype.bytes());
            } catch (ArithmeticException e) {
                throw new CheckpointFormatException(path, 8, "entry \"" + name + "\" has a shape too large to address");
            }
            if (expected > MAX_TENSOR_BYTES) {
                throw new CheckpointFormatException(path, 8, "entry \"" + name + "\" needs " + expected + " bytes, more than one Java array holds ("
                        + MAX_TENSOR_BYTES + ")");
            }
            if (off[1] - off[0] != expected) {
                throw new CheckpointFormatException(path, 8, "entry \"" + name + "\" spans " + (off[1] - off[0]) + " bytes but shape "
                        + java.util.Arrays.toString(shape) + " of " + dtype + " needs " + expected);
            }
            entries.add(new Entry(name, dtype, shape, off[0], off[1]));
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long cursor = 0;
        for (Entry e : entries) {
            if (e.begin < cursor) throw new CheckpointFormatException(path, 8, "entry \"" + e.name + "\" overlaps the previous tensor (starts at " + e.begin + ", previous ends at " + cursor + ")");
            if (e.begin > cursor) throw new CheckpointFormatException(path, 8, "gap of " + (e.begin - cursor) + " unused bytes before entry \"" + e.name + "\"");
            cursor = e.end;
        }
        if (cursor != dataSize) {
            throw new CheckpointFormatException(path, 8 + cursor, "data section has " + dataSize + " bytes but the tensors cover " + cursor + " (truncated or trailing bytes)");
        }
        return entries;
    }

    private static Map<String, String> metadata(Path path, Map<?, ?> root) {
        Object md = root.get("__metadata__");
        Map<String, String> out = new LinkedHashMap<>();
        if (md == null) return out;
        if (!(md instanceof Map<?, ?> m)) throw new CheckpointFormatException(path, 8, "__metadata__ is not an object");
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String v)) throw new CheckpointFormatException(path, 8, "__metadata__ value for \"" + e.getKey() + "\" is not a string");
            out.put((String) e.getKey(), v);
        }
        return out;
    }

    private static long[] longs(Path path, String name, String field, Object v, int expectLen) {
        if (!(v instanceof List<?> l) || (expectLen >= 0 && l.size() != expectLen)) {
            throw new CheckpointFormatException(path, 8, "entry \"" + name + "\" field " + field + " must be a list" + (expectLen >= 0 ? " of " + expectLen + " integers" : " of integers"));
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long x) || x < 0) {
                throw new CheckpointFormatException(path, 8, "entry \"" + name + "\" field " + field + " has a non-integer or negative value " + l.get(i));
            }
            out[i] = x;
        }
        return out;
    }

    private static void readFully(Path path, FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) throw new CheckpointFormatException(path, p, "file ended while being read (shortened by another process?)");
            p += r;
        }
    }

    /**
     * Writes tensors (in the given order) and string metadata atomically through
     * {@link AtomicFiles#write(Path, AtomicFiles.Body)}.
     */
    public static void write(Path path, List<StTensor> tensors, Map<String, String> metadata) throws IOException {
        Set<String> names = new HashSet<>();
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long off = 0;
        for (StTensor t : tensors) {
            if (t.name().equals("__metadata__") || !names.add(t.name())) {
                throw new IllegalArgumentException("duplicate or reserved tensor name \"" + t.name() + "\" for " + path);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", t.dtype().name());
            info.put("shape", t.shape());
            info.put("data_offsets", new long[]{off, off + t.data().length});
            header.put(t.name(), info);
            off += t.data().length;
        }
        byte[] hb = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (hb.length + 7) / 8 * 8; // align the data section to 8 bytes, padding with spaces
        AtomicFiles.write(path, ch -> {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(hb);
            while (head.hasRemaining()) head.put((byte) ' ');
            AtomicFiles.writeFully(ch, head.flip());
            for (StTensor t : tensors) AtomicFiles.writeFully(ch, ByteBuffer.wrap(t.data()));
        });
    }
}
