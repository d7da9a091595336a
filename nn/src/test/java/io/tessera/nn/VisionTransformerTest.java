package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Contract suite of the ViT on the F32 CPU backend: shapes and finite values of every stage,
 * a gradient for every trainable parameter, same seed → same output, drop path off in eval.
 */
class VisionTransformerTest {

    private static Tensor images(Ops ops, VitConfig cfg, int b, long seed) {
        return ops.randn(new Rng(seed), Shape.of(b, cfg.inChannels(), cfg.imageSize(), cfg.imageSize()), DType.F32);
    }

    @Test
    void tiny32ForwardShapesAndFiniteness() {
        VitConfig cfg = VitConfig.tiny32().withClasses(10);
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 1)) {
            VisionTransformer vit = VisionTransformer.create(ctx, cfg, DType.F32);
            vit.eval();
            Ops ops = ctx.ops();
            try (Scope s = ctx.openScope()) {
                Tensor x = images(ops, cfg, 2, 3);
                Tensor tokens = vit.tokens(ops, x);
                assertThat(tokens.shape()).isEqualTo(Shape.of(2, 65, 192));
                Tensor f = vit.features(ops, x);
                assertThat(f.shape()).isEqualTo(Shape.of(2, 192));
                Tensor logits = vit.forward(ops, x);
                assertThat(logits.shape()).isEqualTo(Shape.of(2, 10));
                assertThat(ops.allFinite(tokens)).isTrue();
                assertThat(ops.allFinite(logits)).isTrue();
                // cls-pooled features are the normalised cls token
                float[] ft = f.toFloatArray(), tt = tokens.toFloatArray();
                for (int d = 0; d < 192; d++) assertThat(ft[192 + d]).isEqualTo(tt[65 * 192 + d]);

                VisionTransformer.Intermediates im = vit.intermediates(ops, x);
                assertThat(im.tokens()).hasSize(12);
                assertThat(im.attention()).hasSize(12);
                assertThat(im.tokens().get(11).shape()).isEqualTo(Shape.of(2, 65, 192));
                assertThat(im.attention().get(0).shape()).isEqualTo(Shape.of(2, 3, 65, 65));
                float[] p = im.attention().get(5).toFloatArray();
                for (int row = 0; row < p.length / 65; row++) {
                    double sum = 0;
                    for (int k = 0; k < 65; k++) sum += p[row * 65 + k];
                    assertThat(sum).isCloseTo(1.0, within(1e-5));
                }
                assertThat(im.features().toFloatArray()).isEqualTo(ft);
            }
        }
    }

    @Test
    void everyTrainableParameterGetsAGradient() {
        for (VitConfig cfg : new VitConfig[]{
                VitConfig.tiny28().withDepth(2).withClasses(10),
                VitConfig.tiny28().withDepth(2).withClasses(10).withPooling(VitConfig.Pooling.MEAN).withPosEmbed(VitConfig.PosEmbed.LEARNABLE)}) {
            try (ExecutionContext ctx = ExecutionContext.cpu(2, 2)) {
                VisionTransformer vit = VisionTransformer.create(ctx, cfg, DType.F32);
                Ops ops = ctx.ops();
                try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                    Tensor logits = vit.forward(ops, images(ops, cfg, 3, 4));
                    Tensor loss = ops.crossEntropy(logits, ops.indices(new int[]{1, 7, 3}, 3), 0.0);
                    tape.backward(loss);
                }
                for (Parameter p : vit.store().parameters()) {
                    float[] g = p.grad().toFloatArray();
                    boolean nonzero = false, finite = true;
                    for (float v : g) {
                        nonzero |= v != 0;
                        finite &= Float.isFinite(v);
                    }
                    assertThat(nonzero).as("gradient of %s (%s)", p.name(), cfg.pooling()).isTrue();
                    assertThat(finite).as("finite gradient of %s", p.name()).isTrue();
                }
                vit.store().zeroGrad();
                assertThat(vit.store().gradients().toFloatArray()).containsOnly(0f);
            }
        }
    }

    @Test
    void frozenEncoderLeavesOnlyHeadGradients() {
        VitConfig cfg = VitConfig.tiny28().withDepth(1).withClasses(3);
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 5)) {
            VisionTransformer vit = VisionTransformer.create(ctx, cfg, DType.F32);
            assertThat(vit.store().setTrainable(n -> !n.startsWith("head."), false)).isEqualTo(vit.store().parameters().size() - 2);
            Ops ops = ctx.ops();
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                tape.backward(ops.crossEntropy(vit.forward(ops, images(ops, cfg, 2, 4)), ops.indices(new int[]{0, 2}, 2), 0.0));
            }
            for (Parameter p : vit.store().parameters()) {
                float[] g = p.grad().toFloatArray();
                boolean nonzero = false;
                for (float v : g) nonzero |= v != 0;
                assertThat(nonzero).as("gradient of %s", p.name()).isEqualTo(p.name().startsWith("head."));
            }
        }
    }

    @Test
    void sameSeedGivesSameOutput() {
        VitConfig cfg = VitConfig.tiny28().withDepth(3).withClasses(5);
        float[][] out = new float[3][];
        long[] seeds = {11, 11, 12};
        for (int i = 0; i < 3; i++) {
            try (ExecutionContext ctx = ExecutionContext.cpu(2, seeds[i])) {
                VisionTransformer vit = VisionTransformer.create(ctx, cfg, DType.F32);
                vit.eval();
                out[i] = vit.forward(ctx.ops(), images(ctx.ops(), cfg, 2, 5)).toFloatArray();
            }
        }
        assertThat(out[1]).isEqualTo(out[0]);
        assertThat(out[2]).isNotEqualTo(out[0]);
    }

    @Test
    void oneAndTwoThreadsGiveBitwiseIdenticalOutputAndGradients() {
        VitConfig cfg = VitConfig.tiny28().withDepth(2).withClasses(4);
        float[][] out = new float[2][], grads = new float[2][];
        for (int i = 0; i < 2; i++) {
            try (ExecutionContext ctx = ExecutionContext.cpu(i + 1, 31)) {
                VisionTransformer vit = VisionTransformer.create(ctx, cfg, DType.F32);
                Ops ops = ctx.ops();
                try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                    Tensor logits = vit.forward(ops, images(ops, cfg, 4, 9));
                    out[i] = logits.toFloatArray();
                    tape.backward(ops.crossEntropy(logits, ops.indices(new int[]{0, 1, 2, 3}, 4), 0.1));
                }
                grads[i] = vit.store().gradients().toFloatArray();
            }
        }
        assertThat(out[1]).isEqualTo(out[0]);
        assertThat(grads[1]).isEqualTo(grads[0]);
    }

    @Test
    void dropPathIsIdentityInEvalAndActiveInTraining() {
        VitConfig cfg = VitConfig.tiny28().withDepth(3).withClasses(4);
        float[] plain, evalDrop, trainDrop;
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 21)) {
            VisionTransformer vit = VisionTransformer.create(ctx, cfg, DType.F32);
            vit.eval();
            plain = vit.forward(ctx.ops(), images(ctx.ops(), cfg, 8, 6)).toFloatArray();
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 21)) {
            VisionTransformer vit = VisionTransformer.create(ctx, cfg.withDropPath(0.5), DType.F32);
            vit.setDropPathRng(ctx.rng("drop_path"));
            vit.eval();
            evalDrop = vit.forward(ctx.ops(), images(ctx.ops(), cfg, 8, 6)).toFloatArray();
            vit.train(true);
            trainDrop = vit.forward(ctx.ops(), images(ctx.ops(), cfg, 8, 6)).toFloatArray();
        }
        assertThat(evalDrop).isEqualTo(plain);
        assertThat(trainDrop).isNotEqualTo(plain);
    }

    @Test
    void stagesComposeToTokens() {
        VitConfig cfg = VitConfig.tiny28().withDepth(2);
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 8)) {
            VisionTransformer vit = VisionTransformer.create(ctx, cfg, DType.F32);
            Ops ops = ctx.ops();
            Tensor x = images(ops, cfg, 2, 7);
            Tensor patches = vit.embedPatches(ops, x);
            assertThat(patches.shape()).isEqualTo(Shape.of(2, 16, 192));
            Tensor seq = vit.prependCls(ops, patches);
            assertThat(seq.shape()).isEqualTo(Shape.of(2, 17, 192));
            float[] cls = seq.toFloatArray(), tok = vit.clsToken().tensor().toFloatArray();
            for (int d = 0; d < 192; d++) {
                assertThat(cls[d]).isEqualTo(tok[d]);           // pos_embed[0] is zero
                assertThat(cls[17 * 192 + d]).isEqualTo(tok[d]);
            }
            Tensor manual = vit.norm().forward(ops, vit.runBlocks(ops, seq));
            assertThat(manual.toFloatArray()).isEqualTo(vit.tokens(ops, x).toFloatArray());
        }
    }
}
