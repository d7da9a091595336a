// One LUT network (lut: models_lut.py MaskedAutoencoderViT_LUT): an MAE (encoder + decoder) plus the
// projector "head" and the "predictor", all in one parameter store with the official names. The
// online network and its momentum target are two instances of this class; not the loss (see Lut).
package io.tessera.ssl.lut;

import io.tessera.nn.Module;
import io.tessera.nn.ParameterStore;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

/**
 * MAE + {@code head} (D → hidden → D) + {@code predictor} (D → hidden → D). Registration order
 * is the official one: MAE entries, then {@code head.*}, then {@code predictor.*}.
 */
public final class LutNetwork extends Module {
    private final LutConfig config;
    private final ParameterStore store;
    private final MaskedAutoencoder mae;
    private final ProjectionMlp head;
    private final ProjectionMlp predictor;

    /** Registers every entry under {@code prefix} in {@code store} without allocating. */
    public LutNetwork(ParameterStore store, String prefix, LutConfig config) {
        super(prefix);
        this.config = config;
        this.store = store;
        int d = config.mae().encoder().width();
        this.mae = child(new MaskedAutoencoder(store, prefix, config.mae()));
        this.head = child(new ProjectionMlp(store, name("head"), d, config.headHidden(), d));
        this.predictor = child(new ProjectionMlp(store, name("predictor"), d, config.headHidden(), d));
    }

    /** A ready network in its own store, allocated in {@code dtype} and initialised from {@code ctx.rng("init")}. */
    public static LutNetwork create(ExecutionContext ctx, LutConfig config, DType dtype) {
        ParameterStore store = new ParameterStore();
        LutNetwork n = new LutNetwork(store, "", config);
        store.allocate(ctx, dtype);
        n.init(ctx.rng("init"));
        return n;
    }

    /** The MAE init, then xavier-uniform Linear weights and BN 1/0 (running mean 0, var 1) in both heads. */
    @Override
    public void init(Rng rng) {
        mae.init(rng);
        head.init(rng);
        predictor.init(rng);
    }

    public LutConfig config() { return config; }

    public ParameterStore store() { return store; }

    public MaskedAutoencoder mae() { return mae; }

    public ProjectionMlp head() { return head; }

    public ProjectionMlp predictor() { return predictor; }

    /** Mean of the patch tokens (cls excluded): x (B, 1 + N, D) → (B, D). */
    public static Tensor poolPatches(Ops ops, Tensor tokens) {
        if (tokens.rank() != 3 || tokens.dim(1) < 2) {
            throw new IllegalArgumentException("poolPatches expects (B, 1 + N, D) with N ≥ 1, got " + tokens.describe());
        }
        return ops.mean(ops.slice(tokens, 1, 1, tokens.dim(1) - 1), false, 1);
    }

    /** The online query of a masked view: predictor(head(pool(encode(imgs, plan)))) from its latent (B, 1 + K, D) → (B, D). */
    public Tensor query(Ops ops, Tensor latent) {
        return predictor.forward(ops, head.forward(ops, poolPatches(ops, latent)));
    }

    /** The target key of a full view: head(pool(encoder(imgs))) with all L patches → (B, D). */
    public Tensor key(Ops ops, Tensor imgs) {
        return head.forward(ops, poolPatches(ops, mae.encoder().tokens(ops, imgs)));
    }

    /** The masked encoder pass (B, C, H, W) → (B, 1 + K, D). */
    public Tensor encode(Ops ops, Tensor imgs, MaskPlan plan) {
        return mae.encode(ops, imgs, plan);
    }

    /** Copies every value and buffer of {@code other} (same layout) into this network's store. */
    public void copyFrom(LutNetwork other) {
        if (!store.names().equals(other.store.names())) {
            throw new IllegalArgumentException("copyFrom needs two LUT networks with the same entries");
        }
        store.context().backend().copy(store.values(), other.store.values());
        store.context().backend().copy(store.bufferValues(), other.store.bufferValues());
    }

}
