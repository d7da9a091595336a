package io.tessera.nn.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Round trips and every header check of the safetensors reader. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(i * 0.37) * 3.1f;
        return v;
    }

    @Test
    void roundTripIsBitExactForEveryDtype() throws IOException {
        List<StTensor> ts = List.of(
                StTensor.ofFloats("blocks.0.attn.qkv.weight", StDType.F32, new long[]{6, 2}, ramp(12)),
                StTensor.ofFloats("half", StDType.F16, new long[]{3}, ramp(3)),
                StTensor.ofFloats("brain", StDType.BF16, new long[]{2, 2}, ramp(4)),
                StTensor.ofFloats("double", StDType.F64, new long[]{}, new float[]{2.5f}),
                StTensor.ofLongs("step", new long[]{1}, new long[]{123456789012L}),
                StTensor.ofFloats("empty", StDType.F32, new long[]{0, 4}, new float[0]));
        Path p = dir.resolve("a.safetensors");
        SafeTensors.write(p, ts, Map.of("format", "pt"));
        SafeTensors.Contents c = SafeTensors.read(p);
        assertThat(c.tensors()).containsExactlyElementsOf(ts);
        assertThat(c.metadata()).containsEntry("format", "pt");
        assertThat(c.get("step").toLongs()).containsExactly(123456789012L);
        assertThat(c.get("blocks.0.attn.qkv.weight").toFloats()).containsExactly(ramp(12));
        // Writing what was read gives the same bytes.
        Path q = dir.resolve("b.safetensors");
        SafeTensors.write(q, c.tensors(), c.metadata());
        assertThat(Files.readAllBytes(q)).isEqualTo(Files.readAllBytes(p));
    }

    @Test
    void halfPrecisionConversionsRoundToNearest() {
        float[] v = {1f, -2.5f, 65504f, 1e-3f, 3.14159f};
        float[] h = StTensor.ofFloats("h", StDType.F16, new long[]{5}, v).toFloats();
        float[] b = StTensor.ofFloats("b", StDType.BF16, new long[]{5}, v).toFloats();
        for (int i = 0; i < v.length; i++) {
            assertThat(h[i]).isCloseTo(v[i], org.assertj.core.data.Offset.offset(Math.abs(v[i]) * 1e-3f));
            assertThat(b[i]).isCloseTo(v[i], org.assertj.core.data.Offset.offset(Math.abs(v[i]) * 8e-3f));
        }
        assertThat(h[0]).isEqualTo(1f);
        assertThat(b[1]).isEqualTo(-2.5f);
    }

    @Test
    void headerIsAlignedAndDataFollowsIt() throws IOException {
        Path p = dir.resolve("c.safetensors");
        SafeTensors.write(p, List.of(StTensor.ofFloats("x", StDType.F32, new long[]{2}, new float[]{1, 2})), null);
        byte[] all = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        assertThat(all.length).isEqualTo(8 + n + 8);
    }

    @Test
    void atomicWriteLeavesNoTemporaryFilesAndReplacesTheTarget() throws IOException {
        Path p = dir.resolve("d.safetensors");
        SafeTensors.write(p, List.of(StTensor.ofFloats("x", StDType.F32, new long[]{1}, new float[]{1})), null);
        SafeTensors.write(p, List.of(StTensor.ofFloats("y", StDType.F32, new long[]{1}, new float[]{2})), null);
        assertThat(SafeTensors.read(p).get("y")).isNotNull();
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("d.safetensors");
        }
    }

    @Test
    void checkpointsAreCreatedLikeAnyOtherFileNotPrivate() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(Files.createFile(dir.resolve("ordinary")));
        Path p = dir.resolve("w.safetensors");
        SafeTensors.write(p, List.of(StTensor.ofFloats("x", StDType.F32, new long[]{1}, new float[]{1})), Map.of());
        assertThat(Files.getPosixFilePermissions(p)).isEqualTo(expected);
    }

    @Test
    void duplicateNamesAreRefusedOnWrite() {
        StTensor a = StTensor.ofFloats("x", StDType.F32, new long[]{1}, new float[]{1});
        assertThatThrownBy(() -> SafeTensors.write(dir.resolve("e.safetensors"), List.of(a, a), null))
                .hasMessageContaining("duplicate");
    }

    // ---- corrupt files: one test per header check -------------------------------------------

    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private void assertCorrupt(Path p, String... fragments) {
        assertThatThrownBy(() -> SafeTensors.read(p))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining(p.toString())
                .satisfies(e -> {
                    for (String f : fragments) assertThat(e.getMessage()).contains(f);
                });
    }

    @Test
    void tooShortFile() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[]{1, 2, 3});
        assertCorrupt(p, "too short");
    }

    @Test
    void headerLengthPastTheEnd() throws IOException {
        Path p = dir.resolve("len.safetensors");
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put("{}  ".getBytes());
        Files.write(p, b.array());
        assertCorrupt(p, "runs past the end");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path p = dir.resolve("huge.safetensors");
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).put("{}  ".getBytes());
        Files.write(p, b.array());
        assertCorrupt(p, "outside");
    }

    @Test
    void headerNotJson() throws IOException {
        assertCorrupt(raw("{\"x\": {\"dtype\": \"F32\",", 0), "not valid JSON");
    }

    @Test
    void headerNotUtf8() throws IOException {
        Path p = dir.resolve("utf.safetensors");
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(4).put(new byte[]{'{', (byte) 0xff, (byte) 0xfe, '}'});
        Files.write(p, b.array());
        assertCorrupt(p, "UTF-8");
    }

    @Test
    void headerNotAnObject() throws IOException {
        assertCorrupt(raw("[1, 2]", 0), "not a JSON object");
    }

    @Test
    void unknownDtype() throws IOException {
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "unknown dtype");
    }

    @Test
    void negativeOrFractionalShape() throws IOException {
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "shape");
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4), "shape");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4), "outside");
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4), "outside");
    }

    @Test
    void offsetsOfWrongArity() throws IOException {
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "data_offsets");
    }

    @Test
    void byteSpanDoesNotMatchShapeTimesDtype() throws IOException {
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12");
    }

    @Test
    void overlappingTensors() throws IOException {
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "overlaps");
    }

    @Test
    void gapBetweenTensors() throws IOException {
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "gap");
    }

    @Test
    void truncatedOrTrailingData() throws IOException {
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12), "trailing");
    }

    @Test
    void duplicateNames() throws IOException {
        assertCorrupt(raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "duplicate key");
    }

    @Test
    void badMetadata() throws IOException {
        assertCorrupt(raw("{\"__metadata__\":{\"a\":1}}", 0), "__metadata__");
    }

    @Test
    void truncatedWrittenFileIsDetected() throws IOException {
        Path p = dir.resolve("t.safetensors");
        SafeTensors.write(p, List.of(StTensor.ofFloats("x", StDType.F32, new long[]{64}, ramp(64))), null);
        byte[] all = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(all, all.length - 5));
        assertCorrupt(p, "outside");
    }
}
