// LUT — Learning with Unmasked Tokens (Kim, Chun, Heo, Han, ECCV 2024; lut: models_lut.py,
// engines/engine_lut.py): an online MAE with projector and predictor, plus a momentum target (an EMA
// copy of the whole online network, BN buffers included, always in eval mode) that encodes the full
// views. This class is the model and its loss; the schedule and the trainer contract are in LutMethod.
package io.tessera.ssl.lut;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.Ema;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

/**
 * One LUT step, views v ∈ {1, 2} with disjoint visible sets ({@link LutMasking}):
 * <pre>
 *   q_v = predictor(head(pool(online_enc(masked v))))       (pool = mean of patch tokens, cls excluded)
 *   k_v = sg(head_T(pool(target_enc(full v))))              (target in eval mode: BN running statistics)
 *   d(a, b) = 2 − 2·cos(a, b)
 *   L_bc = ½[mean_B d(q₂, k₁) + mean_B d(q₁, k₂)]
 *   L    = w_mae·L_mae(view 1, mask 1) + λ·L_bc
 * </pre>
 * After each optimizer step every target tensor, parameters and buffers, moves as
 * t ← m·t + (1 − m)·s (the BN batch counter is blended as a float; the official code keeps it
 * an integer, and nothing reads it). Fine-tuning uses the online weights. The official heads use
 * SyncBatchNorm over the global batch; here BatchNorm sees the batch of one forward call, and in a
 * data-parallel run the global batch of the group ({@link LutMethod#useProcessGroup}).
 */
public final class Lut {
    /** The parts of one forward pass: total, L_mae, L_bc (scalars) and q₁, q₂, k₁, k₂ (B, D). */
    public record Losses(Tensor total, Tensor mae, Tensor bc, Tensor q1, Tensor q2, Tensor k1, Tensor k2) {
    }

    private final LutNetwork online;
    private final LutNetwork target;

    private Lut(LutNetwork online, LutNetwork target) {
        this.online = online;
        this.target = target;
    }

    /**
     * An online network initialised from {@code ctx.rng("init")} and a target that starts as its
     * exact copy (parameters and buffers), frozen and in eval mode.
     */
    public static Lut create(ExecutionContext ctx, LutConfig config, DType dtype) {
        LutNetwork on = LutNetwork.create(ctx, config, dtype);
        ParameterStore ts = new ParameterStore();
        LutNetwork tg = new LutNetwork(ts, "", config);
        ts.allocate(ctx, dtype);
        tg.copyFrom(on);
        for (Parameter p : ts.parameters()) p.setTrainable(false);
        tg.eval();
        return new Lut(on, tg);
    }

    public LutNetwork online() { return online; }

    public LutNetwork target() { return target; }

    public LutConfig config() { return online.config(); }

    /** d(a, b) = 2 − 2·⟨a/‖a‖, b/‖b‖⟩ per row (F.normalize eps 1e-12), averaged over the batch: (B, D) × (B, D) → scalar. */
    public static Tensor meanDistance(Ops ops, Tensor a, Tensor b) {
        Tensor cos = ops.sum(ops.mul(ops.l2Normalize(a, 1e-12), ops.l2Normalize(b, 1e-12)), false, -1); // (B)
        return ops.affine(ops.mean(cos), -2, 2);
    }

    /** The targets k_v = head_T(pool(target_enc(full view))), detached: (B, C, H, W) → (B, D). */
    public Tensor targetKey(Ops ops, Tensor view) {
        if (target.isTraining()) throw new IllegalStateException("the LUT target must stay in eval mode");
        return ops.detach(target.key(ops, view));
    }

    /**
     * The whole loss for views (B, C, H, W) with their plans. Online order as the official
     * forward: encoder on view 1, encoder on view 2, decoder and loss on view 1, q₁ then q₂
     * (so each BatchNorm updates its running statistics with view 1, then view 2).
     */
    public Losses forward(Ops ops, Tensor view1, Tensor view2, LutMasking.Plans plans) {
        if (!view1.shape().equals(view2.shape())) {
            throw new IllegalArgumentException("LUT views must have the same shape, got " + view1.describe() + " and " + view2.describe());
        }
        var mae = online.mae();
        Tensor lat1 = online.encode(ops, view1, plans.view1());          // (B, 1 + K, D)
        Tensor lat2 = online.encode(ops, view2, plans.view2());          // (B, 1 + K, D)
        Tensor pred = mae.decode(ops, lat1, plans.view1());              // (B, L, P·P·C)
        Tensor lMae = mae.loss(ops, view1, pred, plans.view1());
        Tensor q1 = online.query(ops, lat1), q2 = online.query(ops, lat2);
        Tensor k1 = targetKey(ops, view1), k2 = targetKey(ops, view2);
        Tensor lBc = ops.scale(ops.add(meanDistance(ops, q2, k1), meanDistance(ops, q1, k2)), 0.5);
        LutConfig c = config();
        Tensor total = ops.add(ops.scale(lMae, c.wMae()), ops.scale(lBc, c.wBc()));
        return new Losses(total, lMae, lBc, q1, q2, k1, k2);
    }

    /** The target update after an optimizer step: t ← m·t + (1 − m)·s over parameters and buffers. */
    public void updateTarget(double momentum) {
        Ema.update(target.store(), online.store(), momentum, true);
    }
}
