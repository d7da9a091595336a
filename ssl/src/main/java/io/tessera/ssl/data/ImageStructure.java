// Structural checks of PNG and JPEG files, run before a decoder sees them, because the JDK's
// decoders do not make them: the PNG reader skips every CRC and tolerates a zlib stream of the
// wrong length; the JPEG reader decodes a truncated file with a warning. Not a decoder: pixels
// are decoded by javax.imageio once a file has passed (see ImageDecoder).
package io.tessera.ssl.data;

import java.util.zip.CRC32;
import java.util.zip.Inflater;

/** Verifies the container of a PNG (chunks, CRCs, IHDR, the zlib stream) or a JPEG (markers, EOI). */
final class ImageStructure {
    /** The 8-byte PNG signature. */
    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private ImageStructure() {
    }

    /** A file's declared size, for the pixel bound before decoding. */
    record Size(long width, long height) {
    }

    static boolean isPng(byte[] b) {
        if (b.length < PNG_SIGNATURE.length) return false;
        for (int i = 0; i < PNG_SIGNATURE.length; i++) if (b[i] != PNG_SIGNATURE[i]) return false;
        return true;
    }

    static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF;
    }

    /**
     * Checks a whole PNG: signature; chunks with lengths inside the file, letter types and valid
     * CRC-32s; IHDR first with a valid size, bit depth, colour type and methods; PLTE for palette
     * images; consecutive IDATs whose zlib stream (Adler-32 checked) inflates to exactly the
     * bytes the header implies; no unknown critical chunk; IEND last with nothing after it.
     *
     * @throws DataFormatException naming {@code path} and the byte offset
     */
    static Size verifyPng(String path, byte[] b, long maxPixels) {
        int pos = PNG_SIGNATURE.length;
        long width = 0, height = 0;
        int colorType = -1, bitDepth = 0, interlace = 0;
        boolean palette = false, idatDone = false, sawIdat = false;
        Inflater inflater = new Inflater();
        long raw = 0, expected = 0;
        byte[] sink = new byte[1 << 15];
        CRC32 crc = new CRC32();
        try {
            for (int index = 0; ; index++) {
                if (b.length - pos < 12) throw bad(path, pos, "truncated PNG: " + (b.length - pos) + " bytes left where a chunk (at least 12) or IEND was expected");
                long length = Integer.toUnsignedLong(readInt(b, pos));
                if (length > b.length - pos - 12L) {
                    throw bad(path, pos, "PNG chunk length " + length + " runs past the end of the " + b.length + "-byte file");
                }
                int n = (int) length, typeAt = pos + 4, dataAt = pos + 8;
                String type = chunkType(path, b, typeAt);
                crc.reset();
                crc.update(b, typeAt, 4 + n);
                long stored = Integer.toUnsignedLong(readInt(b, dataAt + n));
                if (crc.getValue() != stored) {
                    throw bad(path, dataAt + n, String.format("CRC of PNG chunk %s is %08x, the file says %08x (corrupted)", type, crc.getValue(), stored));
                }
                if (index == 0 && !type.equals("IHDR")) throw bad(path, typeAt, "PNG starts with chunk " + type + ", not IHDR");
                if (sawIdat && !type.equals("IDAT")) idatDone = true;
                switch (type) {
                    case "IHDR" -> {
                        if (index != 0) throw bad(path, typeAt, "second IHDR chunk");
                        if (n != 13) throw bad(path, pos, "IHDR has " + n + " bytes, not 13");
                        width = Integer.toUnsignedLong(readInt(b, dataAt));
                        height = Integer.toUnsignedLong(readInt(b, dataAt + 4));
                        bitDepth = b[dataAt + 8] & 0xff;
                        colorType = b[dataAt + 9] & 0xff;
                        interlace = b[dataAt + 12] & 0xff;
                        checkHeader(path, dataAt, width, height, bitDepth, colorType, b[dataAt + 10], b[dataAt + 11], interlace, maxPixels);
                        expected = rawBytes(width, height, bitsPerPixel(colorType, bitDepth), interlace == 1);
                    }
                    case "PLTE" -> {
                        if (sawIdat) throw bad(path, typeAt, "PLTE after IDAT");
                        if (n == 0 || n % 3 != 0 || n > 768) throw bad(path, pos, "PLTE of " + n + " bytes (a multiple of 3 up to 768 is needed)");
                        palette = true;
                    }
                    case "IDAT" -> {
                        if (idatDone) throw bad(path, typeAt, "IDAT chunks are not consecutive");
                        if (colorType == 3 && !palette) throw bad(path, typeAt, "palette image without a PLTE chunk before its IDAT");
                        sawIdat = true;
                        raw = inflate(path, inflater, b, dataAt, n, sink, raw, expected);
                    }
                    case "IEND" -> {
                        if (n != 0) throw bad(path, pos, "IEND has " + n + " data bytes");
                        if (!sawIdat) throw bad(path, typeAt, "PNG has no IDAT chunk");
                        if (!inflater.finished() || raw != expected) {
                            throw bad(path, typeAt, "the IDAT data inflates to " + raw + (inflater.finished() ? "" : "+ (unterminated zlib stream)")
                                    + " bytes, the header implies " + expected + " (truncated or corrupted image data)");
                        }
                        int end = dataAt + 4;
                        if (end != b.length) throw bad(path, end, (b.length - end) + " bytes after the IEND chunk");
                        return new Size(width, height);
                    }
                    default -> {
                        if (Character.isUpperCase(type.charAt(0))) throw bad(path, typeAt, "unknown critical PNG chunk " + type);
                    }
                }
                pos = dataAt + n + 4;
            }
        } finally {
            inflater.end();
        }
    }

    private static long inflate(String path, Inflater inflater, byte[] b, int at, int n, byte[] sink, long raw, long expected) {
        if (inflater.finished()) {
            if (n > 0) throw bad(path, at, "IDAT data continues after the end of the zlib stream");
            return raw;
        }
        inflater.setInput(b, at, n);
        try {
            while (!inflater.needsInput() && !inflater.finished()) {
                int r = inflater.inflate(sink);
                raw += r;
                if (raw > expected) throw bad(path, at, "the IDAT data inflates to more than the " + expected + " bytes the header implies");
                if (r == 0 && inflater.needsDictionary()) throw bad(path, at, "the IDAT zlib stream asks for a preset dictionary");
                if (r == 0 && !inflater.needsInput() && !inflater.finished()) throw bad(path, at, "the IDAT zlib stream makes no progress");
            }
        } catch (java.util.zip.DataFormatException e) {
            throw bad(path, at, "the IDAT zlib stream is corrupted: " + e.getMessage());
        }
        if (inflater.finished() && inflater.getRemaining() > 0) throw bad(path, at, "IDAT data continues after the end of the zlib stream");
        return raw;
    }

    private static void checkHeader(String path, int at, long w, long h, int depth, int colorType, byte compression, byte filter,
                                    int interlace, long maxPixels) {
        if (w == 0 || h == 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw bad(path, at, "PNG size " + w + " × " + h + " (each side must be in [1, 2^31 − 1])");
        }
        if (w * h > maxPixels) throw bad(path, at, "PNG of " + w + " × " + h + " pixels is larger than the " + maxPixels + " accepted");
        boolean ok = switch (colorType) {
            case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
            case 2, 4, 6 -> depth == 8 || depth == 16;
            default -> false;
        };
        if (!ok) throw bad(path, at + 8, "PNG colour type " + colorType + " with bit depth " + depth + " is not a valid combination");
        if (compression != 0 || filter != 0 || interlace > 1) {
            throw bad(path, at + 10, "PNG compression/filter/interlace methods " + compression + "/" + filter + "/" + interlace + " (0/0/0 or 0/0/1 expected)");
        }
    }

    private static int bitsPerPixel(int colorType, int depth) {
        int samples = switch (colorType) {
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> 1;
        };
        return samples * depth;
    }

    /** Filtered bytes of the image: rows of 1 filter byte + ⌈w·bpp/8⌉, per Adam7 pass when interlaced. */
    static long rawBytes(long w, long h, int bpp, boolean interlaced) {
        if (!interlaced) return h * (1 + (w * bpp + 7) / 8);
        int[][] passes = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
        long total = 0;
        for (int[] p : passes) {
            long pw = w > p[0] ? (w - p[0] + p[2] - 1) / p[2] : 0;
            long ph = h > p[1] ? (h - p[1] + p[3] - 1) / p[3] : 0;
            if (pw > 0 && ph > 0) total += ph * (1 + (pw * bpp + 7) / 8);
        }
        return total;
    }

    private static String chunkType(String path, byte[] b, int at) {
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            int v = b[at + i] & 0xff;
            if (!((v >= 'A' && v <= 'Z') || (v >= 'a' && v <= 'z'))) throw bad(path, at, String.format("PNG chunk type byte 0x%02x is not a letter", v));
            c[i] = (char) v;
        }
        return new String(c);
    }

    /**
     * Checks a JPEG's marker structure: SOI; segments whose lengths stay inside the file; a
     * frame header (SOF) with a non-zero size within {@code maxPixels}; at least one scan; the
     * entropy-coded data ending at an EOI marker that is the file's last two bytes (a truncated
     * file has none).
     */
    static Size verifyJpeg(String path, byte[] b, long maxPixels) {
        int pos = 2;
        long width = 0, height = 0;
        boolean scan = false;
        while (true) {
            if (pos >= b.length || (b[pos] & 0xff) != 0xFF) {
                throw bad(path, pos, pos >= b.length ? "truncated JPEG: no EOI marker" : String.format("expected a JPEG marker, found 0x%02x", b[pos] & 0xff));
            }
            while (pos < b.length && (b[pos] & 0xff) == 0xFF) pos++; // fill bytes
            if (pos >= b.length) throw bad(path, pos, "truncated JPEG: no EOI marker");
            int marker = b[pos] & 0xff, at = pos - 1;
            pos++;
            if (marker == 0xD9) {
                if (width == 0 || !scan) throw bad(path, at, "JPEG ends before its " + (width == 0 ? "frame header (SOF)" : "first scan (SOS)"));
                if (pos != b.length) throw bad(path, pos, (b.length - pos) + " bytes after the EOI marker");
                return new Size(width, height);
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue; // no length
            if (marker == 0xD8 || marker == 0x00) throw bad(path, at, String.format("unexpected JPEG marker 0xFF%02X", marker));
            if (b.length - pos < 2) throw bad(path, pos, "truncated JPEG: segment length missing");
            int len = ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
            if (len < 2 || len > b.length - pos) throw bad(path, pos, String.format("JPEG segment 0xFF%02X of %d bytes runs past the end of the file", marker, len));
            if (isFrame(marker)) {
                if (len < 8) throw bad(path, pos, "JPEG frame header of " + len + " bytes");
                height = ((b[pos + 3] & 0xff) << 8) | (b[pos + 4] & 0xff);
                width = ((b[pos + 5] & 0xff) << 8) | (b[pos + 6] & 0xff);
                if (width == 0 || height == 0) throw bad(path, pos + 3, "JPEG size " + width + " × " + height + " (a zero side is not supported)");
                if (width * height > maxPixels) throw bad(path, pos + 3, "JPEG of " + width + " × " + height + " pixels is larger than the " + maxPixels + " accepted");
            }
            pos += len;
            if (marker == 0xDA) { // entropy-coded data up to the next marker that is not a stuffed 0xFF00 or a restart
                if (width == 0) throw bad(path, at, "JPEG scan (SOS) before any frame header (SOF)");
                scan = true;
                while (pos < b.length) {
                    if ((b[pos] & 0xff) == 0xFF && pos + 1 < b.length) {
                        int next = b[pos + 1] & 0xff;
                        if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7)) break;
                    }
                    pos++;
                }
                if (pos + 1 >= b.length) throw bad(path, b.length, "truncated JPEG: the scan data runs to the end of the file without an EOI marker");
            }
        }
    }

    private static boolean isFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static int readInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    private static DataFormatException bad(String path, long offset, String what) {
        return new DataFormatException(path, offset, what);
    }
}
