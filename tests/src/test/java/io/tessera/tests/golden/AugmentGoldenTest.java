package io.tessera.tests.golden;

import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.ssl.data.Draws;
import io.tessera.ssl.data.Image;
import io.tessera.ssl.data.Mixup;
import io.tessera.ssl.data.PilImageOps;
import io.tessera.ssl.data.QuantizedImage;
import io.tessera.ssl.data.RandAugment;
import io.tessera.ssl.data.RandomErasing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The fine-tuning augmentations against Pillow 9.4 and restatements of timm 0.3
 * (tests/reference/make_golden_augment.py): every RandAugment operation pixel for pixel on an RGB
 * and a grey image, whole RandAugment draws replayed from the recorded random numbers, Mixup/CutMix
 * batches (λ, box, images, soft targets) and random-erasing boxes.
 */
class AugmentGoldenTest {
    private static final SafeTensors.Contents G = Golden.load("augment.safetensors");

    /** Replays a recorded sequence of draws; fails when the Java side asks for a different kind or bound. */
    static final class Replay implements Draws {
        private final int[] kind, bound;
        private final double[] value;
        private final boolean gaussiansFree;
        private int next;

        Replay(String prefix, boolean gaussiansFree) {
            kind = Golden.ints(G, prefix + ".draws.kind");
            bound = Golden.ints(G, prefix + ".draws.bound");
            value = Golden.get(G, prefix + ".draws.value").toDoubles();
            this.gaussiansFree = gaussiansFree;
        }

        private double take(int k, int b) {
            assertThat(next).as("more draws than recorded").isLessThan(kind.length);
            assertThat(kind[next]).as("kind of draw %d", next).isEqualTo(k);
            if (k == 1) assertThat(bound[next]).as("bound of draw %d", next).isEqualTo(b);
            return value[next++];
        }

        @Override
        public double nextDouble() {
            return take(0, 0);
        }

        @Override
        public int nextInt(int b) {
            return (int) take(1, b);
        }

        @Override
        public double nextGaussian() {
            return gaussiansFree ? 0.0 : take(2, 0);
        }

        @Override
        public double gaussian(double mean, double std) {
            return take(2, 0);
        }

        @Override
        public double nextBeta(double a, double b) {
            return take(3, 0);
        }

        boolean exhausted() {
            return next == kind.length;
        }
    }

    private static QuantizedImage image(String key) {
        long[] shape = Golden.get(G, key + ".image").shape();
        return new QuantizedImage((int) shape[0], (int) shape[1], (int) shape[2], Golden.ints(G, key + ".image"));
    }

