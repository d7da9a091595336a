package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.GradCheck;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** float64 directional gradient checks of the layers and of a tiny ViT (all parameters and the input). */
class GradientCheckTest {
    private static final VitConfig MICRO = new VitConfig(8, 4, 2, 8, 2, 2, 2.0, true, 1e-6,
            VitConfig.Pooling.CLS, VitConfig.PosEmbed.LEARNABLE, 3, 0.0);

    /** The spans a directional check moves: every trainable parameter in the flat store, then each input. */
    static List<GradCheck.Span> spans(ParameterStore store, Tensor... inputs) {
        List<GradCheck.Span> spans = new ArrayList<>();
        for (Parameter p : store.parameters()) {
            if (p.trainable()) spans.add(new GradCheck.Span(store.values(), store.gradients(), p.offset(), p.offset() + p.size()));
        }
        for (Tensor x : inputs) spans.add(GradCheck.Span.leaf(x));
        return spans;
    }

    @Test
    void linearAndMlp() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            ParameterStore s = new ParameterStore();
            Linear lin = new Linear(s, "proj", 6, 4, true);
            Mlp mlp = new Mlp(s, "mlp", 4, 7);
            s.allocate(ctx, DType.F64);
            Init.normal(s.values(), ctx.rng("w"), 0.7);
            Tensor x = GradCheck.randn(ctx, 3, 2, 3, 6);
            for (long seed = 1; seed <= 3; seed++) {
                GradCheck.directional(ctx, ops -> mlp.forward(ops, lin.forward(ops, x)), seed, 1e-6, spans(s, x));
            }
        }
    }

    @Test
    void checkerCatchesAMissingGradient() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            ParameterStore s = new ParameterStore();
            Linear lin = new Linear(s, "proj", 6, 4, true);
            Mlp mlp = new Mlp(s, "mlp", 4, 7);
            s.allocate(ctx, DType.F64);
            Init.normal(s.values(), ctx.rng("w"), 0.7);
            Tensor x = GradCheck.randn(ctx, 3, 2, 3, 6);
            // detach cuts the gradient into proj and x: the analytic derivative must disagree
            assertThatThrownBy(() -> GradCheck.directional(ctx,
                    ops -> mlp.forward(ops, ops.detach(lin.forward(ops, x))), 1, 1e-6, spans(s, x)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("analytic");
        }
    }

    @Test
    void layerNormThenMlp() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            ParameterStore s = new ParameterStore();
            LayerNorm ln = new LayerNorm(s, "norm", 6, 1e-6);
            Mlp mlp = new Mlp(s, "mlp", 6, 10);
            s.allocate(ctx, DType.F64);
            ln.init(ctx.rng("init"));
            mlp.init(ctx.rng("init"));
            // move LayerNorm away from 1/0 so its parameter gradients are exercised generically
            Init.normal(ln.weight().tensor(), ctx.rng("w"), 1.0);
            Init.normal(ln.bias().tensor(), ctx.rng("b"), 1.0);
            Tensor x = GradCheck.randn(ctx, 3, 2, 3, 6);
            for (long seed = 1; seed <= 3; seed++) {
                GradCheck.directional(ctx, ops -> mlp.forward(ops, ln.forward(ops, x)), seed, 1e-5, spans(s, x));
            }
        }
    }

    @Test
    void attentionAndBlock() {
        try (ExecutionContext ctx = ExecutionContext.reference(2)) {
            ParameterStore s = new ParameterStore();
            Block block = new Block(s, "blocks.0", 8, 2, 16, true, 1e-6, 0.0);
            s.allocate(ctx, DType.F64);
            block.init(ctx.rng("init"));
            Init.normal(s.values(), ctx.rng("spread"), 0.5); // generic values, nonzero biases
            Tensor x = GradCheck.randn(ctx, 5, 2, 5, 8);
            for (long seed = 1; seed <= 3; seed++) {
                GradCheck.directional(ctx, ops -> block.forward(ops, x), seed, 1e-5, spans(s, x));
                GradCheck.directional(ctx, ops -> block.attn().forward(ops, x), seed + 10, 1e-5, spans(s, x));
            }
        }
    }

    /**
     * The same checks on the reference backend reporting fused attention, so Block.forward and
     * Attention.forward keep the row log-sum-exp (Ops.attentionOutput) instead of the
     * probabilities; the output equals the one with probabilities.
     */
    @Test
    void attentionAndBlockOnABackendThatFusesAttention() {
        try (ExecutionContext ctx = new ExecutionContext(new ReferenceBackend() {
            @Override
            public boolean fusedAttention() {
                return true;
            }
        }, 2)) {
            ParameterStore s = new ParameterStore();
            Block block = new Block(s, "blocks.0", 8, 2, 16, true, 1e-6, 0.0);
            s.allocate(ctx, DType.F64);
            block.init(ctx.rng("init"));
            Init.normal(s.values(), ctx.rng("spread"), 0.5);
            Tensor x = GradCheck.randn(ctx, 5, 2, 5, 8);
            for (long seed = 1; seed <= 2; seed++) {
                GradCheck.directional(ctx, ops -> block.forward(ops, x), seed, 1e-5, spans(s, x));
                GradCheck.directional(ctx, ops -> block.attn().forward(ops, x), seed + 10, 1e-5, spans(s, x));
            }
            double[] withProbs = block.forwardWithProbs(ctx.ops(), x).out().toDoubleArray();
            assertThat(block.forward(ctx.ops(), x).toDoubleArray()).containsExactly(withProbs, within(1e-13));
        }
    }

    @Test
    void batchNormInTrainingAndEvalMode() {
        try (ExecutionContext ctx = ExecutionContext.reference(4)) {
            ParameterStore s = new ParameterStore();
            BatchNorm1d bn = new BatchNorm1d(s, "bn", 5);
            s.allocate(ctx, DType.F64);
            bn.init(ctx.rng("init"));
            Init.normal(s.values(), ctx.rng("w"), 1.0);
            Tensor x = GradCheck.randn(ctx, 6, 7, 5);
            GradCheck.directional(ctx, ops -> bn.forward(ops, x), 1, 1e-6, spans(s, x));
            Init.uniform(bn.runningMean().tensor(), ctx.rng("rm"), 0.5);
            Init.constant(bn.runningVar().tensor(), 1.3);
            bn.eval();
            GradCheck.directional(ctx, ops -> bn.forward(ops, x), 2, 1e-6, spans(s, x));
        }
    }

    @Test
    void tinyVitWithClsPoolingAndHead() {
        check(MICRO);
    }

    @Test
    void tinyVitWithMeanPoolingFixedPositions() {
        check(MICRO.withPooling(VitConfig.Pooling.MEAN).withPosEmbed(VitConfig.PosEmbed.FIXED_SINCOS).withClasses(0));
    }

    private static void check(VitConfig cfg) {
        try (ExecutionContext ctx = ExecutionContext.reference(3)) {
            VisionTransformer vit = VisionTransformer.create(ctx, cfg, DType.F64);
            Init.normal(vit.store().values(), ctx.rng("spread"), 0.3);
            vit.eval();
            Tensor imgs = GradCheck.randn(ctx, 9, 2, cfg.inChannels(), cfg.imageSize(), cfg.imageSize());
            for (long seed = 1; seed <= 2; seed++) {
                GradCheck.directional(ctx, ops -> vit.forward(ops, imgs), seed, 1e-5, spans(vit.store(), imgs));
            }
        }
    }
}
