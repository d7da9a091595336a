// Test models for the Hessian tools: tiny MAE-family methods on fixed random batches, in float64 on the
// reference backend (for finite differences) or float32 on any backend (for parity).
package io.tessera.eval.hessian;

import io.tessera.eval.objective.FrozenObjective;
import io.tessera.nn.VitConfig;
import io.tessera.ssl.lut.Lut;
import io.tessera.ssl.lut.LutConfig;
import io.tessera.ssl.lut.LutMethod;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.rcmae.RcMae;
import io.tessera.ssl.rcmae.RcMaeMethod;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

final class HvpModels {
    private HvpModels() {
    }

    /** An MAE small enough for a full Hessian: 8×8 images, patch 4, width 4, one block each side (~680 parameters). */
    static MaeConfig nano() {
        return new MaeConfig(new VitConfig(8, 4, 1, 4, 1, 1, 2.0, true, 1e-6, VitConfig.Pooling.CLS,
                VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0), 4, 1, 1, 0.5, true);
    }

    static PretrainMethod method(ExecutionContext ctx, String name, MaeConfig cfg, DType dtype) {
        PretrainMethod m = switch (name) {
            case "mae" -> new MaeMethod(MaskedAutoencoder.create(ctx, cfg, dtype));
            case "rcmae" -> {
                RcMae rc = RcMae.create(ctx, cfg, dtype, 1.0);
                perturb(rc.teacher().store().values(), 77); // a teacher that differs from the student
                yield new RcMaeMethod(rc, MomentumSchedule.constant(0.996));
            }
            case "lut" -> new LutMethod(Lut.create(ctx, new LutConfig(cfg, 16, 1.0, 0.25), dtype), MomentumSchedule.constant(0.996));
            default -> throw new IllegalArgumentException(name);
        };
        m.trainable().values().backend().write(m.trainable().values(), m.trainable().values().toDoubleArray());
        return m;
    }

    private static void perturb(Tensor flat, long seed) {
        double[] d = flat.toDoubleArray();
        Rng r = new Rng(seed);
        for (int i = 0; i < d.length; i++) d[i] += 0.02 * r.nextGaussian();
        flat.backend().write(flat, d);
    }

    /** {@code count} batches of {@code size} random images (persistent), two views each. */
    static List<Batch> batches(ExecutionContext ctx, MaeConfig cfg, int count, int size, DType dtype, long seed) {
        VitConfig e = cfg.encoder();
        Shape s = Shape.of(size, e.inChannels(), e.imageSize(), e.imageSize());
        List<Batch> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            Rng r = new Rng(seed).split(b);
            Tensor v1 = ctx.ops().randn(r.split("v1"), s, dtype), v2 = ctx.ops().randn(r.split("v2"), s, dtype);
            out.add(new Batch(v1, ctx.ops().indices(new int[size], size), List.of(v2)));
        }
        return out;
    }

    static FrozenObjective objective(PretrainMethod m, List<Batch> batches) {
        return new FrozenObjective(m, batches, 5, FrozenObjective.Terms.TASK, 0);
    }
}