    private static int[] fill(String key) {
        return key.equals("rgb") ? new int[] {124, 116, 104} : new int[] {73};
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb", "grey"})
    void everyOperationMatchesPillow(String key) {
        QuantizedImage img = image(key);
        int[] fill = fill(key);
        Map<String, BiFunction<QuantizedImage, Double, QuantizedImage>> ops = new LinkedHashMap<>();
        ops.put("AutoContrast", (x, a) -> PilImageOps.autocontrast(x));
        ops.put("Equalize", (x, a) -> PilImageOps.equalize(x));
        ops.put("Invert", (x, a) -> PilImageOps.invert(x));
        ops.put("Rotate", (x, a) -> PilImageOps.rotate(x, a, fill));
        ops.put("Posterize", (x, a) -> PilImageOps.posterize(x, a.intValue()));
        ops.put("Solarize", (x, a) -> PilImageOps.solarize(x, a.intValue()));
        ops.put("SolarizeAdd", (x, a) -> PilImageOps.solarizeAdd(x, a.intValue(), 128));
        ops.put("Color", PilImageOps::color);
        ops.put("Contrast", PilImageOps::contrast);
        ops.put("Brightness", PilImageOps::brightness);
        ops.put("Sharpness", PilImageOps::sharpness);
        ops.put("ShearX", (x, a) -> PilImageOps.affine(x, new double[] {1, a, 0, 0, 1, 0}, fill));
        ops.put("ShearY", (x, a) -> PilImageOps.affine(x, new double[] {1, 0, 0, a, 1, 0}, fill));
        ops.put("TranslateXRel", (x, a) -> PilImageOps.affine(x, new double[] {1, 0, a * x.width(), 0, 1, 0}, fill));
        ops.put("TranslateYRel", (x, a) -> PilImageOps.affine(x, new double[] {1, 0, 0, 0, 1, a * x.height()}, fill));
        int checked = 0;
        for (var e : ops.entrySet()) {
            for (int i = 0; G.get(key + ".op." + e.getKey() + "." + i) != null; i++) {
                var argT = G.get(key + ".arg." + e.getKey() + "." + i);
                double arg = argT == null ? 0 : argT.toDoubles()[0];
                int[] want = Golden.ints(G, key + ".op." + e.getKey() + "." + i);
                int[] got = e.getValue().apply(img, arg).data();
                assertThat(got).as("%s %s(%s)", key, e.getKey(), arg).containsExactly(want);
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(40);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb", "grey"})
    void wholeRandAugmentDrawsMatchTimmOnPillow(String key) {
        RandAugment ra = new RandAugment(RandAugment.Policy.mae(), fill(key));
        QuantizedImage img = image(key);
        for (int s = 0; s < 24; s++) {
            Replay r = new Replay(key + ".randaug." + s, false);
            int[] got = ra.apply(img, r).data();
            assertThat(r.exhausted()).as("all recorded draws of sample %d used", s).isTrue();
            assertThat(got).as("%s RandAugment sample %d", key, s).containsExactly(Golden.ints(G, key + ".randaug." + s + ".out"));
        }
    }

    @Test
    void mixupAndCutmixBatchesMatchTimm() {
        Mixup mix = new Mixup(Mixup.Settings.mae(5));
        int cutmixes = 0;
        for (int s = 0; s < 16; s++) {
            String p = "mix." + s;
            long[] shape = Golden.get(G, p + ".x").shape();
            float[] x = toFloats(Golden.get(G, p + ".x").toDoubles());
            int[] labels = Golden.ints(G, p + ".target");
            Replay r = new Replay(p, false);
            Mixup.Mixed m = mix.apply(x, labels, (int) shape[1], (int) shape[2], (int) shape[3], r);
            assertThat(r.exhausted()).isTrue();
            int[] box = Golden.ints(G, p + ".box");
            Mixup.Params params = m.params();
            assertThat(params.cutmix()).as("sample %d uses cutmix", s).isEqualTo(box[0] == 1);
            if (params.cutmix()) {
                cutmixes++;
                assertThat(new int[] {params.yl(), params.yh(), params.xl(), params.xh()}).containsExactly(Arrays.copyOfRange(box, 1, 5));
            }
            assertThat(params.lambda()).isEqualTo(Golden.get(G, p + ".lam").toDoubles()[0]);
            assertFloats(m.images(), Golden.get(G, p + ".mixed").toDoubles(), 0, "mixed images " + s);
            assertFloats(m.targets(), Golden.get(G, p + ".soft").toDoubles(), 0, "soft targets " + s);
        }
        assertThat(cutmixes).as("both kinds occur among the 16 seeds").isBetween(2, 14);
    }

    @Test
    void randomErasingBoxesMatchTimm() {
        RandomErasing re = RandomErasing.mae();
        Replay r = new Replay("erase", true);
        int[] boxes = Golden.ints(G, "erase.boxes");
        float[] ones = new float[3 * 13 * 17];
        Arrays.fill(ones, 1f);
        Image img = new Image(3, 13, 17, ones);
        int erased = 0;
        for (int i = 0; i < boxes.length / 5; i++) {
            float[] out = re.apply(img, r).data();
            boolean any = false;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 13; y++) {
                    for (int x = 0; x < 17; x++) {
                        boolean in = boxes[5 * i] == 1 && y >= boxes[5 * i + 1] && y < boxes[5 * i + 1] + boxes[5 * i + 3]
                                && x >= boxes[5 * i + 2] && x < boxes[5 * i + 2] + boxes[5 * i + 4];
                        assertThat(out[(c * 13 + y) * 17 + x]).as("image %d pixel (%d, %d, %d)", i, c, y, x).isEqualTo(in ? 0f : 1f);
                        any |= in;
                    }
                }
            }
            if (any) erased++;
        }
        assertThat(r.exhausted()).isTrue();
        assertThat(erased).as("about a quarter of 200 images erased").isBetween(30, 75);
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    private static void assertFloats(float[] got, double[] want, double tol, String what) {
        assertThat(got).as(what).hasSize(want.length);
        for (int i = 0; i < got.length; i++) assertThat((double) got[i]).as("%s[%d]", what, i).isCloseTo(want[i], within(tol));
    }
}
