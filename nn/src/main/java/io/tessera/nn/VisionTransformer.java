package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The ViT backbone of MAE / timm: patch embedding, cls token, 2-D sin-cos position table,
 * pre-norm blocks, final norm (cls pooling) or fc_norm (mean pooling), optional Linear head.
 * Parameter names follow timm ({@code patch_embed.proj.weight}, {@code cls_token},
 * {@code pos_embed}, {@code blocks.i.attn.qkv.weight}, {@code norm.weight}, {@code head.weight}).
 * Offers the features / head / intermediates contract plus the stages the MAE encoder needs
 * (patch tokens with positions, cls with position, blocks, norm). Masking is not done here.
 */
public final class VisionTransformer extends Module {
    /** Per-block outputs (B, T, D), per-block attention probabilities (B, H, T, T) and pooled features (B, D). */
    public record Intermediates(List<Tensor> tokens, List<Tensor> attention, Tensor features) {
    }

    private final VitConfig config;
    private final ParameterStore store;
    private final PatchEmbed patchEmbed;
    private final Parameter clsToken; // (1, 1, D)
    private final Parameter posEmbed; // (1, T, D)
    private final List<Block> blocks = new ArrayList<>();
    private final LayerNorm norm;     // CLS pooling, else null
    private final LayerNorm fcNorm;   // MEAN pooling, else null
    private final Linear head;        // numClasses > 0, else null

    /**
     * Registers every parameter of {@code config} under {@code prefix} (may be "") in
     * {@code store} without allocating; call {@link ParameterStore#allocate} then {@link #init}.
     */
    public VisionTransformer(ParameterStore store, String prefix, VitConfig config) {
        super(prefix);
        this.config = config;
        this.store = store;
        int d = config.width();
        this.patchEmbed = child(new PatchEmbed(store, name("patch_embed"), config.imageSize(), config.patchSize(), config.inChannels(), d));
        this.clsToken = store.parameter(name("cls_token"), Shape.of(1, 1, d));
        Shape pos = Shape.of(1, config.numTokens(), d);
        this.posEmbed = config.posEmbed() == VitConfig.PosEmbed.LEARNABLE
                ? store.parameter(name("pos_embed"), pos)
                : store.buffer(name("pos_embed"), pos);
        for (int i = 0; i < config.depth(); i++) {
            blocks.add(child(new Block(store, name("blocks." + i), d, config.heads(), config.mlpHidden(), config.qkvBias(),
                    config.layerNormEps(), config.dropPathAt(i))));
        }
        boolean cls = config.pooling() == VitConfig.Pooling.CLS;
        this.norm = cls ? child(new LayerNorm(store, name("norm"), d, config.layerNormEps())) : null;
        this.fcNorm = cls ? null : child(new LayerNorm(store, name("fc_norm"), d, config.layerNormEps()));
        this.head = config.numClasses() > 0 ? child(new Linear(store, name("head"), d, config.numClasses(), true)) : null;
    }

    /**
     * A ready model in its own store: registers, allocates in {@code dtype} and initialises
     * from {@code ctx.rng("init")}.
     */
    public static VisionTransformer create(ExecutionContext ctx, VitConfig config, DType dtype) {
        ParameterStore store = new ParameterStore();
        VisionTransformer vit = new VisionTransformer(store, "", config);
        store.allocate(ctx, dtype);
        vit.init(ctx.rng("init"));
        return vit;
    }

    public VitConfig config() { return config; }

    public ParameterStore store() { return store; }

    public PatchEmbed patchEmbed() { return patchEmbed; }

    public Parameter clsToken() { return clsToken; }

    public Parameter posEmbed() { return posEmbed; }

    public List<Block> blocks() { return Collections.unmodifiableList(blocks); }

    /** The final LayerNorm (cls pooling), or null with mean pooling. */
    public LayerNorm norm() { return norm; }

    /** The fc_norm after mean pooling, or null with cls pooling. */
    public LayerNorm fcNorm() { return fcNorm; }

    /** The classification head, or null when {@code numClasses} is 0. */
    public Linear headLayer() { return head; }

    /**
     * MAE init order: sin-cos position table; patch-embed weight xavier on (D, C·P·P) and bias
     * U(±1/√(C·P²)); cls token N(0, 0.02); every Linear xavier-uniform with bias 0 and every
     * LayerNorm 1/0, in registration order.
     */
    @Override
    public void init(Rng rng) {
        Init.write(posEmbed.tensor(), SinCosPosEmbed.table(config.width(), config.gridSize(), config.gridSize(), true));
        patchEmbed.init(rng);
        Init.normal(clsToken.tensor(), rng, 0.02);
        for (Block b : blocks) b.init(rng);
        if (norm != null) norm.init(rng);
        if (fcNorm != null) fcNorm.init(rng);
        if (head != null) head.init(rng);
    }

