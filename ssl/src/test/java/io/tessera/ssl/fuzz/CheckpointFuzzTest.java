// Seeded fuzzing of the checkpoint readers: safetensors files, the weights of a training
// checkpoint (every changed byte must be refused by the hash) and its JSON sidecar. Each case is a
// typed CheckpointFormatException with nothing written, or data identical to what was saved (or,
// for a bare safetensors file, exactly the bytes its header describes).
package io.tessera.ssl.fuzz;

import io.tessera.nn.Init;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.StTensor;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.nn.optim.AdamW;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CheckpointFuzzTest {
    static final long SEED = 0x5AFE7E45L;

    @TempDir
    Path dir;

    @Test
    void safetensorsGivesTypedErrorsOrExactlyTheBytesItsHeaderDescribes() throws Exception {
        List<StTensor> ts = List.of(
                StTensor.ofFloats("blocks.0.attn.qkv.weight", StDType.F32, new long[] {6, 2}, ramp(12)),
                StTensor.ofFloats("half", StDType.F16, new long[] {3}, ramp(3)),
                StTensor.ofFloats("brain", StDType.BF16, new long[] {2, 2}, ramp(4)),
                StTensor.ofFloats("double", StDType.F64, new long[] {}, new float[] {2.5f}),
                StTensor.ofLongs("step", new long[] {1}, new long[] {123456789012L}),
                StTensor.ofFloats("empty", StDType.F32, new long[] {0, 4}, new float[0]));
        Path good = dir.resolve("good.safetensors");
        SafeTensors.write(good, ts, Map.of("format", "pt"));
        byte[] original = Files.readAllBytes(good);
        SafeTensors.Contents ref = SafeTensors.read(good);
        int dataStart = (int) (8 + ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        Path p = dir.resolve("m.safetensors");
        Fuzz.Report r = Fuzz.run("safetensors", SEED, 3000, original, CheckpointFormatException.class, m -> {
            Files.write(p, m);
            SafeTensors.Contents c = SafeTensors.read(p);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (StTensor t : c.tensors()) {
                assertThat((long) t.data().length).isEqualTo(t.elements() * t.dtype().bytes());
                all.write(t.data());
            }
            long start = 8 + ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertThat(all.toByteArray()).as("tensors cover the data section").isEqualTo(Arrays.copyOfRange(m, (int) start, m.length));
            if (m.length == original.length && Arrays.equals(m, 0, dataStart, original, 0, dataStart)) { // only data bytes changed
                assertThat(c.tensors()).extracting(StTensor::toString).containsExactlyElementsOf(ref.tensors().stream().map(StTensor::toString).toList());
                assertThat(c.metadata()).isEqualTo(ref.metadata());
            }
        });
        assertThat(r.refused()).isGreaterThan(r.cases() / 2);
    }

    /** A saved student/teacher checkpoint with optimizer state, and stores to load it into. */
    private final class Fixture implements AutoCloseable {
        final ExecutionContext ctx = ExecutionContext.cpu(1, 1);
        final Path base = dir.resolve("ckpt");
        final ParameterStore student = store(ctx, 1), teacher = store(ctx, 2);
        final AdamW saved = AdamW.maePretrain(student);
        final ParameterStore intoStudent = store(ctx, 5), intoTeacher = store(ctx, 6);
        final AdamW into = AdamW.maePretrain(intoStudent);
        final float[] expected;

        Fixture() throws Exception {
            for (Tensor t : saved.state().values()) Init.constant(t, 0.5);
            Map<String, Object> side = new LinkedHashMap<>();
            side.put("optimizer_steps", 3L);
            side.put("micro_step", 3L);
            side.put("note", "fuzz ünïcode");
            TrainingCheckpoint.save(base, Map.of("student", student, "teacher", teacher), "student", saved.state(), side);
            expected = snapshot(student, teacher, saved);
        }

        float[] loaded() {
            return snapshot(intoStudent, intoTeacher, into);
        }

        Map<String, Object> load() throws Exception {
            float[] before = loaded();
            try {
                return TrainingCheckpoint.load(base, new LinkedHashMap<>(Map.of("student", intoStudent, "teacher", intoTeacher)), "student", into.state());
            } catch (CheckpointFormatException e) {
                assertThat(loaded()).as("a refused load writes nothing").containsExactly(before);
                throw e;
            }
        }

        @Override
        public void close() {
            ctx.close();
        }
    }

    @Test
    void everyChangedByteOfTheWeightsIsRefused() throws Exception {
        try (Fixture f = new Fixture()) {
            Path weights = TrainingCheckpoint.weightsPath(f.base);
            byte[] original = Files.readAllBytes(weights);
            Fuzz.Report r = Fuzz.run("checkpoint weights", SEED + 1, 1500, original, CheckpointFormatException.class, m -> {
                Files.write(weights, m);
                f.load();
                assertThat(m).as("only the unchanged file loads").isEqualTo(original);
                assertThat(f.loaded()).containsExactly(f.expected);
            });
            assertThat(r.refused()).isGreaterThan(r.cases() * 9 / 10);
        }
    }

    @Test
    void aMutatedSidecarIsRefusedOrLoadsTheSavedWeights() throws Exception {
        try (Fixture f = new Fixture()) {
            Path sidecar = TrainingCheckpoint.sidecarPath(f.base);
            byte[] original = Files.readAllBytes(sidecar);
            Fuzz.Report r = Fuzz.run("sidecar", SEED + 2, 1500, original, CheckpointFormatException.class, m -> {
                Files.write(sidecar, m);
                Map<String, Object> side = f.load();
                assertThat(f.loaded()).as("weights pinned by the sidecar's hash").containsExactly(f.expected);
                assertThat(side).isEqualTo(Json.parse(new String(m, StandardCharsets.UTF_8)));
                for (String field : List.of("optimizer_steps", "micro_step")) TrainingCheckpoint.requireLong(side, field, f.base, 0, Long.MAX_VALUE);
            });
            assertThat(r.refused()).isGreaterThan(r.cases() / 2);
        }
    }

    static ParameterStore store(ExecutionContext ctx, double seed) {
        ParameterStore s = new ParameterStore();
        s.parameter("blocks.0.w", Shape.of(2, 3));
        s.parameter("blocks.0.b", Shape.of(3));
        s.buffer("norm.running_mean", Shape.of(4));
        s.allocate(ctx, DType.F32);
        int k = 0;
        for (var p : s.entries()) {
            double[] v = new double[Math.toIntExact(p.size())];
            for (int i = 0; i < v.length; i++) v[i] = Math.sin(seed + 0.37 * k++);
            Init.write(p.tensor(), v);
        }
        return s;
    }

    private static float[] snapshot(ParameterStore a, ParameterStore b, AdamW opt) {
        List<float[]> parts = new ArrayList<>(List.of(a.values().toFloatArray(), a.bufferValues().toFloatArray(),
                b.values().toFloatArray(), b.bufferValues().toFloatArray()));
        for (Tensor t : opt.state().values()) parts.add(t.toFloatArray());
        int n = parts.stream().mapToInt(x -> x.length).sum();
        float[] out = new float[n];
        int o = 0;
        for (float[] x : parts) {
            System.arraycopy(x, 0, out, o, x.length);
            o += x.length;
        }
        return out;
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(i * 0.37) * 3.1f;
        return v;
    }
}
