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

    /** x (B, T, D) → (B, T, D), without the attention probabilities (see {@link Attention#forward}). */
    public Tensor forward(Ops ops, Tensor x) {
        return run(ops, x, null, false).out();
    }

    /** x (B, T, D) → output (B, T, D) and the attention probabilities (B, H, T, T). */
    public Output forwardWithProbs(Ops ops, Tensor x) {
        return forwardWithProbs(ops, x, null);
    }

    /**
     * As {@link #forwardWithProbs(Ops, Tensor)}, handing LN1(x) (B, T, D), the input of attention,
     * to {@code norm1Tap} before attention reads it (Grad-CAM's target layer; a tap that keeps the
     * tensor beyond this call retains it on the tape). A null tap does nothing.
     */
    public Output forwardWithProbs(Ops ops, Tensor x, java.util.function.Consumer<Tensor> norm1Tap) {
        return run(ops, x, norm1Tap, true);
    }

    /** The forward pass; the probabilities are null unless {@code keepProbs}. */
    private Output run(Ops ops, Tensor x, java.util.function.Consumer<Tensor> norm1Tap, boolean keepProbs) {
        // every intermediate is dropped once consumed (see Ops.drop); x belongs to the caller
        Tensor n1 = norm1.forward(ops, x);
        if (norm1Tap != null) norm1Tap.accept(n1);
        Attention.Output a = keepProbs ? attn.forwardWithProbs(ops, n1) : new Attention.Output(attn.forward(ops, n1), null);
        ops.drop(n1);
        Tensor d1 = dropPath.forward(ops, a.out());
        Ops.AddNorm hn = norm2.forward(ops, x, d1); // h = x + d1 and LN2(h) in one backend call
        Tensor h = hn.sum(), n2 = hn.norm();
        ops.drop(d1, a.out());
        Tensor m = mlp.forward(ops, n2);
        ops.drop(n2);
        Tensor d2 = dropPath.forward(ops, m);
        Tensor y = ops.add(h, d2);
        ops.drop(d2, m, h);
        return new Output(y, a.probs());
    }
}
