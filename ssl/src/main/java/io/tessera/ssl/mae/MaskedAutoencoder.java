package io.tessera.ssl.mae;

import io.tessera.nn.Block;
import io.tessera.nn.Init;
import io.tessera.nn.LayerNorm;
import io.tessera.nn.Linear;
import io.tessera.nn.Module;
import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.SinCosPosEmbed;
import io.tessera.nn.VisionTransformer;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The masked autoencoder of He et al. (CVPR 2022), as facebookresearch/mae models_mae.py:
 * patchify → mask (keep K of L tokens, in noise order) → encode the kept tokens with the cls
 * token → decode with mask tokens restored to spatial order by ids_restore → predict P·P·C
 * values per patch → loss on the masked patches only, optionally against per-patch
 * normalised pixels (unbiased variance, eps 1e-6). Parameter names are the official ones
 * (encoder as timm; {@code mask_token}, {@code decoder_embed}, {@code decoder_pos_embed},
 * {@code decoder_blocks.i}, {@code decoder_norm}, {@code decoder_pred}).
 */
public final class MaskedAutoencoder extends Module {
    /** What one forward pass gives: loss (scalar), pred (B, L, P·P·C), the mask plan and the latent (B, 1 + K, D). */
    public record Output(Tensor loss, Tensor pred, MaskPlan plan, Tensor latent) {
        /** The mask (B, L), 1 = masked. */
        public Tensor mask() {
            return plan.mask();
        }
    }

    private final MaeConfig config;
    private final ParameterStore store;
    private final VisionTransformer encoder;
    private final Linear decoderEmbed;
    private final Parameter maskToken;       // (1, 1, Dd)
    private final Parameter decoderPos;      // (1, T, Dd), fixed
    private final List<Block> decoderBlocks = new ArrayList<>();
    private final LayerNorm decoderNorm;
    private final Linear decoderPred;

    /** Registers every parameter (without allocating) under {@code prefix} in {@code store}. */
    public MaskedAutoencoder(ParameterStore store, String prefix, MaeConfig config) {
        super(prefix);
        this.config = config;
        this.store = store;
        int dd = config.decoderWidth();
        double eps = config.encoder().layerNormEps();
        this.encoder = child(new VisionTransformer(store, prefix, config.encoder()));
        this.decoderEmbed = child(new Linear(store, name("decoder_embed"), config.encoder().width(), dd, true));
        this.maskToken = store.parameter(name("mask_token"), Shape.of(1, 1, dd));
        this.decoderPos = store.buffer(name("decoder_pos_embed"), Shape.of(1, config.encoder().numTokens(), dd));
        for (int i = 0; i < config.decoderDepth(); i++) {
            decoderBlocks.add(child(new Block(store, name("decoder_blocks." + i), dd, config.decoderHeads(), 4 * dd, true, eps, 0.0)));
        }
        this.decoderNorm = child(new LayerNorm(store, name("decoder_norm"), dd, eps));
        this.decoderPred = child(new Linear(store, name("decoder_pred"), dd, config.patchValues(), true));
    }

    /** A ready model in its own store, allocated in {@code dtype} and initialised from {@code ctx.rng("init")}. */
    public static MaskedAutoencoder create(ExecutionContext ctx, MaeConfig config, DType dtype) {
        ParameterStore store = new ParameterStore();
        MaskedAutoencoder mae = new MaskedAutoencoder(store, "", config);
        store.allocate(ctx, dtype);
        mae.init(ctx.rng("init"));
        return mae;
    }

    public MaeConfig config() {
        return config;
    }

    public ParameterStore store() {
        return store;
    }

    public VisionTransformer encoder() {
        return encoder;
    }

    /**
     * The official initialisation: both sin-cos tables, the encoder's rules, mask token
     * N(0, 0.02), every decoder Linear xavier-uniform with bias 0, LayerNorms 1/0.
     */
    @Override
    public void init(Rng rng) {
        encoder.init(rng);
        int g = config.encoder().gridSize();
        Init.write(decoderPos.tensor(), SinCosPosEmbed.table(config.decoderWidth(), g, g, true));
        Init.normal(maskToken.tensor(), rng, 0.02);
        decoderEmbed.init(rng);
        for (Block b : decoderBlocks) b.init(rng);
        decoderNorm.init(rng);
        decoderPred.init(rng);
    }

    // ---- stages, named as in the official code -------------------------------------------------

    /** imgs (B, C, H, W) → (B, L, P·P·C), channel fastest inside a patch. */
    public Tensor patchify(Ops ops, Tensor imgs) {
        return ops.patchify(imgs, config.encoder().patchSize());
    }

    /** Draws a mask for a batch from {@code rng}. */
    public MaskPlan mask(Ops ops, Rng rng, int batch) {
        return RandomMasking.sample(ops, rng, batch, config.encoder().numPatches(), config.maskRatio());
    }

