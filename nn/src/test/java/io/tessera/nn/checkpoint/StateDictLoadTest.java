// Loading state dicts with PyTorch's load_state_dict semantics: strict=True (EXACT) refuses with
// the missing and unexpected lists, strict=False (PARTIAL) loads what is there and reports the
// rest, shapes must match in every mode; BatchNorm's 0-d int64 counter ↔ Tessera's (1) float buffer,
// exact or refused, and for that buffer only; a refused load writes nothing; .pth and safetensors
// files of the same tensors load the same values.
package io.tessera.nn.checkpoint;

import io.tessera.nn.Init;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.torch.TorchCheckpoint;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateDictLoadTest {
    @TempDir
    Path dir;

    /** A linear layer and a BatchNorm with its counter, values from {@code seed}. */
    static ParameterStore store(ExecutionContext ctx, DType dtype, double seed) {
        ParameterStore s = new ParameterStore();
        s.parameter("fc.weight", Shape.of(2, 3));
        s.parameter("bn.weight", Shape.of(2));
        s.buffer("bn.running_mean", Shape.of(2));
        s.buffer("bn.num_batches_tracked", Shape.of(1));
        s.allocate(ctx, dtype);
        int k = 0;
        for (var p : s.entries()) {
            double[] v = new double[Math.toIntExact(p.size())];
            for (int i = 0; i < v.length; i++) v[i] = p.name().endsWith("tracked") ? 3 + seed : Math.sin(seed + 0.37 * k++);
            Init.write(p.tensor(), v);
        }
        return s;
    }

    static double[] values(ParameterStore s) {
        List<Double> out = new ArrayList<>();
        for (var p : s.entries()) for (double v : p.tensor().toDoubleArray()) out.add(v);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The store as PyTorch saves it (counter 0-d int64) in a .pth. */
    private Path torchFile(ParameterStore s, String name) throws Exception {
        Path p = dir.resolve(name);
        TorchCheckpoint.write(p, BatchCounter.toTorch(StoreCheckpoint.tensors(s, n -> n)), List.of("model"));
        return p;
    }

    @Test
    void strictLoadOfATorchStateDictGivesTheSavedValuesAndConvertsTheCounter() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            ParameterStore saved = store(ctx, DType.F32, 1), into = store(ctx, DType.F32, 2);
            StateDict sd = StateDict.read(torchFile(saved, "a.pth"));
            assertThat(sd.format()).isEqualTo(StateDict.Format.TORCH_ZIP);
            assertThat(sd.keyPath()).containsExactly("model");
            StTensor counter = sd.get("bn.num_batches_tracked");
            assertThat(counter.dtype()).isEqualTo(StDType.I64);
            assertThat(counter.shape()).isEmpty();
            assertThat(counter.toLongs()).containsExactly(4L);
            LoadReport r = StoreCheckpoint.load(into, sd, StoreCheckpoint.Match.EXACT, n -> n);
            assertThat(r.complete()).isTrue();
            assertThat(r.converted()).containsExactly("bn.num_batches_tracked");
            assertThat(r.loaded()).containsExactly("fc.weight", "bn.weight", "bn.running_mean", "bn.num_batches_tracked");
            assertThat(values(into)).containsExactly(values(saved));
        }
    }

    @Test
    void nonStrictLoadsWhatIsThereAndReportsMissingAndUnexpected() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            ParameterStore saved = store(ctx, DType.F32, 1);
            List<StTensor> file = new ArrayList<>(BatchCounter.toTorch(StoreCheckpoint.tensors(saved, n -> n)));
            file.removeIf(t -> t.name().equals("bn.weight"));
            file.add(StTensor.ofFloats("decoder_pred.bias", StDType.F32, new long[] {1}, new float[] {9}));
            Path p = dir.resolve("partial.pth");
            TorchCheckpoint.write(p, file, List.of());
            StateDict sd = StateDict.read(p);

            ParameterStore strict = store(ctx, DType.F32, 2);
            double[] before = values(strict);
            assertThatThrownBy(() -> StoreCheckpoint.load(strict, sd, StoreCheckpoint.Match.EXACT, n -> n))
                    .isInstanceOf(CheckpointFormatException.class)
                    .hasMessageContaining("missing bn.weight").hasMessageContaining("unexpected decoder_pred.bias");
            assertThat(values(strict)).as("a refused load writes nothing").containsExactly(before);

            ParameterStore partial = store(ctx, DType.F32, 2);
            float[] keep = partial.tensor("bn.weight").toFloatArray();
            LoadReport r = StoreCheckpoint.load(partial, sd, StoreCheckpoint.Match.PARTIAL, n -> n);
            assertThat(r.missingKeys()).containsExactly("bn.weight");
            assertThat(r.unexpectedKeys()).containsExactly("decoder_pred.bias");
            assertThat(r.complete()).isFalse();
            assertThat(r.toString()).contains("missing 1 (bn.weight)").contains("unexpected 1 (decoder_pred.bias)");
            assertThat(partial.tensor("bn.weight").toFloatArray()).as("missing entries keep their values").containsExactly(keep);
            assertThat(partial.tensor("fc.weight").toFloatArray()).containsExactly(saved.tensor("fc.weight").toFloatArray());

            ParameterStore entries = store(ctx, DType.F32, 2);
            assertThatThrownBy(() -> StoreCheckpoint.load(entries, sd, StoreCheckpoint.Match.STORE_ENTRIES, n -> n)).hasMessageContaining("missing bn.weight");
        }
    }

    @Test
    void shapesMustMatchEvenWhenNotStrict() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            Path p = dir.resolve("shape.pth");
            TorchCheckpoint.write(p, List.of(StTensor.ofFloats("fc.weight", StDType.F32, new long[] {3, 2}, new float[6])), List.of());
            ParameterStore s = store(ctx, DType.F32, 2);
            double[] before = values(s);
            assertThatThrownBy(() -> StoreCheckpoint.load(s, StateDict.read(p), StoreCheckpoint.Match.PARTIAL, n -> n))
                    .hasMessageContaining("fc.weight has shape [3, 2] in the file, the model needs (2, 3)");
            assertThat(values(s)).containsExactly(before);
        }
    }

    @Test
    void theCounterConversionIsExactAndForTheCounterOnly() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0); ExecutionContext ref = ExecutionContext.reference(0)) {
            Path big = dir.resolve("big.pth");
            TorchCheckpoint.write(big, List.of(StTensor.ofLongs("bn.num_batches_tracked", new long[] {}, new long[] {(1L << 24) + 1})), List.of());
            ParameterStore f32 = store(ctx, DType.F32, 2);
            assertThatThrownBy(() -> StoreCheckpoint.load(f32, StateDict.read(big), StoreCheckpoint.Match.PARTIAL, n -> n))
                    .hasMessageContaining("beyond 16777216, which a F32 buffer cannot hold exactly");
            ParameterStore f64 = store(ref, DType.F64, 2);
            StoreCheckpoint.load(f64, StateDict.read(big), StoreCheckpoint.Match.PARTIAL, n -> n);
            assertThat(f64.tensor("bn.num_batches_tracked").toDoubleArray()).containsExactly((1L << 24) + 1);

            Path neg = dir.resolve("neg.pth");
            TorchCheckpoint.write(neg, List.of(StTensor.ofLongs("bn.num_batches_tracked", new long[] {1}, new long[] {-1})), List.of());
            assertThatThrownBy(() -> StoreCheckpoint.load(f32, StateDict.read(neg), StoreCheckpoint.Match.PARTIAL, n -> n)).hasMessageContaining("negative");

            Path ints = dir.resolve("ints.pth"); // an int64 tensor anywhere else is not converted
            TorchCheckpoint.write(ints, List.of(StTensor.ofLongs("bn.running_mean", new long[] {2}, new long[] {1, 2})), List.of());
            assertThatThrownBy(() -> StoreCheckpoint.load(f32, StateDict.read(ints), StoreCheckpoint.Match.PARTIAL, n -> n))
                    .hasMessageContaining("bn.running_mean is I64 in the file, a floating type is needed");

            assertThatThrownBy(() -> BatchCounter.toTorch(StTensor.ofFloats("a.num_batches_tracked", StDType.F32, new long[] {1}, new float[] {2.5f})))
                    .hasMessageContaining("not an integer count");
            StTensor plain = StTensor.ofFloats("a.num_batches", StDType.F32, new long[] {1}, new float[] {2.5f});
            assertThat(BatchCounter.toTorch(plain)).isSameAs(plain);
            assertThat(BatchCounter.isCounter("num_batches_tracked")).isTrue();
            assertThat(BatchCounter.isCounter("xnum_batches_tracked")).isFalse();
        }
    }

    @Test
    void aSafetensorsFileAndAPthOfTheSameTensorsLoadTheSameValues() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            ParameterStore saved = store(ctx, DType.F32, 1);
            Path st = dir.resolve("a.safetensors");
            StoreCheckpoint.save(saved, st, Map.of("k", "v"));
            ParameterStore a = store(ctx, DType.F32, 2), b = store(ctx, DType.F32, 3);
            SafeTensors.Contents c = StoreCheckpoint.load(a, st, StoreCheckpoint.Match.EXACT, n -> n);
            assertThat(c.metadata()).containsEntry("k", "v");
            StoreCheckpoint.load(b, torchFile(saved, "b.pth"), StoreCheckpoint.Match.EXACT, n -> n);
            assertThat(values(a)).containsExactly(values(saved)).containsExactly(values(b));
            assertThatThrownBy(() -> StateDict.read(st, StateDict.KeyPath.of("model"))).hasMessageContaining("safetensors file, whose tensors are not nested");
            assertThat(StateDict.KeyPath.parse("model/ema").keys()).containsExactly("model", "ema");
            assertThat(StateDict.KeyPath.parse("")).isEqualTo(StateDict.KeyPath.TOP);
        }
    }

    @Test
    void nonFiniteValuesOfAPthAreRefusedWithTheirByteOffset() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            Path p = dir.resolve("nan.pth");
            TorchCheckpoint.write(p, List.of(StTensor.ofFloats("fc.weight", StDType.F32, new long[] {2, 3}, new float[] {0, 1, Float.NaN, 3, 4, 5})), List.of());
            StateDict sd = StateDict.read(p);
            long at = sd.entries().get(0).fileOffset() + 8;
            ParameterStore s = store(ctx, DType.F32, 2);
            CheckpointIntegrityException e = org.assertj.core.api.Assertions.catchThrowableOfType(CheckpointIntegrityException.class,
                    () -> StoreCheckpoint.load(s, sd, StoreCheckpoint.Match.PARTIAL, n -> n));
            assertThat(e.problem()).isEqualTo(CheckpointIntegrityException.Problem.NON_FINITE);
            assertThat(e.byteOffset()).isEqualTo(at);
            LoadReport r = StoreCheckpoint.load(s, sd, StoreCheckpoint.Match.PARTIAL, n -> n, NonFinite.ALLOW);
            assertThat(r.loaded()).containsExactly("fc.weight");
        }
    }
}
