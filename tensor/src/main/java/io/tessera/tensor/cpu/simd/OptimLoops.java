package io.tessera.tensor.cpu.simd;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise update loops of {@link SimdOptim} (AdamW, SGD with momentum), defined once per
 * vector width by {@link WidthCopies} so that the species S is a constant. Whole vectors, then a
 * scalar tail with the same operations. Not used directly: only its per-width copies run.
 */
final class OptimLoops implements SimdOptim.Loops {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    OptimLoops() {
    }

    @Override
    public void adamw(float[] p, int po, float[] mv, int mo, float[] vv, int vo, float[] g, int go, int lo, int hi,
                      float b1, float b2, float c1, float c2, float decay, float stepSize, float epsHat) {
        int i = lo;
        for (int up = lo + S.loopBound(hi - lo); i < up; i += S.length()) {
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            FloatVector mn = FloatVector.fromArray(S, mv, mo + i).mul(b1).add(gv.mul(c1));
            FloatVector vn = FloatVector.fromArray(S, vv, vo + i).mul(b2).add(gv.mul(gv).mul(c2));
            FloatVector pv = FloatVector.fromArray(S, p, po + i).mul(decay);
            pv = pv.sub(mn.mul(stepSize).div(vn.sqrt().add(epsHat)));
            mn.intoArray(mv, mo + i);
            vn.intoArray(vv, vo + i);
            pv.intoArray(p, po + i);
        }
        for (; i < hi; i++) {
            float gi = g[go + i];
            float mi = b1 * mv[mo + i] + c1 * gi, vi = b2 * vv[vo + i] + c2 * gi * gi;
            mv[mo + i] = mi;
            vv[vo + i] = vi;
            p[po + i] = p[po + i] * decay - stepSize * mi / ((float) Math.sqrt(vi) + epsHat);
        }
    }

    @Override
    public void momentum(float[] p, int po, float[] b, int bo, float[] g, int go, int lo, int hi, float mu, float wd, float s, float eta) {
        int i = lo;
        for (int up = lo + S.loopBound(hi - lo); i < up; i += S.length()) {
            FloatVector pv = FloatVector.fromArray(S, p, po + i);
            FloatVector d = FloatVector.fromArray(S, g, go + i).add(pv.mul(wd)).mul(s);
            FloatVector bv = FloatVector.fromArray(S, b, bo + i).mul(mu).add(d);
            bv.intoArray(b, bo + i);
            pv.sub(bv.mul(eta)).intoArray(p, po + i);
        }
        for (; i < hi; i++) {
            float d = s * (g[go + i] + wd * p[po + i]);
            float bi = mu * b[bo + i] + d;
            b[bo + i] = bi;
            p[po + i] -= eta * bi;
        }
    }
}
