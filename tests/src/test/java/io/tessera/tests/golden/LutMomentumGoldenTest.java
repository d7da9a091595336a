package io.tessera.tests.golden;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.optim.LrRule;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.ssl.train.BatchSource;
import io.tessera.ssl.train.Trainer;
import io.tessera.ssl.train.TrainerConfig;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * LUT's teacher momentum as the official loop indexes it (tests/reference/make_golden_lut_momentum.py):
 * the trainer's iteration index for each optimizer step, under accumulation and with incomplete last
 * windows, and the cosine over K = epochs × micro-batches per epoch that {@code tessera pretrain}
 * builds, give the official indices exactly and the official momenta to 1e-15.
 */
class LutMomentumGoldenTest {
    @TempDir
    Path dir;

    /** {@code batches} micro-batches of two fixed 16×16 RGB images per epoch. */
    private record FixedSource(ExecutionContext ctx, int batches) implements BatchSource {
        public int batchesPerEpoch() { return batches; }
        public int batchSize() { return 2; }
        public Iterator<Batch> epoch(int epoch, int first) {
            float[] px = new float[2 * 3 * 16 * 16];
            Rng r = new Rng(5);
            for (int i = 0; i < px.length; i++) px[i] = (float) r.nextGaussian();
            List<Batch> l = new ArrayList<>();
            for (int b = first; b < batches; b++) l.add(new Batch(ctx.ops().tensor(px, 2, 3, 16, 16), ctx.ops().indices(new int[]{0, 1}, 2)));
            return l.iterator();
        }
    }

    @ParameterizedTest
    @CsvSource({"3, 4, 1", "2, 5, 2", "2, 7, 3"})
    void indicesAndMomentaMatchTheOfficialLoop(int epochs, int niter, int accum) throws IOException {
        SafeTensors.Contents g = Golden.load("lut_momentum.safetensors");
        String key = "e" + epochs + "_n" + niter + "_a" + accum;
        long[] wantIt = Golden.get(g, key + ".it").toLongs();
        double[] wantM = Golden.get(g, key + ".momentum").toDoubles();
        MomentumSchedule schedule = MomentumSchedule.cosine(0.996, (long) epochs * niter); // K as tessera pretrain builds it
        List<Long> its = new ArrayList<>();
        List<Double> momenta = new ArrayList<>();
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            MaeMethod mae = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            PretrainMethod recording = new PretrainMethod() {
                public String name() { return "lut"; }
                public ParameterStore trainable() { return mae.trainable(); }
                public Map<String, ParameterStore> stores() { return mae.stores(); }
                public String evaluationRole() { return "student"; }
                public void train(boolean on) { mae.train(on); }
                public StepLosses forward(Ops ops, Batch batch, Rng rng) { return mae.forward(ops, batch, rng); }
                public void afterOptimizerStep(long it) {
                    its.add(it);
                    momenta.add(schedule.at(it));
                }
            };
            TrainerConfig cfg = new TrainerConfig(epochs, 0, 1e-4, LrRule.SQRT_PRETRAIN, 0, 0.05, 0.95, accum, 0, 0, 0, dir, 0);
            new Trainer(ctx, recording, new FixedSource(ctx, niter), cfg, Map.of(), new PrintStream(new ByteArrayOutputStream()), false).run();
        }
        assertThat(its.stream().mapToLong(Long::longValue).toArray()).containsExactly(wantIt);
        assertThat(momenta).hasSize(wantM.length);
        for (int i = 0; i < wantM.length; i++) assertThat(momenta.get(i)).as("momentum at update %d", i).isCloseTo(wantM[i], within(1e-15));
        if (accum == 1) assertThat(momenta.getFirst()).as("with accumulation 1 the first update uses m₀ itself").isEqualTo(0.996);
    }
}
