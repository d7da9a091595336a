// SimMIM (Xie et al., CVPR 2022; simmim: models/simmim.py VisionTransformerForSimMIM + SimMIM) on our ViT:
// the encoder sees all L patches, masked ones replaced by a learnable mask token before the position
// table is added; a per-token Linear D → P·P·C (the official 1×1 conv + PixelShuffle) predicts pixels;
// L1 loss on masked pixels. Deviations (absolute sin-cos table instead of a shared relative position
// bias, no layer scale, MAE-style encoder init) are listed in the class Javadoc.
package io.tessera.ssl.simmim;

import io.tessera.nn.Init;
import io.tessera.nn.Linear;
import io.tessera.nn.Module;
import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.VisionTransformer;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

/**
 * SimMIM's ViT variant. Names: {@code encoder.*} (timm ViT), {@code encoder.mask_token}
 * (1, 1, D), {@code decoder.0.weight} (P·P·C, D) and {@code decoder.0.bias} — the official
 * conv weight (P·P·C, D, 1, 1) reshaped; output channel o = c·P² + py·P + px as PixelShuffle
 * reads it. Forward:
 * <pre>
 *   x  = patch_embed(img)·(1 − w) + mask_token·w          w = mask (B, L, 1), 1 = masked
 *   z  = norm(blocks([cls; x] + pos))[:, 1:]               (B, L, D)
 *   x̂  = decoder(z) → pixels                               (B, L, P·P·C)
 *   L  = Σ mask·|x − x̂| / (Σ_pixels mask + 1e-5) / C      (raw normalised pixels, no norm-pix)
 * </pre>
 * Differences from the official ViT-B recipe, because our ViT does not have them: absolute
 * 2-D sin-cos position table (fixed or learnable, per the encoder config) instead of a shared
 * relative position bias; no layer scale (init 0.1); the encoder is initialised by
 * {@link VisionTransformer#init} (MAE rules) instead of timm/BEiT trunc-normal rules. Kept as
 * official: mask token trunc-normal std 0.02 cut at ±0.02, excluded from weight decay; decoder
 * with PyTorch's default conv init U(±1/√D).
 */
public final class SimMim extends Module {
    /** One forward pass: loss (scalar), pred (B, L, P·P·C) in patchify order, latent (B, T, D) after the final norm. */
    public record Output(Tensor loss, Tensor pred, Tensor latent) {
    }

    private final SimMimConfig config;
    private final ParameterStore store;
    private final VisionTransformer encoder;
    private final Parameter maskToken; // (1, 1, D)
    private final Linear decoder;      // D → P·P·C

    /** Registers every entry under {@code prefix} ("encoder.*", "decoder.0.*") without allocating. */
    public SimMim(ParameterStore store, String prefix, SimMimConfig config) {
        super(prefix);
        this.config = config;
        this.store = store;
        int d = config.encoder().width();
        this.encoder = child(new VisionTransformer(store, name("encoder"), config.encoder()));
        this.maskToken = store.parameter(name("encoder.mask_token"), Shape.of(1, 1, d), true, false);
        this.decoder = child(new Linear(store, name("decoder.0"), d, config.patchValues(), true));
    }

    /** A ready model in its own store, allocated in {@code dtype} and initialised from {@code ctx.rng("init")}. */
    public static SimMim create(ExecutionContext ctx, SimMimConfig config, DType dtype) {
        ParameterStore store = new ParameterStore();
        SimMim m = new SimMim(store, "", config);
        store.allocate(ctx, dtype);
        m.init(ctx.rng("init"));
        return m;
    }

    public SimMimConfig config() { return config; }

    public ParameterStore store() { return store; }

    public VisionTransformer encoder() { return encoder; }

    public Parameter maskToken() { return maskToken; }

    public Linear decoder() { return decoder; }

    /** Encoder rules, mask token N(0, 0.02²) cut at ±0.02 (redrawn), decoder U(±1/√D) for weight and bias. */
    @Override
    public void init(Rng rng) {
        encoder.init(rng);
        double[] v = new double[maskToken.size()];
        for (int i = 0; i < v.length; i++) {
            double z;
            do {
                z = rng.nextGaussian();
            } while (Math.abs(z) > 1);
            v[i] = 0.02 * z;
        }
        Init.write(maskToken.tensor(), v);
        double bound = 1 / Math.sqrt(config.encoder().width());
        Init.uniform(decoder.weight().tensor(), rng, bound);
        Init.uniform(decoder.bias().tensor(), rng, bound);
    }

