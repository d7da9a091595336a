package io.tessera.eval.attention;

// One inference pass of an encoder over a batch of full, unmasked images (EncoderPass) that copies
// each block's attention probabilities (B, H, T, T) to the host once and hands them to every
// consumer (statistics, cls maps, rollout), with the global index of the batch's first image.

import io.tessera.eval.features.EncoderPass;
import io.tessera.nn.VisionTransformer;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;

import java.util.List;

/** Feeds attention probabilities of every block to consumers. */
public final class AttentionPass {
    private AttentionPass() {
    }

    /** Receives one block's attention of one batch. */
    public interface Consumer {
        /**
         * @param block 0-based block index
         * @param probs (B, H, T, T) row-major, cls first; shared between consumers, do not modify
         * @param first global index of the batch's image 0
         */
        void block(int block, float[] probs, int batch, int heads, int first);
    }

    /**
     * Runs imgs (B, C, H, W) through every block of {@code encoder} in eval mode and feeds each
     * block's probabilities to {@code consumers}; opens its own scope.
     */
    public static void run(Ops ops, VisionTransformer encoder, Tensor imgs, int first, List<? extends Consumer> consumers) {
        if (first < 0) throw new IllegalArgumentException("first image index " + first + " is negative");
        boolean training = encoder.isTraining();
        encoder.eval();
        try (Scope s = ops.context().openScope()) {
            EncoderPass.run(ops, encoder, imgs, encoder.config().depth() - 1, (index, tokens, probs) -> {
                float[] p = probs.toFloatArray();
                for (Consumer c : consumers) c.block(index, p, probs.dim(0), probs.dim(1), first);
            });
        } finally {
            encoder.train(training);
        }
    }
}
