package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Parallel;

/**
 * Vector API optimizer updates for F32 parameters, elementwise and in place, split into fixed
 * chunks (no reductions, so any thread count gives the same bits). Matches
 * {@link io.tessera.tensor.cpu.RefOptim} up to float rounding.
 */
public final class SimdOptim {
    private static final int GRAIN = 1 << 15;

    /** The update loops ({@link OptimLoops}, one copy per width) over elements [lo, hi). */
    interface Loops {
        /**
         * m = b1·m + c1·g; v = b2·v + c2·g²; p = p·decay − stepSize·m / (√v + epsHat).
         */
        void adamw(float[] p, int po, float[] m, int mo, float[] v, int vo, float[] g, int go, int lo, int hi,
                   float b1, float b2, float c1, float c2, float decay, float stepSize, float epsHat);

        /** buf = mu·buf + s·(g + wd·p); p −= eta·buf. */
        void momentum(float[] p, int po, float[] buf, int bo, float[] g, int go, int lo, int hi, float mu, float wd, float s, float eta);
    }

    private static final Loops[] LOOPS = WidthCopies.all(Loops.class, "OptimLoops", Loops[]::new);

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
        Loops k = LOOPS[WidthCopies.index(sc.species())];
        sc.parallel().forEach(Parallel.chunks(n, GRAIN), c -> {
            int lo = c * GRAIN, hi = Math.min(n, lo + GRAIN);
            k.adamw(p, po, mv, mo, vv, vo, g, go, lo, hi, b1, b2, c1, c2, decay, stepSize, epsHat);
        });
    }

    public static void momentumUpdate(SimdContext sc, Tensor param, Tensor buf, Tensor grad, double lr, double momentum,
                                      double weightDecay, double gradScale) {
        check("momentumUpdate", param, buf, grad);
        float[] p = param.f32(), b = buf.f32(), g = grad.f32();
        int po = param.offset(), bo = buf.offset(), go = grad.offset(), n = param.size();
        float mu = (float) momentum, wd = (float) weightDecay, s = (float) gradScale, eta = (float) lr;
        Loops k = LOOPS[WidthCopies.index(sc.species())];
        sc.parallel().forEach(Parallel.chunks(n, GRAIN), c -> {
            int lo = c * GRAIN, hi = Math.min(n, lo + GRAIN);
            k.momentum(p, po, b, bo, g, go, lo, hi, mu, wd, s, eta);
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
