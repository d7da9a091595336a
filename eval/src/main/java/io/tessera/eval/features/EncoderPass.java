package io.tessera.eval.features;

// One inference pass of a ViT encoder over the full, unmasked image in natural patch order, block by
// block, showing each block's output tokens and attention probabilities to a visitor before they are
// released: analyses read per-layer statistics without holding every layer in memory at once (what
// VisionTransformer.intermediates does). Not a training pass: run it outside any tape.

import io.tessera.nn.Block;
import io.tessera.nn.VisionTransformer;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

import java.util.List;

/** Streams the blocks of a {@link VisionTransformer} over unmasked images. */
public final class EncoderPass {
    private EncoderPass() {
    }

    /** What the pass shows; every tensor is released right after the call that receives it. */
    public interface Visitor {
        /**
         * Block {@code index} (0-based, as {@code blocks.index} in parameter names) has run.
         *
         * @param tokens its output x (B, T, D), cls first, before any final norm
         * @param probs  its attention probabilities (B, H, T, T), rows over keys summing to 1
         */
        void block(int index, Tensor tokens, Tensor probs);

        /** The encoder's output tokens (B, T, D): after its final norm when it has one (cls pooling). */
        default void output(Tensor tokens) {
        }
    }

    /**
     * Runs imgs (B, C, H, W) through patch embedding, the cls token and blocks 0..{@code lastBlock}
     * (all blocks and then {@link Visitor#output} when {@code lastBlock} is the last one or more).
     * Drop path and dropout follow the encoder's mode: put it in eval mode first.
     */
    public static void run(Ops ops, VisionTransformer encoder, Tensor imgs, int lastBlock, Visitor visitor) {
        if (ops.context().tape() != null) throw new IllegalStateException("EncoderPass runs in inference mode; close the tape first");
        List<Block> blocks = encoder.blocks();
        if (lastBlock < 0) throw new IllegalArgumentException("EncoderPass: last block " + lastBlock + " is negative");
        int last = Math.min(lastBlock, blocks.size() - 1);
        Tensor patches = encoder.embedPatches(ops, imgs);                 // (B, L, D)
        Tensor x = encoder.prependCls(ops, patches);                      // (B, T, D)
        ops.drop(patches);
        for (int i = 0; i <= last; i++) {
            Block.Output o = blocks.get(i).forwardWithProbs(ops, x);
            ops.drop(x);
            visitor.block(i, o.out(), o.probs());
            ops.drop(o.probs());
            x = o.out();
        }
        if (last == blocks.size() - 1) {
            Tensor out = encoder.norm() == null ? x : encoder.norm().forward(ops, x);
            visitor.output(out);
            if (out != x) ops.drop(out);
        }
        ops.drop(x);
    }
}
