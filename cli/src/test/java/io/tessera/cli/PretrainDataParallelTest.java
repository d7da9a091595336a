package io.tessera.cli;

import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StTensor;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Data-parallel pre-training of every method: {@code mpirun -np 2 tessera pretrain --batch 8} of a
 * micro16 network against one process at {@code --batch 16} on the same seed, three steps. Every
 * rank takes a contiguous half of each global batch (both of LUT's views), draws its images' masks
 * (and drop paths) as their rows of the global batch's draws, takes LUT's BatchNorm statistics over
 * both halves (SyncBatchNorm), and averages the gradient over the ranks, so the two runs compute
 * the same steps. Not bit for bit: the float32 sums run in another order (each rank reduces its
 * half, then the halves are averaged; SyncBatchNorm sums in double where the fused op sums in
 * float), and SimMIM adds its 1e-5 to each rank's masked-pixel count, as the official DDP code
 * does (a relative 3e-9 here). So losses agree to 2e-5 relative (float32 losses of about 1, a few
 * units in the last place of the reductions), and weights, EMA teachers and BatchNorm buffers to a
 * twentieth of the learning rate: AdamW divides each gradient by its own running magnitude, so a
 * rounding difference moves an element by its relative size times lr, and an element whose
 * gradient is a sum that nearly cancels moves by more (measured: MAE, RC-MAE and the supervised ViT
 * below 0.001·lr, LUT 0.0004·lr, SimMIM's decoder bias 0.016·lr); a wrong mask, shard or statistic
 * moves the first loss beyond its bound and elements by whole steps. The attention key biases,
 * whose gradient is zero but for rounding, are held only to AdamW's step bound. The same runs in
 * float64 agree to 1e-12 ({@code DataParallelMethodsTest}). Every method runs (about 20 s each on
 * two cores). Without mpirun the test skips, except under CI=true.
 */
class PretrainDataParallelTest {
    static final int STEPS = 3;

    @TempDir
    Path dir;


    @ParameterizedTest
    @ValueSource(strings = {"mae", "rcmae", "lut", "simmim", "lut-simmim", "supervised"})
    void twoRanksAtBatch8TrainAsOneProcessAtBatch16(String method) throws Exception {
        twoRanksTrainAsOneProcess(method);
    }

    private void twoRanksTrainAsOneProcess(String method) throws Exception {
        Path mpirun = MpiJobs.mpirunOrSkip();
        Path one = dir.resolve("one"), two = dir.resolve("two");
        MpiJobs.Job single = launch(0, mpirun, method, one, 16, "none");
        assertThat(single.exitCode()).as(single.output()).isZero();
        MpiJobs.Job pair = launch(2, mpirun, method, two, 8, "auto");
        assertThat(pair.exitCode()).as(pair.output()).isZero();
        assertThat(pair.output()).contains("2 processes × batch 8");
        // rank 1 prints nothing: one header, one summary
        assertThat(pair.output().split("checkpoint: ", -1)).hasSize(2);
        assertThat(pair.output().split("2 processes × batch 8", -1)).hasSize(2);

        assertSameTraining(method, one, two, 2e-5, 0.05);
    }

    /**
     * Asserts that the run in {@code two} (two ranks at batch 8) took the steps of the run in
     * {@code one} (one process at batch 16): losses within {@code lossRtol} relative, every weight and
     * buffer within {@code weightLrs}·lr (the attention key biases within AdamW's step bound), and
     * rank 0 alone wrote the metrics and a sidecar recording two processes.
     */
    static void assertSameTraining(String method, Path one, Path two, double lossRtol, double weightLrs) throws IOException {
        List<Map<String, Object>> a = metrics(one), b = metrics(two);
        // rank 0 alone writes the metrics: one record per step, not one per rank
        assertThat(b).hasSize(STEPS);
        assertThat(a).hasSize(STEPS);
        for (int i = 0; i < STEPS; i++) {
            double la = ((Number) a.get(i).get("loss")).doubleValue(), lb = ((Number) b.get(i).get("loss")).doubleValue();
            assertThat(lb).as("%s loss of step %d", method, i + 1).isCloseTo(la, within(lossRtol * Math.abs(la)));
            assertThat(((Number) b.get(i).get("lr")).doubleValue()).isEqualTo(((Number) a.get(i).get("lr")).doubleValue());
        }
        // the first step's loss comes from identical weights and masks; a wrong shard or mask would move it by far more
        Path ca = one.resolve("checkpoint-" + STEPS), cb = two.resolve("checkpoint-" + STEPS);
        Map<String, Object> side = TrainingCheckpoint.readSidecar(cb);
        assertThat(side.get("world_size")).isEqualTo(2L);
        assertThat(side.get("batch_size")).isEqualTo(8L);
        assertThat(TrainingCheckpoint.readSidecar(ca).get("world_size")).isEqualTo(1L);

        SafeTensors.Contents wa = SafeTensors.read(TrainingCheckpoint.weightsPath(ca)), wb = SafeTensors.read(TrainingCheckpoint.weightsPath(cb));
        assertThat(wb.tensors()).extracting(StTensor::name).containsExactlyElementsOf(wa.tensors().stream().map(StTensor::name).toList());
        int compared = 0;
        double worst = 0, keyBias = 0;
        String where = "";
        for (StTensor t : wa.tensors()) {
            // every store (student, teacher or target), parameters and buffers; not the optimizer's moments
            if (t.dtype() != StDType.F32 || t.name().startsWith("optim.")) continue;
            float[] x = t.toFloats(), y = wb.get(t.name()).toFloats();
            boolean qkvBias = t.name().endsWith(".qkv.bias");
            for (int i = 0; i < x.length; i++) {
                double d = Math.abs(x[i] - y[i]);
                if (qkvBias && i >= x.length / 3 && i < 2 * x.length / 3) {
                    keyBias = Math.max(keyBias, d);
                } else if (d > worst) {
                    worst = d;
                    where = t.name() + "[" + i + "]: " + x[i] + " vs " + y[i];
                }
            }
            compared++;
        }
        assertThat(compared).isGreaterThan(10);
        double lr = ((Number) a.getLast().get("lr")).doubleValue();
        assertThat(worst).as("%s: largest difference of a weight or buffer, at %s (lr %s)", method, where, lr).isLessThan(weightLrs * lr);
        // the key bias has an identically zero gradient (softmax ignores a shift shared by all keys): what AdamW
        // normalises there is rounding noise, whose sign differs between the two sum orders, so only its step bound holds
        assertThat(keyBias).isLessThanOrEqualTo(2 * STEPS * lr * 1.01);
    }

    private static List<Map<String, Object>> metrics(Path out) throws IOException {
        List<Map<String, Object>> records = new ArrayList<>();
        try (Stream<String> lines = Files.lines(out.resolve("metrics.jsonl"))) {
            for (String l : lines.filter(s -> !s.isBlank()).toList()) records.add(object(Json.parse(l)));
        }
        return records;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object json) {
        return (Map<String, Object>) json;
    }

    private MpiJobs.Job launch(int ranks, Path mpirun, String method, Path out, int batch, String distributed) throws IOException, InterruptedException {
        return MpiJobs.run(mpirun, ranks, dir.resolve(out.getFileName() + ".log"), 240, List.of("pretrain",
                "--method", method, "--model", "micro16", "--input-size", "16", "--data", "fashion-mnist-embedded",
                "--batch", String.valueOf(batch), "--epochs", "1", "--warmup", "0", "--max-steps", String.valueOf(STEPS),
                "--threads", "1", "--workers", "0", "--seed", "7", "--distributed", distributed, "--out", out.toString()));
    }

}
