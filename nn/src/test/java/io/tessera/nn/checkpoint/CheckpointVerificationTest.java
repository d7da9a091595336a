// Every checkpoint load verifies what it loads: the weights' SHA-256 against the sidecar, finite
// values (unless allowed), names and shapes of every store, all before writing anything; the
// errors are typed and name the file, the byte offset and the cause.
package io.tessera.nn.checkpoint;

import io.tessera.nn.Init;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.AdamW;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class CheckpointVerificationTest {
    @TempDir
    Path dir;

    static ParameterStore store(ExecutionContext ctx, double seed, int width) {
        ParameterStore s = new ParameterStore();
        s.parameter("blocks.0.w", Shape.of(2, width));
        s.parameter("blocks.0.b", Shape.of(width));
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

    private static Map<String, Object> side() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("optimizer_steps", 7L);
        return m;
    }

    /** Saves a student/teacher checkpoint (teacher optionally poisoned) and returns its base path. */
    private Path save(ExecutionContext ctx, String name, double poison) throws IOException {
        ParameterStore student = store(ctx, 1, 3), teacher = store(ctx, 2, 3);
        if (poison != 0) Init.write(teacher.tensor("blocks.0.b"), new double[] {0.5, poison, 0.25});
        Path base = dir.resolve(name);
        TrainingCheckpoint.save(base, Map.of("student", student, "teacher", teacher), "student", AdamW.maePretrain(student).state(), side());
        return base;
    }

    @Test
    void aNanPoisonedCheckpointIsRefusedNamingTheFileTensorAndOffset() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Path base = save(ctx, "poisoned", Double.NaN);
            ParameterStore fresh = store(ctx, 9, 3);
            float[] before = fresh.values().toFloatArray();
            CheckpointIntegrityException e = catchThrowableOfType(CheckpointIntegrityException.class,
                    () -> TrainingCheckpoint.loadModels(base, Map.of("teacher", fresh), NonFinite.REFUSE));
            assertThat(e.problem()).isEqualTo(CheckpointIntegrityException.Problem.NON_FINITE);
            assertThat(e.path()).isEqualTo(TrainingCheckpoint.weightsPath(base));
            assertThat(e.getMessage()).contains(TrainingCheckpoint.weightsPath(base).toString(), "teacher.blocks.0.b", "NaN", "element 1");
            byte[] file = Files.readAllBytes(TrainingCheckpoint.weightsPath(base));
            float atOffset = ByteBuffer.wrap(file, (int) e.byteOffset(), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
            assertThat(atOffset).as("the value at the reported byte offset").isNaN();
            assertThat(fresh.values().toFloatArray()).as("nothing written").containsExactly(before);

            // the resume path refuses it too, and the explicit opt-out loads it
            ParameterStore s = store(ctx, 9, 3), t = store(ctx, 9, 3);
            assertThatThrownBy(() -> TrainingCheckpoint.load(base, Map.of("student", s, "teacher", t), "student", AdamW.maePretrain(s).state()))
                    .isInstanceOf(CheckpointIntegrityException.class).hasMessageContaining("NaN");
            TrainingCheckpoint.loadModels(base, Map.of("teacher", fresh), NonFinite.ALLOW);
            assertThat(fresh.tensor("blocks.0.b").toFloatArray()[1]).isNaN();
        }
    }

    @Test
    void infinityInAPlainSafetensorsFileIsRefused() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Path p = dir.resolve("plain.safetensors");
            SafeTensors.write(p, List.of(StTensor.ofFloats("blocks.0.w", StDType.F32, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
                    StTensor.ofFloats("blocks.0.b", StDType.BF16, new long[] {3}, new float[] {1, Float.NEGATIVE_INFINITY, 3}),
                    StTensor.ofFloats("norm.running_mean", StDType.F32, new long[] {4}, new float[4])), Map.of());
            ParameterStore s = store(ctx, 3, 3);
            assertThatThrownBy(() -> StoreCheckpoint.load(s, p, StoreCheckpoint.Match.EXACT, n -> n))
                    .isInstanceOf(CheckpointIntegrityException.class)
                    .hasMessageContaining(p.toString()).hasMessageContaining("blocks.0.b").hasMessageContaining("-Infinity");
            StoreCheckpoint.load(s, p, StoreCheckpoint.Match.EXACT, n -> n, NonFinite.ALLOW);
            assertThat(s.tensor("blocks.0.b").toFloatArray()[1]).isEqualTo(Float.NEGATIVE_INFINITY);
        }
    }

    @Test
    void aFlippedByteAnywhereIsRefusedByTheHash() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Path base = save(ctx, "flipped", 0);
            Path w = TrainingCheckpoint.weightsPath(base);
            byte[] good = Files.readAllBytes(w);
            for (int at : new int[] {good.length - 3, 20}) { // a weight, then a header byte
                byte[] bad = good.clone();
                bad[at] ^= 0x10;
                Files.write(w, bad);
                ParameterStore fresh = store(ctx, 9, 3);
                float[] before = fresh.values().toFloatArray();
                CheckpointIntegrityException e = catchThrowableOfType(CheckpointIntegrityException.class,
                        () -> TrainingCheckpoint.loadModels(base, Map.of("student", fresh), NonFinite.REFUSE));
                assertThat(e.problem()).as("byte %d", at).isEqualTo(CheckpointIntegrityException.Problem.HASH_MISMATCH);
                assertThat(e.getMessage()).contains(w.toString(), "does not match the sidecar");
                assertThat(fresh.values().toFloatArray()).containsExactly(before);
            }
        }
    }

    @Test
    void aMismatchInOneStoreWritesNoStore() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Path base = save(ctx, "roles", 0);
            ParameterStore student = store(ctx, 9, 3), wideTeacher = store(ctx, 9, 5);
            float[] before = student.values().toFloatArray();
            assertThatThrownBy(() -> TrainingCheckpoint.loadModels(base, new LinkedHashMap<>(Map.of("student", student, "teacher", wideTeacher)),
                    NonFinite.REFUSE))
                    .isExactlyInstanceOf(CheckpointFormatException.class)
                    .hasMessageContaining(TrainingCheckpoint.weightsPath(base).toString())
                    .hasMessageContaining("role 'teacher'").hasMessageContaining("blocks.0.w has shape [2, 3] in the file");
            assertThat(student.values().toFloatArray()).as("the student was not written either").containsExactly(before);
        }
    }

    @Test
    void badSidecarsAreTypedErrorsNamingTheSidecar() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Path base = save(ctx, "side", 0);
            Path sc = TrainingCheckpoint.sidecarPath(base);
            String good = Files.readString(sc);
            Map<String, String> cases = new LinkedHashMap<>();
            cases.put("[1, 2]", "not a JSON object");
            cases.put("{\"weights_sha256\": 5}", "no weights_sha256");
            cases.put(good.replace("\"optimizer_steps\":7,", "\"optimizer_steps\":7,,"), "not valid JSON");
            for (var c : cases.entrySet()) {
                Files.writeString(sc, c.getKey());
                assertThatThrownBy(() -> TrainingCheckpoint.readSidecar(base)).isInstanceOf(CheckpointFormatException.class)
                        .hasMessageContaining(sc.toString()).hasMessageContaining(c.getValue());
            }
            Files.write(sc, new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'});
            assertThatThrownBy(() -> TrainingCheckpoint.readSidecar(base)).isInstanceOf(CheckpointFormatException.class)
                    .hasMessageContaining("not valid UTF-8");
            Files.writeString(sc, good);
            Map<String, Object> side = TrainingCheckpoint.readSidecar(base);
            assertThat(TrainingCheckpoint.requireLong(side, "optimizer_steps", base, 0, 100)).isEqualTo(7);
            assertThatThrownBy(() -> TrainingCheckpoint.requireLong(side, "micro_step", base, 0, 100))
                    .isInstanceOf(CheckpointFormatException.class).hasMessageContaining(sc.toString()).hasMessageContaining("micro_step");
            assertThatThrownBy(() -> TrainingCheckpoint.requireLong(side, "optimizer_steps", base, 10, 100))
                    .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("found 7");
        }
    }
}