    /**
     * Gives block i's DropPath the stream {@code rng.split("blocks.i")}; needed for training
     * with a positive drop-path rate.
     */
    public void setDropPathRng(Rng rng) {
        for (int i = 0; i < blocks.size(); i++) blocks.get(i).dropPath().setRng(rng.split("blocks." + i));
    }

    /**
     * As {@link #setDropPathRng(Rng)} for a slice of a global batch: rows {@code [firstSample,
     * firstSample + B)} of a batch of {@code globalBatch} samples, so each sample keeps or drops its
     * branches as it does when the whole batch runs in one call (see {@link DropPath#setRng(Rng, int, int)}).
     */
    public void setDropPathRng(Rng rng, int firstSample, int globalBatch) {
        for (int i = 0; i < blocks.size(); i++) blocks.get(i).dropPath().setRng(rng.split("blocks." + i), firstSample, globalBatch);
    }

    // ---- stages ------------------------------------------------------------------------------

    /** imgs (B, C, H, W) → patch tokens with their positions added (B, L, D). */
    public Tensor embedPatches(Ops ops, Tensor imgs) {
        Tensor x = patchEmbed.forward(ops, imgs);                                       // (B, L, D)
        Tensor pos = ops.slice(posEmbed.tensor(), 1, 1, config.numPatches());          // (1, L, D)
        return ops.add(x, pos);
    }

    /** cls_token + pos_embed[0], broadcast to (B, 1, D). */
    public Tensor clsWithPos(Ops ops, int batch) {
        Tensor c = ops.add(clsToken.tensor(), ops.slice(posEmbed.tensor(), 1, 0, 1)); // (1, 1, D)
        return ops.expand(c, Shape.of(batch, 1, config.width()));
    }

    /** Prepends the cls token (with position) to tokens (B, K, D) → (B, 1 + K, D). */
    public Tensor prependCls(Ops ops, Tensor tokens) {
        return ops.concat(1, clsWithPos(ops, tokens.dim(0)), tokens);
    }

    /** Runs all blocks: x (B, T, D) → (B, T, D); no final norm. */
    public Tensor runBlocks(Ops ops, Tensor x) {
        Tensor in = x;
        for (Block b : blocks) {
            Tensor y = b.forward(ops, x);
            if (x != in) ops.drop(x); // outputs of earlier blocks are internal
            x = y;
        }
        return x;
    }

    /**
     * All tokens after the blocks (B, T, D): with cls pooling after the final norm, with mean
     * pooling un-normalised (that model has no final norm).
     */
    public Tensor tokens(Ops ops, Tensor imgs) {
        Tensor x = runBlocks(ops, prependCls(ops, embedPatches(ops, imgs)));
        return norm == null ? x : norm.forward(ops, x);
    }

    /** Pools tokens (B, T, D) to features (B, D): normalised cls token, or fc_norm(mean of patch tokens). */
    public Tensor pool(Ops ops, Tensor tokens) {
        int b = tokens.dim(0), t = tokens.dim(1), d = tokens.dim(2);
        if (config.pooling() == VitConfig.Pooling.CLS) {
            return ops.reshape(ops.slice(tokens, 1, 0, 1), b, d);
        }
        Tensor mean = ops.mean(ops.slice(tokens, 1, 1, t - 1), false, 1); // (B, D)
        return fcNorm.forward(ops, mean);
    }

    // ---- features / head / intermediates ---------------------------------------------------------

    /** imgs (B, C, H, W) → pooled features (B, D). */
    public Tensor features(Ops ops, Tensor imgs) {
        return pool(ops, tokens(ops, imgs));
    }

    /** features (B, D) → logits (B, V); the identity when the model has no head. */
    public Tensor head(Ops ops, Tensor features) {
        return head == null ? features : head.forward(ops, features);
    }

    /** imgs (B, C, H, W) → head(features(imgs)). */
    public Tensor forward(Ops ops, Tensor imgs) {
        return head(ops, features(ops, imgs));
    }

    /** Per-block outputs (before any final norm), attention probabilities and pooled features. */
    public Intermediates intermediates(Ops ops, Tensor imgs) {
        Tensor x = prependCls(ops, embedPatches(ops, imgs));
        List<Tensor> outs = new ArrayList<>(blocks.size()), probs = new ArrayList<>(blocks.size());
        for (Block b : blocks) {
            Block.Output o = b.forwardWithProbs(ops, x);
            x = o.out();
            outs.add(x);
            probs.add(o.probs());
        }
        Tensor last = norm == null ? x : norm.forward(ops, x);
        return new Intermediates(List.copyOf(outs), List.copyOf(probs), pool(ops, last));
    }
}
