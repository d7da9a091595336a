package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API optimizer updates for F32 parameters, elementwise and in place, split into fixed
 * chunks (no reductions, so any thread count gives the same bits). Matches
 * {@link io.tessera.tensor.cpu.RefOptim} up to float rounding.
 */
public final class SimdOptim {
    private static final int GRAIN = 1 << 15;

    private SimdOptim() {
    }

    public static void adamwUpdate(SimdContext sc, Tensor param, Tensor m, Tensor v, Tensor grad, double lr, double beta1,
                                   double beta2, double eps, double weightDecay, long step) {
        if (step < 1) throw new IllegalArgumentException("adamwUpdate: step must be ≥ 1, got " + step);
        check("adamwUpdate", param, m, v, grad);
        float[] p = param.f32(), mv = m.f32(), vv = v.f32(), g = grad.f32();
        int po = param.offset(), mo = m.offset(), vo = v.offset(), go = grad.offset(), n = param.size();
        float decay = (float) (1 - lr * weightDecay);
        float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (1 - beta1), c2 = (float) (1 - beta2);
        // p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps)  ==  p -= stepSize · m / (sqrt(v) + eps·sqrt(bc2))
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr * Math.sqrt(bc2) / bc1), epsHat = (float) (eps * Math.sqrt(bc2));
        VectorSpecies<Float> sp = sc.species();
        sc.parallel().forEach(Parallel.chunks(n, GRAIN), c -> {
            int lo = c * GRAIN, hi = Math.min(n, lo + GRAIN), i = lo;
            for (int up = lo + sp.loopBound(hi - lo); i < up; i += sp.length()) {
                FloatVector gv = FloatVector.fromArray(sp, g, go + i);
                FloatVector mn = FloatVector.fromArray(sp, mv, mo + i).mul(b1).add(gv.mul(c1));
                FloatVector vn = FloatVector.fromArray(sp, vv, vo + i).mul(b2).add(gv.mul(gv).mul(c2));
                FloatVector pv = FloatVector.fromArray(sp, p, po + i).mul(decay);
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
        });
    }

    public static void momentumUpdate(SimdContext sc, Tensor param, Tensor buf, Tensor grad, double lr, double momentum,
                                      double weightDecay, double gradScale) {
        check("momentumUpdate", param, buf, grad);
        float[] p = param.f32(), b = buf.f32(), g = grad.f32();
        int po = param.offset(), bo = buf.offset(), go = grad.offset(), n = param.size();
        float mu = (float) momentum, wd = (float) weightDecay, s = (float) gradScale, eta = (float) lr;
        VectorSpecies<Float> sp = sc.species();
        sc.parallel().forEach(Parallel.chunks(n, GRAIN), c -> {
            int lo = c * GRAIN, hi = Math.min(n, lo + GRAIN), i = lo;
            for (int up = lo + sp.loopBound(hi - lo); i < up; i += sp.length()) {
                FloatVector pv = FloatVector.fromArray(sp, p, po + i);
                FloatVector d = FloatVector.fromArray(sp, g, go + i).add(pv.mul(wd)).mul(s);
                FloatVector bv = FloatVector.fromArray(sp, b, bo + i).mul(mu).add(d);
                bv.intoArray(b, bo + i);
                pv.sub(bv.mul(eta)).intoArray(p, po + i);
            }
            for (; i < hi; i++) {
                float d = s * (g[go + i] + wd * p[po + i]);
                float bi = mu * b[bo + i] + d;
                b[bo + i] = bi;
                p[po + i] -= eta * bi;
            }
        });
    }

    private static void check(String op, Tensor param, Tensor... others) {
        for (Tensor t : others) {
            if (t.size() != param.size()) {
                throw new IllegalArgumentException(op + ": " + t.describe() + " does not match parameter " + param.describe());
            }
        }
    }
}
