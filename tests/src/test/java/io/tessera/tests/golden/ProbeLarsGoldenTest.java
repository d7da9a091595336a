package io.tessera.tests.golden;

import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.probe.LinearProbe;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.optim.LrSchedule;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * MAE's linear-probe head trained with LARS against PyTorch (tests/reference/make_golden_optim_groups.py,
 * probe_trajectory): BatchNorm1d(affine=False, eps 1e-6) + Linear in training mode, cross-entropy, LARS
 * (momentum 0.9, trust 0.001, wd 0, bias exempt) under MAE's per-iteration warm-up + cosine, in float64:
 * every step's loss and learning rate, the final weight, bias, running statistics and eval-mode logits.
 */
class ProbeLarsGoldenTest {
    @Test
    void probeStepsMatchPyTorch() {
        SafeTensors.Contents g = Golden.load("probe_lars.safetensors");
        double[] x = Golden.get(g, "probe.x").toDoubles();
        int[] y = Golden.ints(g, "probe.y"), orders = Golden.ints(g, "probe.orders");
        int n = y.length, d = x.length / n, v = 4, batch = 16, epochs = 4, perEpoch = n / batch;
        double[] lrs = Golden.get(g, "probe.lrs").toDoubles(), losses = Golden.get(g, "probe.losses").toDoubles();
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            Ops ops = ctx.ops();
            LinearProbe.Settings s = new LinearProbe.Settings(epochs, batch, 2.0 * 256 / batch, 2, 0, 0, 0.9, 0.001, Pooling.CLS, false, 0);
            LinearProbe probe = new LinearProbe(ctx, d, v, s, DType.F64);
            ctx.backend().write(probe.head().linear().weight().tensor(), Golden.get(g, "probe.init.weight").toDoubles());
            ctx.backend().write(probe.head().linear().bias().tensor(), Golden.get(g, "probe.init.bias").toDoubles());
            LrSchedule schedule = new LrSchedule(s.peakLr(), 0, 2, epochs);
            assertThat(s.peakLr()).isEqualTo(2.0);
            for (int e = 0, k = 0; e < epochs; e++) {
                for (int it = 0; it < perEpoch; it++, k++) {
                    double lr = schedule.at(e, it, perEpoch);
                    assertThat(lr).as("lr of step %d", k).isCloseTo(lrs[k], within(1e-15));
                    double[] xb = new double[batch * d];
                    int[] yb = new int[batch];
                    for (int i = 0; i < batch; i++) {
                        int r = orders[e * n + it * batch + i];
                        System.arraycopy(x, r * d, xb, i * d, d);
                        yb[i] = y[r];
                    }
                    double loss;
                    try (Scope sc = ctx.openScope()) {
                        loss = probe.step(ops.tensor(xb, batch, d), ops.indices(yb, batch), lr);
                    }
                    assertThat(loss).as("loss of step %d", k).isCloseTo(losses[k], within(1e-12));
                }
            }
            close(probe.head().linear().weight().tensor().toDoubleArray(), Golden.get(g, "probe.weight").toDoubles(), 1e-12, "weight");
            close(probe.head().linear().bias().tensor().toDoubleArray(), Golden.get(g, "probe.bias").toDoubles(), 1e-12, "bias");
            close(probe.head().batchNorm().runningMean().tensor().toDoubleArray(), Golden.get(g, "probe.running_mean").toDoubles(), 1e-12, "running mean");
            close(probe.head().batchNorm().runningVar().tensor().toDoubleArray(), Golden.get(g, "probe.running_var").toDoubles(), 1e-12, "running var");
            probe.head().train(false);
            try (Scope sc = ctx.openScope()) {
                Tensor logits = probe.head().forward(ops, ops.tensor(x, n, d));
                close(logits.toDoubleArray(), Golden.get(g, "probe.eval_logits").toDoubles(), 1e-11, "eval logits");
            }
        }
    }

    private static void close(double[] got, double[] want, double tol, String what) {
        assertThat(got).as(what).hasSize(want.length);
        for (int i = 0; i < got.length; i++) assertThat(got[i]).as("%s[%d] of %s", what, i, Arrays.toString(want)).isCloseTo(want[i], within(tol * Math.max(1, Math.abs(want[i]))));
    }
}
