package io.tessera.tensor.cpu.simd;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-row loops of {@link SimdLoss} (cross-entropy gradient rows, masked-MSE distances and
 * gradients), defined once per vector width by {@link WidthCopies} so that the species S is a
 * constant. Each loop has a scalar tail. Not used directly: only its per-width copies run.
 */
final class LossLoops implements SimdLoss.Loops {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    LossLoops() {
    }

    @Override
    public void shiftedAxpy(float[] p, int po, float off, float g, float[] d, int dOff, int n) {
        int l = S.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector pv = FloatVector.fromArray(S, p, po + j).sub(off);
            pv.fma(pv.broadcast(g), FloatVector.fromArray(S, d, dOff + j)).intoArray(d, dOff + j);
        }
        for (; j < n; j++) d[dOff + j] = Math.fma(p[po + j] - off, g, d[dOff + j]);
    }

    @Override
    public float squaredDistance(float[] a, int ao, float[] b, int bo, int n) {
        int l = S.length(), j = 0;
        float s = 0;
        if (n >= l) {
            FloatVector d0 = FloatVector.fromArray(S, a, ao).sub(FloatVector.fromArray(S, b, bo)), sv = d0.mul(d0);
            for (j = l; j <= n - l; j += l) {
                FloatVector dv = FloatVector.fromArray(S, a, ao + j).sub(FloatVector.fromArray(S, b, bo + j));
                sv = dv.fma(dv, sv);
            }
            float[] t = RowMath.lanes();
            sv.intoArray(t, 0);
            s = RowMath.sumLanes(t, l);
        }
        for (; j < n; j++) {
            float dv = a[ao + j] - b[bo + j];
            s = Math.fma(dv, dv, s);
        }
        return s;
    }

    @Override
    public void scaledDifference(float[] a, int ao, float[] b, int bo, float f, float[] dp, int dpo, float[] dt, int dto, int n) {
        int l = S.length(), j = 0;
        for (; j <= n - l; j += l) {
            FloatVector dv = FloatVector.fromArray(S, a, ao + j).sub(FloatVector.fromArray(S, b, bo + j)).mul(f);
            if (dp != null) dv.add(FloatVector.fromArray(S, dp, dpo + j)).intoArray(dp, dpo + j);
            if (dt != null) FloatVector.fromArray(S, dt, dto + j).sub(dv).intoArray(dt, dto + j);
        }
        for (; j < n; j++) {
            float dv = (a[ao + j] - b[bo + j]) * f;
            if (dp != null) dp[dpo + j] += dv;
            if (dt != null) dt[dto + j] -= dv;
        }
    }
}
