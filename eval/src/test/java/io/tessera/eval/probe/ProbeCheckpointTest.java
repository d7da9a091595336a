package io.tessera.eval.probe;

import io.tessera.eval.downstream.FeatureSet;
import io.tessera.eval.downstream.PatternImages;
import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.nn.checkpoint.CheckpointIntegrityException;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.ssl.data.Normalize;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The probe head's names and initialisation, and the probe checkpoint: rebuilt bit for bit, refused when it does not fit. */
class ProbeCheckpointTest {
    static final VitConfig MICRO = new VitConfig(8, 4, 1, 16, 2, 2, 4.0, true, 1e-6, VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0);

    @TempDir
    Path dir;

    @Test
    void headIsMaesSequentialWithItsInitialisation() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            LinearHead h = LinearHead.create(ctx, 64, 100, new Rng(2));
            assertThat(h.store().names()).containsExactly("0.running_mean", "0.running_var", "0.num_batches_tracked", "1.weight", "1.bias");
            assertThat(h.store().parameters()).hasSize(2); // BN has no affine parameters
            double[] w = h.linear().weight().tensor().toDoubleArray();
            double m = 0, m2 = 0;
            for (double v : w) {
                m += v / w.length;
                m2 += v * v / w.length;
            }
            assertThat(m).isCloseTo(0, within(3e-4));
            assertThat(Math.sqrt(m2)).as("std 0.01 (timm's cut at ±2 never bites)").isCloseTo(0.01, within(3e-4));
            assertThat(h.linear().bias().tensor().toDoubleArray()).containsOnly(0.0);
            assertThat(h.batchNorm().runningVar().tensor().toDoubleArray()).containsOnly(1.0);
        }
    }

    @Test
    void aSavedProbeRebuildsTheSameClassifier() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            VisionTransformer enc = VisionTransformer.create(ctx, MICRO, DType.F32);
            Normalize norm = new Normalize(new float[] {0.4f}, new float[] {0.25f});
            PatternImages train = new PatternImages(96, 8, 1), test = new PatternImages(32, 8, 2);
            FeatureSet ftr = FeatureSet.extract(ctx, enc, Pooling.AVG, train, norm, 32, 0, ProgressListener.NONE, "train");
            FeatureSet fte = FeatureSet.extract(ctx, enc, Pooling.AVG, test, norm, 32, 0, ProgressListener.NONE, "test");
            LinearProbe probe = new LinearProbe(ctx, 16, 4, LinearProbe.Settings.mae(16).withEpochs(5, 1).withBaseLr(20).withPooling(Pooling.AVG));
            LinearProbe.Result r = probe.train(ftr, fte, ProgressListener.NONE);
            ProbedModel model = new ProbedModel(enc, Pooling.AVG, r.head(), norm);
            ProbeCheckpoint.save(dir.resolve("probe"), model, Map.of("checkpoint", "none", "data", "patterns"));
            ProbedModel back = ProbeCheckpoint.load(ctx, dir.resolve("probe"));
            assertThat(back.pooling()).isEqualTo(Pooling.AVG);
            assertThat(back.classes()).isEqualTo(4);
            assertThat(back.normalize().mean()).containsExactly(0.4f);
            assertThat(back.head().batchNorm().runningMean().tensor().toFloatArray()).containsExactly(r.head().batchNorm().runningMean().tensor().toFloatArray());
            try (Scope s = ctx.openScope()) {
                Tensor x = ctx.ops().randn(new Rng(9), Shape.of(5, 1, 8, 8), DType.F32);
                assertThat(back.logits(ctx.ops(), x).toFloatArray()).containsExactly(model.logits(ctx.ops(), x).toFloatArray());
                Tensor ce = back.crossEntropy(ctx.ops(), x, ctx.ops().indices(new int[] {0, 1, 2, 3, 0}, 5));
                assertThat(ce.item()).isFinite();
            }
            String side = Files.readString(dir.resolve("probe.json"));
            assertThat(side).contains("\"format\":\"tessera.probe/1\"", "\"pooling\":\"avg\"", "\"bn_eps\":1.0E-6", "\"data\":\"patterns\"");

            // a description of another architecture than the weights
            Files.writeString(dir.resolve("probe.json"), side.replace("\"embed_dim\":16", "\"embed_dim\":32").replace("\"num_heads\":2", "\"num_heads\":4"));
            assertThatThrownBy(() -> ProbeCheckpoint.load(ctx, dir.resolve("probe"))).hasMessageContaining("does not fit its description");
            // another kind of checkpoint
            Files.writeString(dir.resolve("probe.json"), side.replace("tessera.probe/1", "tessera.finetune/1"));
            assertThatThrownBy(() -> ProbeCheckpoint.load(ctx, dir.resolve("probe"))).hasMessageContaining("is not a linear-probe checkpoint");
            // changed weights
            Files.writeString(dir.resolve("probe.json"), side);
            byte[] w = Files.readAllBytes(TrainingCheckpoint.weightsPath(dir.resolve("probe")));
            w[w.length - 3] ^= 1;
            Files.write(TrainingCheckpoint.weightsPath(dir.resolve("probe")), w);
            assertThatThrownBy(() -> ProbeCheckpoint.load(ctx, dir.resolve("probe"))).isInstanceOf(CheckpointIntegrityException.class);
        }
    }
}
