// The .pth container: Tessera's writer read back exactly (every dtype, 0-d and empty tensors,
// nesting, zip64 records), key paths and their errors, and a zip that lies — CRC, sizes past the
// directory, overlapping or compressed records, records outside the folder, a tiny file claiming
// gigabytes — refused before anything large is allocated.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.StTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TorchCheckpointTest {
    @TempDir
    Path dir;

    static List<StTensor> everyDtype() {
        return List.of(
                StTensor.ofFloats("blocks.0.attn.qkv.weight", StDType.F32, new long[] {6, 2}, ramp(12)),
                StTensor.ofFloats("half", StDType.F16, new long[] {3}, ramp(3)),
                StTensor.ofFloats("brain", StDType.BF16, new long[] {2, 2}, ramp(4)),
                StTensor.ofFloats("double", StDType.F64, new long[] {}, new float[] {2.5f}),
                StTensor.ofLongs("head.1.num_batches_tracked", new long[] {}, new long[] {123456789012L}),
                new StTensor("i32", StDType.I32, new long[] {2}, new byte[] {1, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}),
                new StTensor("i16", StDType.I16, new long[] {1}, new byte[] {5, 1}),
                new StTensor("i8", StDType.I8, new long[] {2}, new byte[] {-1, 7}),
                new StTensor("u8", StDType.U8, new long[] {1, 1, 1, 2}, new byte[] {(byte) 200, 3}),
                new StTensor("bool", StDType.BOOL, new long[] {3}, new byte[] {1, 0, 1}),
                StTensor.ofFloats("empty", StDType.F32, new long[] {0, 4}, new float[0]));
    }

    @Test
    void whatTheWriterWritesReadsBackExactly() throws Exception {
        for (boolean zip64 : new boolean[] {false, true}) {
            Path p = dir.resolve("w" + zip64 + ".pth");
            TorchWriter.write(p, everyDtype(), List.of("model"), zip64);
            TorchCheckpoint c = TorchCheckpoint.read(p);
            assertThat(c.format()).isEqualTo(TorchCheckpoint.Format.ZIP);
            assertThat(c.defaultKeys()).containsExactly("model");
            Map<String, TorchTensor> sd = c.stateDict(c.defaultKeys());
            List<StTensor> back = sd.entrySet().stream().map(e -> e.getValue().toStTensor(e.getKey())).toList();
            assertThat(back).as("zip64 " + zip64).containsExactlyElementsOf(everyDtype());
            for (TorchTensor t : sd.values()) assertThat(t.fileOffset() % 64).as("data aligned as torch aligns it").isZero();
        }
    }

    @Test
    void keyPathsChooseTheStateDictAndNameWhatIsThere() throws Exception {
        Path flat = dir.resolve("flat.pth");
        TorchCheckpoint.write(flat, everyDtype().subList(0, 2), List.of());
        TorchCheckpoint c = TorchCheckpoint.read(flat);
        assertThat(c.defaultKeys()).isEmpty();
        assertThat(c.stateDict(List.of())).containsOnlyKeys("blocks.0.attn.qkv.weight", "half");
        Path nested = dir.resolve("nested.pth");
        TorchCheckpoint.write(nested, everyDtype().subList(0, 1), List.of("ema", "state"));
        TorchCheckpoint n = TorchCheckpoint.read(nested);
        assertThat(n.stateDict(List.of("ema", "state"))).containsOnlyKeys("blocks.0.attn.qkv.weight");
        assertThatThrownBy(() -> n.stateDict(List.of("model"))).hasMessageContaining("top level has no key 'model' (keys: ema)");
        assertThatThrownBy(() -> n.stateDict(List.of())).hasMessageContaining("'ema' is a dict, not a tensor");
        assertThatThrownBy(() -> n.stateDict(List.of("ema", "state", "blocks.0.attn.qkv.weight", "x")))
                .hasMessageContaining("is a torch.Tensor, not a dict");
    }

    @Test
    void aCorruptedRecordFailsItsCrc() throws Exception {
        Path p = dir.resolve("c.pth");
        TorchCheckpoint.write(p, everyDtype(), List.of());
        byte[] b = Files.readAllBytes(p);
        long at = TorchCheckpoint.read(p).stateDict(List.of()).get("double").fileOffset();
        b[(int) at] ^= 1;
        Files.write(p, b);
        assertThatThrownBy(() -> TorchCheckpoint.read(p)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("record archive/data/3 fails its CRC-32 check").hasMessageContaining("(byte " + at + ")");
    }

    @Test
    void aFewBytesThatClaimGigabytesAreRefusedBeforeAllocating() throws Exception {
        Path p = dir.resolve("small.pth");
        TorchCheckpoint.write(p, List.of(StTensor.ofFloats("w", StDType.F32, new long[] {2}, new float[] {1, 2})), List.of());
        byte[] b = Files.readAllBytes(p);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int cd = bb.getInt(b.length - 6); // central directory offset in the end record
        for (int at = cd; at < b.length - 22; at += 46 + (bb.getShort(at + 28) & 0xffff) + (bb.getShort(at + 30) & 0xffff)) {
            bb.putInt(at + 20, 0x7ff00000).putInt(at + 24, 0x7ff00000); // every record "holds" 2 GB
        }
        Files.write(p, b);
        assertThatThrownBy(() -> TorchCheckpoint.read(p)).isInstanceOf(CheckpointFormatException.class).hasMessageContaining("runs into the central directory");
    }

    @Test
    void zipStructuresTorchNeverWritesAreRefused() throws Exception {
        byte[] pickle = PickleBytes.proto2().orderedDict().op('.').bytes();
        Path outside = dir.resolve("outside.pth");
        Map<String, byte[]> recs = new LinkedHashMap<>();
        recs.put("archive/data.pkl", pickle);
        recs.put("other/data/0", new byte[4]);
        try (var os = Files.newOutputStream(outside); var z = new java.util.zip.ZipOutputStream(os)) {
            for (var r : recs.entrySet()) {
                var e = new java.util.zip.ZipEntry(r.getKey());
                e.setMethod(java.util.zip.ZipEntry.STORED);
                e.setSize(r.getValue().length);
                var crc = new java.util.zip.CRC32();
                crc.update(r.getValue());
                e.setCrc(crc.getValue());
                z.putNextEntry(e);
                z.write(r.getValue());
            }
        }
        assertThatThrownBy(() -> TorchCheckpoint.read(outside)).hasMessageContaining("outside the archive's folder archive/");

        Path deflated = dir.resolve("deflated.pth");
        try (var os = Files.newOutputStream(deflated); var z = new java.util.zip.ZipOutputStream(os)) {
            z.putNextEntry(new java.util.zip.ZipEntry("archive/data.pkl"));
            z.write(pickle);
        }
        assertThatThrownBy(() -> TorchCheckpoint.read(deflated)).hasMessageContaining("is compressed (method 8)");

        Path noPickle = dir.resolve("nopkl.pth");
        PickleBytes.zip(noPickle, "archive", Map.of("version", "3\n".getBytes()));
        assertThatThrownBy(() -> TorchCheckpoint.read(noPickle)).hasMessageContaining("has no archive/data.pkl");

        Path truncated = dir.resolve("trunc.pth");
        PickleBytes.pth(truncated, pickle, Map.of());
        byte[] t = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(t, t.length - 30));
        assertThatThrownBy(() -> TorchCheckpoint.read(truncated)).hasMessageContaining("no zip end-of-directory record");

        Path text = dir.resolve("text.pth");
        Files.writeString(text, "hello");
        assertThatThrownBy(() -> TorchCheckpoint.read(text)).hasMessageContaining("not a PyTorch file");
    }

    @Test
    void overlappingRecordsAreRefused() throws Exception {
        Path p = dir.resolve("o.pth");
        TorchCheckpoint.write(p, List.of(StTensor.ofFloats("w", StDType.F32, new long[] {2}, new float[] {1, 2}),
                StTensor.ofFloats("v", StDType.F32, new long[] {2}, new float[] {3, 4})), List.of());
        byte[] b = Files.readAllBytes(p);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int cd = bb.getInt(b.length - 6);
        int second = cd + 46 + (bb.getShort(cd + 28) & 0xffff) + (bb.getShort(cd + 30) & 0xffff); // byteorder's entry
        int third = second + 46 + (bb.getShort(second + 28) & 0xffff) + (bb.getShort(second + 30) & 0xffff); // data/0
        bb.putInt(third + 20, bb.getInt(third + 20) + 100).putInt(third + 24, bb.getInt(third + 24) + 100);
        Files.write(p, b);
        assertThatThrownBy(() -> TorchCheckpoint.read(p)).hasMessageContaining("overlap");
    }

    static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(i * 0.37) * 3.1f;
        return v;
    }
}
