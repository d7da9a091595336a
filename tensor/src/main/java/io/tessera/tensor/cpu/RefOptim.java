package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/** Scalar reference optimizer updates, in double. See {@link io.tessera.tensor.spi.Backend#adamwUpdate}. */
public final class RefOptim {
    private RefOptim() {
    }

    public static void adamwUpdate(Tensor param, Tensor m, Tensor v, Tensor grad, double lr, double beta1, double beta2,
                                   double eps, double weightDecay, long step) {
        check("adamwUpdate", param, m, v, grad);
        if (step < 1) throw new IllegalArgumentException("adamwUpdate: step must be ≥ 1, got " + step);
        double[] p = Elements.read(param), mv = Elements.read(m), vv = Elements.read(v), g = Elements.read(grad);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * weightDecay;
            mv[i] = beta1 * mv[i] + (1 - beta1) * g[i];
            vv[i] = beta2 * vv[i] + (1 - beta2) * g[i] * g[i];
            p[i] -= lr * (mv[i] / bc1) / (Math.sqrt(vv[i] / bc2) + eps);
        }
        Elements.store(param, p);
        Elements.store(m, mv);
        Elements.store(v, vv);
    }

    public static void momentumUpdate(Tensor param, Tensor buf, Tensor grad, double lr, double momentum, double weightDecay,
                                      double gradScale) {
        check("momentumUpdate", param, buf, grad);
        double[] p = Elements.read(param), b = Elements.read(buf), g = Elements.read(grad);
        for (int i = 0; i < p.length; i++) {
            double d = gradScale * (g[i] + weightDecay * p[i]);
            b[i] = momentum * b[i] + d;
            p[i] -= lr * b[i];
        }
        Elements.store(param, p);
        Elements.store(buf, b);
    }

    static void check(String op, Tensor param, Tensor... others) {
        for (Tensor t : others) {
            if (t.size() != param.size() || t.dtype() != param.dtype()) {
                throw new IllegalArgumentException(op + ": " + t.describe() + " does not match parameter " + param.describe());
            }
        }
    }
}
