package io.tessera.eval.hessian;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Float-stored Lanczos at a size where storage matters; the fast sibling is LanczosTest. */
@Tag("slow")
class LanczosLargeTest {
    @Test
    void floatBasisOnTwoMillionParameters() {
        int n = 2_000_000;
        // diagonal with a planted top (10, 9, 8) over a bulk in [0, 1) and a bottom of −3
        double[] d = new double[n];
        io.tessera.tensor.Rng rng = new io.tessera.tensor.Rng(1);
        for (int i = 0; i < n; i++) d[i] = rng.nextDouble();
        d[17] = 10;
        d[123_456] = 9;
        d[1_999_999] = 8;
        d[42] = -3;
        SymmetricOperator op = new SymmetricOperator() {
            @Override
            public int dimension() {
                return n;
            }

            @Override
            public void apply(double[] v, double[] out) {
                for (int i = 0; i < n; i++) out[i] = d[i] * v[i];
            }
        };
        Lanczos.Settings s = new Lanczos.Settings(60, 3, false, BasisStorage.FLOAT, 2);
        LanczosResult r = Lanczos.run(op, s);
        assertThat(r.topRitzValues()).containsExactly(new double[]{10, 9, 8}, within(1e-6));
        assertThat(r.lambdaMin()).isCloseTo(-3, within(1e-6));
    }
}
