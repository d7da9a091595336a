package io.tessera.eval.attention;

import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.nn.optim.AdamW;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Grad-CAM on a tiny supervised ViT trained for 40 steps to tell noise images with a bright patch (class 1,
 * anywhere on the 4×4 grid) from noise alone (class 0): the class-1 map peaks at the patch, wherever it is.
 * The block's query and key weights are held at zero while training, so its attention is uniform and the
 * evidence reaches the cls token through the values, the regime in which Grad-CAM's first-order weights
 * point at the evidence. (With learnt, sharply focused attention the key path makes the attended patch's
 * map negative in such toy models: the planted patch then gets the minimum, with the same, golden-checked
 * implementation.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GradCamTest {
    static final VitConfig CONFIG = new VitConfig(16, 4, 1, 32, 1, 4, 4.0, true, 1e-6, VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 2, 0.0);

    static final int BATCH = 32;

    ExecutionContext ctx;
    VisionTransformer vit;

    /** B images (B, 1, 16, 16): N(0, 0.3) noise, plus 2.0 on the 4×4 patch {@code where[b]} (none for −1). */
    static float[] images(Random rnd, int[] where) {
        float[] x = new float[where.length * 256];
        for (int b = 0; b < where.length; b++) {
            for (int i = 0; i < 256; i++) x[b * 256 + i] = (float) (0.3 * rnd.nextGaussian());
            if (where[b] < 0) continue;
            int r0 = (where[b] / 4) * 4, c0 = (where[b] % 4) * 4;
            for (int y = r0; y < r0 + 4; y++) for (int xx = c0; xx < c0 + 4; xx++) x[b * 256 + y * 16 + xx] += 2.0f;
        }
        return x;
    }

    /** Zeroes the query and key rows (the first 2·D) of the block's fused qkv weight and bias. */
    static void uniformAttention(VisionTransformer vit) {
        Tensor w = vit.store().tensor("blocks.0.attn.qkv.weight"), b = vit.store().tensor("blocks.0.attn.qkv.bias");
        int d = vit.config().width();
        float[] wv = w.toFloatArray(), bv = b.toFloatArray();
        java.util.Arrays.fill(wv, 0, 2 * d * d, 0f);
        java.util.Arrays.fill(bv, 0, 2 * d, 0f);
        w.backend().write(w, wv);
        b.backend().write(b, bv);
    }

    @BeforeAll
    void train() {
        ctx = ExecutionContext.cpu(2, 11);
        vit = VisionTransformer.create(ctx, CONFIG, DType.F32);
        uniformAttention(vit);
        AdamW opt = new AdamW(vit.store(), io.tessera.nn.optim.ParamGroups.uniform(false), 0.9, 0.999, 1e-8, 0);
        Random rnd = new Random(5);
        Ops ops = ctx.ops();
        for (int step = 0; step < 40; step++) {
            int[] where = new int[BATCH], labels = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                labels[i] = rnd.nextInt(2);
                where[i] = labels[i] == 1 ? rnd.nextInt(16) : -1;
            }
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                tape.backward(ops.crossEntropy(vit.forward(ops, ops.tensor(images(rnd, where), BATCH, 1, 16, 16)), ops.indices(labels, BATCH), 0.0));
            }
            opt.step(2e-3);
            vit.store().zeroGrad();
            uniformAttention(vit);
        }
        vit.eval();
    }

    @Test
    void theClassMapLightsThePlantedPatchWhereverItIs() {
        int[] where = new int[16];
        for (int i = 0; i < 16; i++) where[i] = (5 * i + 2) % 16;             // every position once, in a scrambled order
        try (Scope s = ctx.openScope()) {
            Tensor imgs = ctx.ops().tensor(images(new Random(99), where), 16, 1, 16, 16);
            List<GradCam.Cam> cams = GradCam.compute(ctx, vit, ClassHead.of(vit), imgs, null);
            for (int i = 0; i < 16; i++) {
                GradCam.Cam c = cams.get(i);
                assertThat(c.target()).as("top-1 of image %d is the patch class", i).isEqualTo(1);
                double[] m = c.cam();
                int best = 0;
                for (int j = 1; j < m.length; j++) if (m[j] > m[best]) best = j;
                assertThat(best).as("image %d, patch at %d: Grad-CAM %s", i, where[i], java.util.Arrays.toString(m)).isEqualTo(where[i]);
                assertThat(m[best]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            }
            assertThat(vit.store().grad("blocks.0.norm1.weight").toFloatArray()).as("parameter gradients are cleared").containsOnly(0f);
        }
    }

    @Test
    void badTargetsAndHeadsAreRefused() {
        try (Scope s = ctx.openScope()) {
            Tensor imgs = ctx.ops().zeros(2, 1, 16, 16);
            assertThatThrownBy(() -> GradCam.compute(ctx, vit, ClassHead.of(vit), imgs, new int[] {0, 3})).hasMessageContaining("class 3 is outside 0..1");
            Tensor w = ctx.ops().zeros(2, 48), b = ctx.ops().zeros(2);
            assertThatThrownBy(() -> GradCam.compute(ctx, vit, ClassHead.linear(w, b, "wide"), imgs, null))
                    .hasMessageContaining("takes features of width 48; the encoder gives 32");
            VisionTransformer headless = VisionTransformer.create(ctx, CONFIG.withClasses(0), DType.F32);
            assertThatThrownBy(() -> ClassHead.of(headless)).hasMessageContaining("no classification head");
        }
    }
}