    /**
     * The rows {@code [firstSample, firstSample + batch)} of the mask {@link #mask(Ops, Rng, int)}
     * draws for a larger batch from the same stream: the noise is drawn row by row from a
     * counter-based stream, so the slice starts at draw {@code firstSample · L}. A data-parallel
     * rank holding that slice of the global batch masks its images as one process would.
     */
    public MaskPlan mask(Ops ops, Rng rng, int batch, int firstSample) {
        if (firstSample < 0) throw new IllegalArgumentException("first sample must be ≥ 0, got " + firstSample);
        int tokens = config.encoder().numPatches();
        return RandomMasking.sample(ops, rng.advanced((long) firstSample * tokens), batch, tokens, config.maskRatio());
    }

    /** imgs (B, C, H, W) and a mask → latent (B, 1 + K, D) after the final norm. */
    public Tensor encode(Ops ops, Tensor imgs, MaskPlan plan) {
        Tensor all = encoder.embedPatches(ops, imgs);                // (B, L, D)
        Tensor visible = RandomMasking.keepVisible(ops, all, plan);   // (B, K, D)
        Tensor seq = encoder.prependCls(ops, visible);                // (B, 1 + K, D)
        ops.drop(all, visible);
        Tensor x = encoder.runBlocks(ops, seq);
        ops.drop(seq);
        Tensor latent = encoder.norm().forward(ops, x);
        ops.drop(x);
        return latent;
    }

    /** latent (B, 1 + K, D) → pred (B, L, P·P·C) in spatial order. */
    public Tensor decode(Ops ops, Tensor latent, MaskPlan plan) {
        int b = latent.dim(0), k = plan.kept(), l = plan.tokens(), dd = config.decoderWidth();
        // intermediates are dropped once consumed (see Ops.drop)
        Tensor e = decoderEmbed.forward(ops, latent);                                  // (B, 1 + K, Dd)
        Tensor masked = ops.expand(maskToken.tensor(), Shape.of(b, l - k, dd));        // (B, M, Dd)
        Tensor visible = ops.slice(e, 1, 1, k), cls = ops.slice(e, 1, 0, 1);
        Tensor shuffled = ops.concat(1, visible, masked);                              // (B, L, Dd), shuffled
        Tensor patches = ops.gather(shuffled, plan.idsRestore(), 1);                   // spatial order
        Tensor seq = ops.concat(1, cls, patches);
        ops.drop(masked, shuffled, patches, visible, cls, e); // all consumed (with one image the slices are views of e)
        Tensor x = ops.add(seq, decoderPos.tensor());                                  // (B, T, Dd)
        ops.drop(seq);
        for (Block blk : decoderBlocks) {
            Tensor y = blk.forward(ops, x);
            ops.drop(x);
            x = y;
        }
        Tensor n = decoderNorm.forward(ops, x);
        ops.drop(x);
        Tensor full = decoderPred.forward(ops, n);                                     // (B, T, P·P·C)
        ops.drop(n);
        return ops.slice(full, 1, 1, l);
    }

    /** The reconstruction target: patchified images, per-patch normalised when norm_pix_loss is on. */
    public Tensor target(Ops ops, Tensor imgs) {
        Tensor t = patchify(ops, imgs);
        if (!config.normPixLoss()) return t;
        Tensor mean = ops.mean(t, true, -1);
        Tensor var = ops.var(t, true, 1, -1);
        return ops.div(ops.sub(t, mean), ops.sqrt(ops.addScalar(var, 1e-6)));
    }

    /** Mean over masked patches of the per-patch mean squared error. */
    public Tensor loss(Ops ops, Tensor imgs, Tensor pred, MaskPlan plan) {
        Tensor mask = plan.mask().dtype() == pred.dtype() ? plan.mask() : ops.cast(plan.mask(), pred.dtype());
        return ops.maskedMse(pred, target(ops, imgs), mask);
    }

    /** The whole forward pass with a given mask. */
    public Output forward(Ops ops, Tensor imgs, MaskPlan plan) {
        checkImages(imgs);
        Tensor latent = encode(ops, imgs, plan);
        Tensor pred = decode(ops, latent, plan);
        return new Output(loss(ops, imgs, pred, plan), pred, plan, latent);
    }

    /** The whole forward pass, masking with noise drawn from {@code rng}. */
    public Output forward(Ops ops, Tensor imgs, Rng rng) {
        checkImages(imgs);
        return forward(ops, imgs, mask(ops, rng, imgs.dim(0)));
    }

    private void checkImages(Tensor imgs) {
        var e = config.encoder();
        if (imgs.rank() != 4 || imgs.dim(1) != e.inChannels() || imgs.dim(2) != e.imageSize() || imgs.dim(3) != e.imageSize()) {
            throw new IllegalArgumentException("MAE expects images (B, " + e.inChannels() + ", " + e.imageSize() + ", " + e.imageSize() + "), got " + imgs.describe());
        }
    }
}
