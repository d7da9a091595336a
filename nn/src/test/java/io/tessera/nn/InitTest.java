package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** MAE initialisation (spec §1.5): bounds, statistics, constants, position table and determinism. */
class InitTest {

    private static double max(float[] v) {
        double m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }

    private static double var(float[] v) {
        double m = mean(v), s = 0;
        for (float x : v) s += (x - m) * (x - m);
        return s / v.length;
    }

    @Test
    void specBoundsForVitBase() {
        assertThat(Init.xavierBound(768, 3 * 16 * 16)).isCloseTo(0.0625, within(1e-12));
        assertThat(Init.xavierBound(2304, 768)).isCloseTo(0.04419, within(1e-5));
        assertThat(1 / Math.sqrt(768)).isCloseTo(0.036084, within(1e-6));
    }

    @Test
    void tiny32InitialisationFollowsMae() {
        try (ExecutionContext ctx = ExecutionContext.reference(42)) {
            VisionTransformer vit = VisionTransformer.create(ctx, VitConfig.tiny32().withClasses(10), DType.F32);
            ParameterStore s = vit.store();

            float[] qkv = s.tensor("blocks.3.attn.qkv.weight").toFloatArray();
            double bq = Math.sqrt(6.0 / (192 + 576));
            assertThat(max(qkv)).isLessThanOrEqualTo(bq).isGreaterThan(0.99 * bq);
            assertThat(mean(qkv)).isCloseTo(0, within(0.01 * bq));
            assertThat(var(qkv)).isCloseTo(bq * bq / 3, within(0.02 * bq * bq / 3));

            float[] fc2 = s.tensor("blocks.11.mlp.fc2.weight").toFloatArray();
            double bf = Math.sqrt(6.0 / (768 + 192));
            assertThat(max(fc2)).isLessThanOrEqualTo(bf).isGreaterThan(0.99 * bf);

            float[] pw = s.tensor("patch_embed.proj.weight").toFloatArray();
            double bp = Math.sqrt(6.0 / (3 * 4 * 4 + 192));
            assertThat(max(pw)).isLessThanOrEqualTo(bp).isGreaterThan(0.98 * bp);
            float[] pb = s.tensor("patch_embed.proj.bias").toFloatArray();
            double bb = 1 / Math.sqrt(48);
            assertThat(max(pb)).isLessThanOrEqualTo(bb).isGreaterThan(0.8 * bb);

            float[] cls = s.tensor("cls_token").toFloatArray();
            assertThat(Math.sqrt(var(cls))).isCloseTo(0.02, within(0.004));

            for (String n : new String[]{"blocks.0.attn.qkv.bias", "blocks.0.attn.proj.bias", "blocks.5.mlp.fc1.bias",
                    "blocks.0.norm1.bias", "norm.bias", "head.bias"}) {
                assertThat(s.tensor(n).toFloatArray()).as(n).containsOnly(0f);
            }
            for (String n : new String[]{"blocks.0.norm1.weight", "blocks.11.norm2.weight", "norm.weight"}) {
                assertThat(s.tensor(n).toFloatArray()).as(n).containsOnly(1f);
            }
            float[] head = s.tensor("head.weight").toFloatArray();
            assertThat(max(head)).isLessThanOrEqualTo(Math.sqrt(6.0 / 202));

            double[] table = SinCosPosEmbed.table(192, 8, 8, true);
            float[] pos = s.tensor("pos_embed").toFloatArray();
            for (int i = 0; i < table.length; i++) assertThat(pos[i]).isEqualTo((float) table[i]);
            assertThat(s.gradients().toFloatArray()).containsOnly(0f);
        }
    }

    @Test
    void sameSeedSameParametersOtherSeedOthers() {
        VitConfig cfg = VitConfig.tiny28().withDepth(2).withClasses(10);
        float[] a, b, c;
        try (ExecutionContext ctx = ExecutionContext.reference(7)) {
            a = VisionTransformer.create(ctx, cfg, DType.F32).store().values().toFloatArray();
        }
        try (ExecutionContext ctx = ExecutionContext.reference(7)) {
            b = VisionTransformer.create(ctx, cfg, DType.F32).store().values().toFloatArray();
        }
        try (ExecutionContext ctx = ExecutionContext.reference(8)) {
            c = VisionTransformer.create(ctx, cfg, DType.F32).store().values().toFloatArray();
        }
        assertThat(b).isEqualTo(a);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void truncNormalStaysWithinTwoSigma() {
        try (ExecutionContext ctx = ExecutionContext.reference(3)) {
            ParameterStore s = new ParameterStore();
            Linear head = new Linear(s, "head", 64, 100, true);
            s.allocate(ctx, DType.F32);
            head.initTruncNormal(ctx.rng("head"), 0.01);
            float[] w = head.weight().tensor().toFloatArray();
            assertThat(max(w)).isLessThanOrEqualTo(0.02 + 1e-9);
            assertThat(Math.sqrt(var(w))).isCloseTo(0.0088, within(0.0005)); // σ·0.8796 for a ±2σ cut
        }
    }
}
