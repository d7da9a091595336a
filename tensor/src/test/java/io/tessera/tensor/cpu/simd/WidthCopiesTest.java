package io.tessera.tensor.cpu.simd;

// The per-width copies of the loop classes: one hidden class per loop class and width, cached,
// each holding the species of its width as its constant, and computing the same results as the
// scalar definition at every width (64, 128, 256 and 512 bits).

import java.lang.reflect.Field;
import java.util.HashSet;
import java.util.Set;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WidthCopiesTest {
    private static final String[][] LOOP_CLASSES = {
        {"RowLoops", "io.tessera.tensor.cpu.simd.RowMath$Loops"},
        {"BinaryLoops", "io.tessera.tensor.cpu.simd.ElementwiseBinary$Loops"},
        {"UnaryLoops", "io.tessera.tensor.cpu.simd.SimdElementwise$Loops"},
        {"MathLoops", "io.tessera.tensor.cpu.simd.VectorMath$Loops"},
        {"ReduceLoops", "io.tessera.tensor.cpu.simd.SimdReduce$Loops"},
        {"NormLoops", "io.tessera.tensor.cpu.simd.SimdNorm$Loops"},
        {"LossLoops", "io.tessera.tensor.cpu.simd.SimdLoss$Loops"},
        {"OptimLoops", "io.tessera.tensor.cpu.simd.SimdOptim$Loops"},
    };

    @Test
    void eachCopyIsACachedHiddenClassHoldingItsWidth() throws Exception {
        for (String[] lc : LOOP_CLASSES) {
            Class<?> api = Class.forName(lc[1]);
            Set<Class<?>> classes = new HashSet<>();
            for (int bits : new int[] {64, 128, 256, 512}) {
                VectorSpecies<Float> sp = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
                Object copy = WidthCopies.of(api, lc[0], sp);
                assertThat(WidthCopies.of(api, lc[0], sp)).as("%s at %d bits is cached", lc[0], bits).isSameAs(copy);
                assertThat(copy.getClass().isHidden()).as("%s at %d bits is a hidden class", lc[0], bits).isTrue();
                Field s = copy.getClass().getDeclaredField("S");
                s.setAccessible(true);
                assertThat(((VectorSpecies<?>) s.get(null)).vectorBitSize()).as("%s species", lc[0]).isEqualTo(bits);
                classes.add(copy.getClass());
            }
            assertThat(classes).as("%s: one class per width", lc[0]).hasSize(4);
        }
    }

    @Test
    void everyWidthComputesTheScalarResult() {
        float[] a = new float[37], b = new float[37];
        for (int i = 0; i < a.length; i++) {
            a[i] = i - 18;
            b[i] = 0.5f * i;
        }
        double dot = 0, sum = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            sum += a[i];
        }
        for (int bits : new int[] {64, 128, 256, 512}) {
            VectorSpecies<Float> sp = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
            // small integers and halves: every partial sum is exact, so any lane order gives it
            assertThat(RowMath.dot(sp, a, 0, b, 0, a.length)).as("dot at %d bits", bits).isEqualTo((float) dot);
            assertThat(RowMath.sum(sp, a, 0, a.length)).as("sum at %d bits", bits).isEqualTo((float) sum);
            assertThat(RowMath.max(sp, a, 0, a.length)).as("max at %d bits", bits).isEqualTo(18f);
        }
    }
}
