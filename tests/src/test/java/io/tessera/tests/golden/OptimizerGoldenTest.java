package io.tessera.tests.golden;

import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The optimizer update kernels reproduce torch.optim.AdamW and torch.optim.SGD(momentum)
 * trajectories (float64 golden from tests/reference/make_golden_optim.py).
 */
class OptimizerGoldenTest {

    private static double[] f64(SafeTensors.Contents g, String name) {
        return Golden.get(g, name).toDoubles();
    }

    private static Tensor tensor(Backend be, DType t, double[] v) {
        Tensor x = new Tensor(be, Shape.of(v.length), t, be.allocate(t, v.length, true), 0);
        if (t == DType.F64) be.write(x, v);
        else {
            float[] f = new float[v.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) v[i];
            be.write(x, f);
        }
        return x;
    }

    @Test
    void adamwAndSgdFollowPyTorch() {
        SafeTensors.Contents g = Golden.load("optim.safetensors");
        double[] p0 = f64(g, "p0"), grads = f64(g, "grads"), adamw = f64(g, "adamw"), sgd = f64(g, "sgd");
        int n = p0.length;
        for (Backend be : new Backend[]{new ReferenceBackend(), new CpuBackend(2)}) {
            for (DType t : new DType[]{DType.F64, DType.F32}) {
                Tensor p = tensor(be, t, p0), m = tensor(be, t, new double[n]), v = tensor(be, t, new double[n]);
                Tensor q = tensor(be, t, p0), buf = tensor(be, t, new double[n]);
                for (int k = 0; k < 4; k++) {
                    double[] gk = java.util.Arrays.copyOfRange(grads, k * n, (k + 1) * n);
                    Tensor gt = tensor(be, t, gk);
                    be.adamwUpdate(p, m, v, gt, 1e-2, 0.9, 0.95, 1e-8, 0.05, k + 1);
                    be.momentumUpdate(q, buf, gt, 0.1, 0.9, 1e-4, 1.0);
                    double[] pa = p.toDoubleArray(), qa = q.toDoubleArray();
                    double tol = t == DType.F64 ? 1e-12 : 2e-6;
                    for (int i = 0; i < n; i++) {
                        assertThat(pa[i]).as("%s %s adamw step %d [%d]", be.name(), t, k + 1, i)
                                .isCloseTo(adamw[k * n + i], org.assertj.core.data.Offset.offset(tol));
                        assertThat(qa[i]).as("%s %s sgd step %d [%d]", be.name(), t, k + 1, i)
                                .isCloseTo(sgd[k * n + i], org.assertj.core.data.Offset.offset(tol));
                    }
                }
            }
            be.close();
        }
    }
}
