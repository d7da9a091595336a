// Seeded fuzzing of the PyTorch .pth reader on files PyTorch wrote (tests/reference/golden): the
// zip container (every record CRC-checked, so an accepted file gives exactly the saved tensors),
// the pickle alone re-zipped with valid CRCs (so every mutation reaches the unpickler), the legacy
// format (no checksums: an accepted file gives exactly the bytes its pickle describes), and loads
// into a model (refused: nothing written; accepted: the saved values). Typed errors only, no hang.
package io.tessera.ssl.fuzz;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.VitConfig;
import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.StTensor;
import io.tessera.nn.checkpoint.StateDict;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.nn.checkpoint.torch.Pickled;
import io.tessera.nn.checkpoint.torch.TorchCheckpoint;
import io.tessera.nn.checkpoint.torch.TorchTensor;
import io.tessera.ssl.lut.LutConfig;
import io.tessera.ssl.lut.LutNetwork;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class PthFuzzTest {
    static final long SEED = 0x7047_F122L;

    @TempDir
    Path dir;

    static byte[] golden(String name) throws Exception {
        Path p = Path.of("..", "tests", "reference", "golden", name);
        assertThat(p).as("golden file (regenerate with tests/reference/make_golden_pth.py)").exists();
        return Files.readAllBytes(p);
    }

    @Test
    void aMutatedZipIsRefusedOrGivesExactlyTheSavedTensors() throws Exception {
        byte[] original = golden("pth_dtypes.pth");
        Path p = dir.resolve("m.pth");
        Files.write(p, original);
        List<StTensor> ref = StateDict.read(p).tensors();
        Fuzz.Report r = Fuzz.run(".pth zip", SEED, 1500, original, CheckpointFormatException.class, m -> {
            Files.write(p, m);
            assertThat(StateDict.read(p).tensors()).containsExactlyElementsOf(ref);
        });
        assertThat(r.refused()).isGreaterThan(r.cases() / 2);
    }

    @Test
    void aMutatedPickleIsRefusedOrGivesExactlyTheBytesItDescribes() throws Exception {
        Map<String, byte[]> records = records(golden("pth_dtypes.pth"));
        String pkl = records.keySet().stream().filter(n -> n.endsWith("/data.pkl")).findFirst().orElseThrow();
        Path p = dir.resolve("p.pth");
        Fuzz.Report r = Fuzz.run(".pth pickle", SEED + 1, 2000, records.get(pkl), CheckpointFormatException.class, m -> {
            Map<String, byte[]> mutated = new LinkedHashMap<>(records);
            mutated.put(pkl, m);
            byte[] file = zip(mutated);
            Files.write(p, file);
            checkDescribedBytes(file, TorchCheckpoint.read(p));
        });
        assertThat(r.refused()).isGreaterThan(r.cases() / 2);
        assertThat(r.accepted()).as("some mutations leave a valid pickle").isPositive();
    }

    @Test
    void aMutatedLegacyFileIsRefusedOrGivesExactlyTheBytesItDescribes() throws Exception {
        byte[] original = golden("pth_dtypes_legacy.pth");
        Path p = dir.resolve("l.pth");
        Files.write(p, original);
        List<StTensor> ref = StateDict.read(p).tensors();
        Fuzz.Report r = Fuzz.run(".pth legacy", SEED + 2, 1200, original, CheckpointFormatException.class, m -> {
            Files.write(p, m);
            TorchCheckpoint c = TorchCheckpoint.read(p);
            checkDescribedBytes(m, c);
            if (Arrays.equals(m, original)) assertThat(StateDict.read(p).tensors()).containsExactlyElementsOf(ref);
        });
        assertThat(r.refused()).isGreaterThan(r.cases() / 3);
    }

    @Test
    void aMutatedPthLoadsIntoAModelWholeOrNotAtAll() throws Exception {
        LutConfig nano = new LutConfig(new MaeConfig(new VitConfig(8, 4, 3, 8, 1, 2, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
                VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0), 8, 1, 2, 0.75, true), 12, 1.0, 0.25);
        byte[] original = golden("pth_lut_nano.pth");
        Path p = dir.resolve("lut.pth");
        Files.write(p, original);
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            ParameterStore into = LutNetwork.create(ctx, nano, DType.F32).store();
            StoreCheckpoint.load(into, StateDict.read(p), StoreCheckpoint.Match.EXACT, n -> n);
            float[] saved = snapshot(into);
            ParameterStore fresh = LutNetwork.create(ctx, nano, DType.F32).store();
            float[] init = snapshot(fresh);
            Fuzz.Report r = Fuzz.run(".pth into a model", SEED + 3, 600, original, CheckpointFormatException.class, m -> {
                Files.write(p, m);
                float[] before = snapshot(fresh);
                try {
                    StoreCheckpoint.load(fresh, StateDict.read(p), StoreCheckpoint.Match.EXACT, n -> n);
                } catch (CheckpointFormatException e) {
                    assertThat(snapshot(fresh)).as("a refused load writes nothing").containsExactly(before);
                    throw e;
                }
                assertThat(snapshot(fresh)).containsExactly(saved);
            });
            assertThat(r.refused()).isGreaterThan(r.cases() / 2);
            assertThat(init).isNotEqualTo(saved);
        }
    }

    /** Every tensor reachable in the file's object equals the gather of its view from the file's own bytes. */
    private static void checkDescribedBytes(byte[] file, TorchCheckpoint c) {
        ArrayDeque<Object> todo = new ArrayDeque<>(List.of(new Object[] {c.root()}));
        IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
        while (!todo.isEmpty() && seen.size() < 10_000) {
            Object o = todo.pop();
            if (o == null || seen.put(o, Boolean.TRUE) != null) continue;
            if (o instanceof Pickled.PyDict d) todo.addAll(nonNull(d.entries().values()));
            else if (o instanceof Pickled.PyList l) todo.addAll(nonNull(l.items()));
            else if (o instanceof Pickled.PyTuple t) todo.addAll(nonNull(t.items()));
            else if (o instanceof TorchTensor t) assertThat(t.data()).as(t.toString()).isEqualTo(gather(file, t));
        }
    }

    private static List<Object> nonNull(java.util.Collection<Object> c) {
        List<Object> out = new ArrayList<>();
        for (Object o : c) if (o != null) out.add(o);
        return out;
    }

    /** The view's elements read straight from the file: storage start = fileOffset − storageOffset·bytes. */
    private static byte[] gather(byte[] file, TorchTensor t) {
        int es = t.dtype().bytes();
        long[] shape = t.shape(), stride = t.stride();
        long n = t.elements();
        byte[] out = new byte[Math.toIntExact(n * es)];
        long start = t.fileOffset() - t.storageOffset() * es;
        long[] idx = new long[shape.length];
        for (long k = 0; k < n; k++) {
            long e = t.storageOffset();
            for (int d = 0; d < shape.length; d++) e += idx[d] * stride[d];
            System.arraycopy(file, Math.toIntExact(start + e * es), out, Math.toIntExact(k * es), es);
            for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
        }
        return out;
    }

    private Map<String, byte[]> records(byte[] zip) throws Exception {
        Path p = dir.resolve("records.zip");
        Files.write(p, zip);
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(p.toFile())) { // torch writes data descriptors after stored records: read the central directory
            for (ZipEntry e : java.util.Collections.list(z.entries())) out.put(e.getName(), z.getInputStream(e).readAllBytes());
        }
        return out;
    }

    private static byte[] zip(Map<String, byte[]> records) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                ZipEntry e = new ZipEntry(r.getKey());
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
        return bytes.toByteArray();
    }

    private static float[] snapshot(ParameterStore s) {
        float[] a = s.values().toFloatArray(), b = s.bufferValues().toFloatArray();
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