    /** The mask (B, L) in the model's dtype. */
    private Tensor maskAs(Ops ops, Tensor mask, DType t) {
        return mask.dtype() == t ? mask : ops.cast(mask, t);
    }

    /** imgs (B, C, H, W), mask (B, L) → all tokens after the final norm (B, 1 + L, D). */
    public Tensor encode(Ops ops, Tensor imgs, Tensor mask) {
        Tensor x = encoder.patchEmbed().forward(ops, imgs);                       // (B, L, D)
        int b = x.dim(0), l = x.dim(1);
        if (!mask.shape().equals(Shape.of(b, l))) {
            throw new IllegalArgumentException("SimMIM encode: mask must be (B, L) = (" + b + ", " + l + "), got " + mask.describe());
        }
        Tensor w = ops.reshape(maskAs(ops, mask, x.dtype()), b, l, 1);          // (B, L, 1)
        x = ops.add(ops.mul(x, ops.affine(w, -1, 1)), ops.mul(maskToken.tensor(), w));
        x = ops.add(x, ops.slice(encoder.posEmbed().tensor(), 1, 1, l));
        x = encoder.runBlocks(ops, encoder.prependCls(ops, x));                   // (B, 1 + L, D)
        return encoder.norm().forward(ops, x);
    }

    /** latent (B, 1 + L, D) → pred (B, L, P·P·C) in patchify order ((py·P + px)·C + c). */
    public Tensor decode(Ops ops, Tensor latent) {
        int b = latent.dim(0), l = latent.dim(1) - 1, p = config.encoder().patchSize(), c = config.encoder().inChannels();
        Tensor y = decoder.forward(ops, ops.slice(latent, 1, 1, l));             // (B, L, C·P·P), PixelShuffle order
        y = ops.permute(ops.reshape(y, b, l, c, p, p), 0, 1, 3, 4, 2);           // (B, L, P, P, C)
        return ops.reshape(y, b, l, p * p * c);
    }

    /**
     * L1 on masked pixels: Σ_{b,l} mask·Σ_v |pred − patchify(img)| / (Σ mask·P² + 1e-5) / C,
     * composed from abs, a sum over the patch values, a masked sum and a constant scale. In a
     * data-parallel run each rank divides by its own masked-pixel count + 1e-5, as the official DDP
     * code does, so the mean over W ranks differs from one process's loss by a relative
     * ≈ 1e-5·(1 − 1/W)/(a rank's masked-pixel count).
     */
    public Tensor loss(Ops ops, Tensor imgs, Tensor pred, Tensor mask) {
        Tensor target = ops.patchify(imgs, config.encoder().patchSize());         // (B, L, P·P·C)
        Tensor m = maskAs(ops, mask, pred.dtype());
        Tensor perPatch = ops.sum(ops.abs(ops.sub(pred, target)), false, -1);     // (B, L)
        double maskedPatches = 0;
        for (double v : m.toDoubleArray()) maskedPatches += v;
        int p = config.encoder().patchSize();
        double denom = (maskedPatches * p * p + 1e-5) * config.encoder().inChannels();
        return ops.scale(ops.sum(ops.mul(perPatch, m)), 1 / denom);
    }

    /** The whole forward pass with a given mask (B, L), 1 = masked. */
    public Output forward(Ops ops, Tensor imgs, Tensor mask) {
        var e = config.encoder();
        if (imgs.rank() != 4 || imgs.dim(1) != e.inChannels() || imgs.dim(2) != e.imageSize() || imgs.dim(3) != e.imageSize()) {
            throw new IllegalArgumentException("SimMIM expects images (B, " + e.inChannels() + ", " + e.imageSize() + ", " + e.imageSize() + "), got " + imgs.describe());
        }
        Tensor latent = encode(ops, imgs, mask);
        Tensor pred = decode(ops, latent);
        return new Output(loss(ops, imgs, pred, mask), pred, latent);
    }
}
