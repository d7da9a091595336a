package io.tessera.tests.checkpoint;

import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.NameScheme;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.nn.optim.AdamW;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import io.tessera.ssl.mae.MaeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A training checkpoint round-trips bit-exactly (weights, buffers, optimizer state, sidecar),
 * resuming continues with bitwise the same losses, and damaged checkpoints are refused.
 */
class TrainingCheckpointTest {
    @TempDir
    Path dir;

    private static double step(ExecutionContext ctx, MaskedAutoencoder mae, AdamW opt, Tensor imgs, Rng rng) {
        mae.store().zeroGrad();
        double loss;
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            Tensor l = mae.forward(ctx.ops(), imgs, rng).loss();
            tape.backward(l);
            loss = l.item();
        }
        opt.step(1e-3);
        return loss;
    }

    @Test
    void roundTripIsBitExactAndResumeContinuesIdentically() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 5)) {
            Ops ops = ctx.ops();
            Tensor imgs = ops.randn(new Rng(9), Shape.of(4, 3, 16, 16), DType.F32);
            MaskedAutoencoder a = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            AdamW optA = AdamW.maePretrain(a.store());
            Rng masks = new Rng(77);
            for (int i = 0; i < 2; i++) step(ctx, a, optA, imgs, masks.split(i));

            Path base = dir.resolve("ckpt-2");
            TrainingCheckpoint.save(base, a.store(), optA.state(), Map.of("step", 2L, "note", "test"));

            MaskedAutoencoder b = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            AdamW optB = AdamW.maePretrain(b.store());
            Map<String, Object> side = TrainingCheckpoint.load(base, b.store(), optB.state());
            optB.setSteps((Long) side.get("step"));
            assertThat(side).containsEntry("note", "test");
            assertThat(b.store().values().toFloatArray()).containsExactly(a.store().values().toFloatArray());
            assertThat(b.store().bufferValues().toFloatArray()).containsExactly(a.store().bufferValues().toFloatArray());
            for (String k : optA.state().keySet()) {
                assertThat(optB.state().get(k).toFloatArray()).as(k).containsExactly(optA.state().get(k).toFloatArray());
            }
            for (int i = 2; i < 4; i++) {
                double la = step(ctx, a, optA, imgs, masks.split(i));
                double lb = step(ctx, b, optB, imgs, masks.split(i));
                assertThat(lb).as("loss at step %d after resume", i).isEqualTo(la);
            }
        }
    }

    @Test
    void mismatchedOrIncompleteCheckpointsAreRefused() throws IOException {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 5)) {
            MaskedAutoencoder a = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            AdamW opt = AdamW.maePretrain(a.store());
            Path base = dir.resolve("c");
            TrainingCheckpoint.save(base, a.store(), opt.state(), Map.of("step", 0L));
            assertThat(TrainingCheckpoint.exists(base)).isTrue();

            byte[] w = Files.readAllBytes(TrainingCheckpoint.weightsPath(base));
            w[w.length - 1] ^= 1;
            Files.write(TrainingCheckpoint.weightsPath(base), w);
            assertThatThrownBy(() -> TrainingCheckpoint.load(base, a.store(), opt.state()))
                    .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("does not match the sidecar");

            Files.delete(TrainingCheckpoint.sidecarPath(base));
            assertThatThrownBy(() -> TrainingCheckpoint.load(base, a.store(), opt.state()))
                    .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("sidecar missing");
        }
    }

    @Test
    void maeAndTimmNamesConvert() {
        assertThat(NameScheme.MAE.convert("blocks.3.attn.qkv.weight", NameScheme.TIMM)).isEqualTo("blocks.3.attn.qkv.weight");
        assertThat(NameScheme.MAE.convert("decoder_blocks.0.norm1.weight", NameScheme.TIMM)).isNull();
        assertThat(NameScheme.MAE.convert("mask_token", NameScheme.TIMM)).isNull();
        assertThat(NameScheme.TIMM.convert("head.weight", NameScheme.MAE)).isNull();
        assertThat(NameScheme.TIMM.convert("cls_token", NameScheme.MAE)).isEqualTo("cls_token");
    }
}
