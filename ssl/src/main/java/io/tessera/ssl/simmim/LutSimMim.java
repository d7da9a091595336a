// LUT applied to SimMIM — an INFERRED recipe (UNVERIFIED: the LUT paper applies LUT to SimMIM but its
// recipe was not retrievable and the released code has no SimMIM variant). Online SimMIM with head and
// predictor, momentum target as in LUT, pooling of the online encoder over unmasked positions only.
package io.tessera.ssl.simmim;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.Ema;
import io.tessera.ssl.lut.Lut;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

/**
 * LUT-SimMIM, UNVERIFIED (our inference from the spec, not the authors' recipe):
 * <pre>
 *   masks  m₁, m₂ from one cell permutation ({@link SimMimMasking#samplePair}): disjoint visible sets
 *   z_v    = online SimMIM encoder on view v with mask m_v (mask tokens at masked positions)
 *   q_v    = predictor(head(mean of z_v over the unmasked positions of m_v))
 *   k_v    = sg(head_T(mean of target_enc(view v, no mask) over all patches))   target in eval mode
 *   L_bc   = ½[mean_B d(q₂, k₁) + mean_B d(q₁, k₂)],  d = 2 − 2·cos
 *   L      = w_rec·L_simmim(view 1, m₁) + λ·L_bc
 * </pre>
 * Target: EMA copy of the whole online network, parameters and BN buffers. The online weights
 * are the ones fine-tuned.
 */
public final class LutSimMim {
    /** The parts of one forward pass: total, L_rec, L_bc (scalars). */
    public record Losses(Tensor total, Tensor reconstruction, Tensor bc) {
    }

    private final LutSimMimConfig config;
    private final LutSimMimNetwork online;
    private final LutSimMimNetwork target;

    private LutSimMim(LutSimMimConfig config, LutSimMimNetwork online, LutSimMimNetwork target) {
        this.config = config;
        this.online = online;
        this.target = target;
    }

    /** Online from {@code ctx.rng("init")}, target its exact copy, frozen, in eval mode. */
    public static LutSimMim create(ExecutionContext ctx, LutSimMimConfig config, DType dtype) {
        LutSimMimNetwork on = LutSimMimNetwork.create(ctx, config.simmim(), config.headHidden(), dtype);
        ParameterStore ts = new ParameterStore();
        LutSimMimNetwork tg = new LutSimMimNetwork(ts, "", config.simmim(), config.headHidden());
        ts.allocate(ctx, dtype);
        ctx.backend().copy(ts.values(), on.store().values());
        ctx.backend().copy(ts.bufferValues(), on.store().bufferValues());
        for (Parameter p : ts.parameters()) p.setTrainable(false);
        tg.eval();
        return new LutSimMim(config, on, tg);
    }

    public LutSimMimConfig config() { return config; }

    public LutSimMimNetwork online() { return online; }

    public LutSimMimNetwork target() { return target; }

    /** The loss for two views (B, C, H, W) and their masks (B, L). */
    public Losses forward(Ops ops, Tensor view1, Tensor view2, SimMimMasking.Pair masks) {
        SimMim sm = online.simmim();
        Tensor z1 = sm.encode(ops, view1, masks.view1());                // (B, 1 + L, D)
        Tensor z2 = sm.encode(ops, view2, masks.view2());
        Tensor lRec = sm.loss(ops, view1, sm.decode(ops, z1), masks.view1());
        Tensor q1 = online.predictor().forward(ops, online.head().forward(ops, LutSimMimNetwork.poolVisible(ops, z1, masks.view1())));
        Tensor q2 = online.predictor().forward(ops, online.head().forward(ops, LutSimMimNetwork.poolVisible(ops, z2, masks.view2())));
        Tensor k1 = targetKey(ops, view1), k2 = targetKey(ops, view2);
        Tensor lBc = ops.scale(ops.add(Lut.meanDistance(ops, q2, k1), Lut.meanDistance(ops, q1, k2)), 0.5);
        Tensor total = ops.add(ops.scale(lRec, config.wRec()), ops.scale(lBc, config.wBc()));
        return new Losses(total, lRec, lBc);
    }

    /** k = head_T(mean over all patches of target_enc(view, no mask)), detached: (B, D). */
    public Tensor targetKey(Ops ops, Tensor view) {
        if (target.isTraining()) throw new IllegalStateException("the LUT-SimMIM target must stay in eval mode");
        int b = view.dim(0), l = config.simmim().encoder().numPatches();
        Tensor none = ops.zeros(io.tessera.tensor.Shape.of(b, l), view.dtype());
        Tensor z = target.simmim().encode(ops, view, none);
        Tensor pooled = ops.mean(ops.slice(z, 1, 1, l), false, 1);
        return ops.detach(target.head().forward(ops, pooled));
    }

    /** t ← m·t + (1 − m)·s over parameters and buffers. */
    public void updateTarget(double momentum) {
        Ema.update(target.store(), online.store(), momentum, true);
    }
}
