package io.tessera.nn;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

/**
 * Multi-head self-attention as in timm's ViT: one fused Linear qkv (D → 3D) whose output
 * columns are [q | k | v], each head-major (head h owns columns h·Dh … (h+1)·Dh − 1);
 * softmax(q·kᵀ·Dh^(−1/2))·v per head; heads concatenated in head order; Linear proj (D → D).
 * No dropout.
 */
public final class Attention extends Module {
    /** The attention output (B, T, D) and the probabilities (B, H, T, T). */
    public record Output(Tensor out, Tensor probs) {
    }

    private final int width;
    private final int heads;
    private final Linear qkv;
    private final Linear proj;

    /** Registers {@code prefix.qkv} (D → 3D) and {@code prefix.proj} (D → D). */
    public Attention(ParameterStore store, String prefix, int width, int heads, boolean qkvBias) {
        super(prefix);
        if (heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("Attention " + prefix + ": width " + width + " is not divisible by " + heads + " heads");
        }
        this.width = width;
        this.heads = heads;
        this.qkv = child(new Linear(store, name("qkv"), width, 3 * width, qkvBias));
        this.proj = child(new Linear(store, name("proj"), width, width, true));
    }

    public int heads() { return heads; }

    public int headDim() { return width / heads; }

    public Linear qkv() { return qkv; }

    public Linear proj() { return proj; }

    /**
     * x (B, T, D) → (B, T, D), without the probabilities: a backend that fuses attention never
     * forms them (see {@link Ops#attentionOutput}).
     */
    public Tensor forward(Ops ops, Tensor x) {
        return run(ops, x, false).out();
    }

    /** x (B, T, D) → output (B, T, D) and attention probabilities (B, H, T, T). */
    public Output forwardWithProbs(Ops ops, Tensor x) {
        return run(ops, x, true);
    }

    /** The forward pass; {@code probs} is null unless {@code keepProbs}. */
    private Output run(Ops ops, Tensor x, boolean keepProbs) {
        if (x.rank() != 3 || x.dim(2) != width) {
            throw new IllegalArgumentException("Attention " + prefix() + " expects x (B, T, " + width + "), got " + x.describe());
        }
        // the heads split and merged around attention (read in place on a backend that fuses it)
        Tensor packed = qkv.forward(ops, x);                                              // (B, T, 3D)
        Ops.Attention a = ops.attentionPacked(packed, heads, 1.0 / Math.sqrt(width / heads), keepProbs); // (B, T, D)
        ops.drop(packed);
        Tensor o = a.out();
        Tensor out = proj.forward(ops, o);
        ops.drop(o);
        return new Output(out, a.probs());
    }
}
