package io.tessera.nn;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

/**
 * Pre-norm transformer block (timm 0.3/0.4 {@code Block}):
 * x = x + DropPath(Attn(LN1(x))); x = x + DropPath(MLP(LN2(x))).
 * Registers {@code norm1}, {@code attn}, {@code norm2}, {@code mlp} under its prefix.
 */
public final class Block extends Module {
    /** The block output (B, T, D) and its attention probabilities (B, H, T, T). */
    public record Output(Tensor out, Tensor probs) {
    }

    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath;

    public Block(ParameterStore store, String prefix, int width, int heads, int mlpHidden, boolean qkvBias,
                 double eps, double dropPath) {
        super(prefix);
        this.norm1 = child(new LayerNorm(store, name("norm1"), width, eps));
        this.attn = child(new Attention(store, name("attn"), width, heads, qkvBias));
        this.norm2 = child(new LayerNorm(store, name("norm2"), width, eps));
        this.mlp = child(new Mlp(store, name("mlp"), width, mlpHidden));
        this.dropPath = child(new DropPath(name("drop_path"), dropPath));
    }

    public LayerNorm norm1() { return norm1; }

    public Attention attn() { return attn; }

    public LayerNorm norm2() { return norm2; }

    public Mlp mlp() { return mlp; }

    public DropPath dropPath() { return dropPath; }

    /** x (B, T, D) → (B, T, D). */
    public Tensor forward(Ops ops, Tensor x) {
        return forwardWithProbs(ops, x).out();
    }

    /** x (B, T, D) → output (B, T, D) and the attention probabilities (B, H, T, T). */
    public Output forwardWithProbs(Ops ops, Tensor x) {
        Attention.Output a = attn.forwardWithProbs(ops, norm1.forward(ops, x));
        Tensor h = ops.add(x, dropPath.forward(ops, a.out()));
        Tensor y = ops.add(h, dropPath.forward(ops, mlp.forward(ops, norm2.forward(ops, h))));
        return new Output(y, a.probs());
    }
}
