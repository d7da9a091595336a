package io.tessera.tests;

import io.tessera.nn.checkpoint.LoadReport;
import io.tessera.nn.checkpoint.NameScheme;
import io.tessera.nn.checkpoint.StateDict;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.nn.checkpoint.torch.TorchCheckpoint;
import io.tessera.nn.optim.AdamW;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's code examples, run as written (with a small model and a local checkpoint). */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void tensorsAndAutograd() {
        try (ExecutionContext ctx = ExecutionContext.cpu(Runtime.getRuntime().availableProcessors(), 42)) {
            Ops ops = ctx.ops();
            Tensor w = ops.randn(ctx.rng("w"), Shape.of(64, 32), DType.F32).requiresGrad(true);
            try (Scope step = ctx.openScope(); Tape tape = ctx.record()) {
                Tensor x = ops.randn(ctx.rng("x"), Shape.of(16, 32), DType.F32);
                Tensor loss = ops.mean(ops.gelu(ops.linear(x, w, null)));
                tape.backward(loss);
            }
            assertThat(w.grad()).isNotNull();
            assertThat(ops.allFinite(w.grad())).isTrue();
            assertThat(ops.sum(ops.abs(w.grad())).item()).isGreaterThan(0.0);
        }
    }

    @Test
    void maeLoadForwardBackwardStep() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            Ops ops = ctx.ops();
            Path ckpt = dir.resolve("mae_vit_micro.safetensors");
            StoreCheckpoint.save(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32).store(), ckpt, Map.of());
            int batch = 2;
            Tensor imgs = ops.randn(new Rng(1), Shape.of(batch, 3, 16, 16), DType.F32);
            float[] noise = new float[batch * 16];
            Rng r = new Rng(2);
            for (int i = 0; i < noise.length; i++) noise[i] = r.nextFloat();

            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            StoreCheckpoint.load(mae.store(), ckpt, StoreCheckpoint.Match.STORE_ENTRIES, n -> n);
            MaskPlan plan = RandomMasking.fromNoise(ops, noise, batch, 16, 0.75);
            float[] before;
            try (Scope step = ctx.openScope(); Tape tape = ctx.record()) {
                MaskedAutoencoder.Output out = mae.forward(ops, imgs, plan);
                assertThat(out.pred().shape()).isEqualTo(Shape.of(batch, 16, 48));
                assertThat(out.latent().shape()).isEqualTo(Shape.of(batch, 1 + 4, 32));
                assertThat(out.mask().toFloatArray()).containsOnly(0f, 1f);
                tape.backward(out.loss());
            }
            Tensor g = mae.store().grad("blocks.0.attn.qkv.weight");
            assertThat(g.shape()).isEqualTo(Shape.of(96, 32));
            before = mae.store().tensor("blocks.0.attn.qkv.weight").toFloatArray();
            AdamW.maePretrain(mae.store()).step(1.5e-4);
            assertThat(mae.store().tensor("blocks.0.attn.qkv.weight").toFloatArray()).isNotEqualTo(before);
        }
    }

    @Test
    void pthLoadWithStrictFalse() throws Exception {
        // an encoder-only checkpoint under 'model', as the released mae_pretrain_vit_*.pth are
        Path release = dir.resolve("mae_pretrain_vit_micro.pth");
        TorchCheckpoint.write(release, StateDict.read(Path.of("reference/golden/pth_mae_micro.pth")).tensors().stream()
                .filter(t -> !NameScheme.isDecoder(t.name())).toList(), java.util.List.of("model"));
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            StateDict sd = StateDict.read(release);
            LoadReport r = StoreCheckpoint.load(mae.store(), sd, StoreCheckpoint.Match.PARTIAL, n -> n);
            assertThat(r.missingKeys()).isNotEmpty().allMatch(NameScheme::isDecoder);
            assertThat(r.unexpectedKeys()).isEmpty();
            assertThat(mae.store().tensor("blocks.1.mlp.fc2.weight").toFloatArray()).containsExactly(sd.get("blocks.1.mlp.fc2.weight").toFloats());
        }
    }

    @Test
    void hessianVectorProductsAndSpectra() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            Ops ops = ctx.ops();
            // the tape API: H·v of a small loss
            Tensor w = ops.randn(ctx.rng("w"), Shape.of(8, 4), DType.F32).requiresGrad(true);
            Tensor x = ops.randn(ctx.rng("x"), Shape.of(16, 4), DType.F32);
            Tensor v = ops.randn(ctx.rng("v"), Shape.of(8, 4), DType.F32);
            try (Scope s = ctx.openScope(); Tape tape = ctx.recordHigherOrder()) {
                Tensor loss = ops.mean(ops.gelu(ops.linear(x, w, null)));
                java.util.List<Tensor> g = tape.gradGraph(loss, java.util.List.of(w));   // ∇L, itself on the tape
                tape.backward(g, java.util.List.of(v), false);                             // w.grad() = H·v
            }
            assertThat(ops.allFinite(w.grad())).isTrue();

            // a method's loss at fixed data and masks, and its spectrum
            io.tessera.ssl.mae.MaeMethod method = new io.tessera.ssl.mae.MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            Tensor imgs = ops.randn(new Rng(1), Shape.of(4, 3, 16, 16), DType.F32);
            var batches = java.util.List.of(new io.tessera.ssl.method.Batch(imgs, ops.indices(new int[4], 4)));
            var objective = new io.tessera.eval.objective.FrozenObjective(method, batches, 0, io.tessera.eval.objective.FrozenObjective.Terms.TASK, 0);
            var params = io.tessera.eval.objective.ParameterSelection.of(method.trainable(), io.tessera.eval.objective.ParameterSelection.Rule.ALL_TRAINABLE);
            try (var hvp = new io.tessera.eval.hessian.HessianVectorProduct(ctx, objective, params)) {
                var top = io.tessera.eval.hessian.PowerIteration.run(hvp, io.tessera.eval.hessian.PowerIteration.Settings.pyHessian().withTopK(2));
                var lanczos = io.tessera.eval.hessian.Lanczos.run(hvp, io.tessera.eval.hessian.Lanczos.Settings.defaults().withSteps(10));
                assertThat(top.eigenvalues()).hasSize(2);
                assertThat(lanczos.lambdaMax()).isGreaterThanOrEqualTo(lanczos.lambdaMin());
            }
        }
    }
}
