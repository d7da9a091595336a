package io.tessera.eval.attention;

// Grad-CAM for a ViT (Selvaraju et al. 2017, as jacobgil/pytorch-grad-cam applies it to ViTs): the
// target layer is the last block's norm1 output (its patch tokens get gradient, unlike the block's
// output, of which the head reads only the cls token); the cls token is dropped, the L tokens form
// the patch grid, the channel weights are the spatial mean of the gradient of the class score, and
// CAM = ReLU(Σ_c w_c·A_c), min-max scaled with ε 1e-7 (scale_cam_image). Resizing and the overlay
// belong to AttentionImages. The class score is a logit of a ClassHead; top-1 unless one is given.

import io.tessera.nn.Block;
import io.tessera.nn.VisionTransformer;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Grad-CAM maps of a batch. */
public final class GradCam {
    /** pytorch-grad-cam's ε in the min-max scaling. */
    public static final double EPS = 1e-7;

    private GradCam() {
    }

    /**
     * One image's map.
     *
     * @param target the class whose logit was differentiated
     * @param score  that logit
     * @param top1   the arg-max class of the logits
     * @param cam    L values on the patch grid (row-major), min-max scaled to [0, 1)
     * @param rawMax max of ReLU(Σ_c w_c·A_c) before scaling (0: the map is empty)
     */
    public record Cam(int target, double score, int top1, double[] cam, double rawMax) {
        public Cam {
            cam = cam.clone();
            for (double v : cam) if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException("Grad-CAM value " + v + " is not in [0, 1]");
            if (!Double.isFinite(score) || !(rawMax >= 0) || Double.isInfinite(rawMax)) throw new IllegalArgumentException("Grad-CAM score " + score + " or max " + rawMax + " is not finite");
        }

        @Override
        public double[] cam() {
            return cam.clone();
        }
    }

    /**
     * Maps of imgs (B, C, H, W) for the class {@code targets[b]} of each image (−1 for its top-1 class;
     * null for top-1 everywhere). Gradients are taken with respect to the last block's input copied to a
     * leaf, so frozen encoders (an EMA teacher) work too; parameter gradients that the pass accumulates
     * are zeroed afterwards (the whole encoder store's).
     *
     * @throws IllegalArgumentException when the head's width differs from the encoder's or a target is out of range
     */
    public static List<Cam> compute(ExecutionContext ctx, VisionTransformer encoder, ClassHead head, Tensor imgs, int[] targets) {
        int d = encoder.config().width(), b = imgs.dim(0);
        if (head.width() != d) throw new IllegalArgumentException(head.describe() + " takes features of width " + head.width() + "; the encoder gives " + d);
        if (targets != null && targets.length != b) throw new IllegalArgumentException("Grad-CAM: " + targets.length + " targets for " + b + " images");
        if (ctx.tape() != null) throw new IllegalStateException("Grad-CAM records its own tape; close the open one first");
        boolean training = encoder.isTraining();
        encoder.eval();
        Ops ops = ctx.ops();
        List<Block> blocks = encoder.blocks();
        Tensor leaf = null;
        try (Scope s = ctx.openScope()) {
            Tensor x = encoder.prependCls(ops, encoder.embedPatches(ops, imgs));     // (B, T, D), inference
            for (int i = 0; i < blocks.size() - 1; i++) x = blocks.get(i).forward(ops, x);
            leaf = ctx.allocatePersistent(x.shape(), x.dtype(), false);
            ctx.backend().copy(leaf, x);
            leaf.requiresGrad(true);
            Tensor[] n1 = new Tensor[1];
            double[] acts, grads;
            double[] logits;
            try (Tape tape = ctx.record()) {
                Block.Output o = blocks.get(blocks.size() - 1).forwardWithProbs(ops, leaf, t -> n1[0] = tape.retainGrad(t));
                Tensor tokens = encoder.norm() == null ? o.out() : encoder.norm().forward(ops, o.out());
                Tensor out = head.logits(ops, encoder.pool(ops, tokens));              // (B, V)
                logits = out.toDoubleArray();
                int[] chosen = choose(logits, b, head.classes(), targets);
                tape.backward(ops.sum(ops.mul(out, oneHot(ops, chosen, head.classes(), out.dtype()))));
                acts = n1[0].toDoubleArray();
                grads = n1[0].grad().toDoubleArray();
                targets = chosen;
            }
            return maps(acts, grads, logits, targets, b, encoder.config().numTokens(), d, head.classes());
        } finally {
            if (leaf != null) {
                if (leaf.grad() != null) ctx.backend().release(leaf.grad().storage());
                ctx.backend().release(leaf.storage());
            }
            encoder.store().zeroGrad();
            encoder.train(training);
        }
    }

    private static int[] choose(double[] logits, int b, int v, int[] targets) {
        int[] out = new int[b];
        for (int i = 0; i < b; i++) {
            int t = targets == null ? -1 : targets[i];
            if (t < -1 || t >= v) throw new IllegalArgumentException("Grad-CAM target class " + t + " is outside 0.." + (v - 1));
            out[i] = t == -1 ? argmax(logits, i * v, v) : t;
        }
        return out;
    }

    private static int argmax(double[] a, int off, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) if (a[off + j] > a[off + best]) best = j;
        return best;
    }

    private static Tensor oneHot(Ops ops, int[] classes, int v, DType dtype) {
        if (dtype == DType.F64) {
            double[] h = new double[classes.length * v];
            for (int i = 0; i < classes.length; i++) h[i * v + classes[i]] = 1;
            return ops.tensor(h, classes.length, v);
        }
        float[] h = new float[classes.length * v];
        for (int i = 0; i < classes.length; i++) h[i * v + classes[i]] = 1;
        return ops.tensor(h, classes.length, v);
    }

    /** From the norm1 activations and gradients (B, T, D): w_c = mean_j G_jc, CAM_j = ReLU(Σ_c w_c A_jc), min-max scaled. */
    static List<Cam> maps(double[] acts, double[] grads, double[] logits, int[] targets, int b, int t, int d, int v) {
        int l = t - 1;
        List<Cam> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            double[] w = new double[d];
            for (int j = 0; j < l; j++) {
                int row = (i * t + 1 + j) * d;
                for (int c = 0; c < d; c++) w[c] += grads[row + c] / l;
            }
            double[] cam = new double[l];
            for (int j = 0; j < l; j++) {
                int row = (i * t + 1 + j) * d;
                double s = 0;
                for (int c = 0; c < d; c++) s += w[c] * acts[row + c];
                cam[j] = Math.max(s, 0);
            }
            double min = Double.POSITIVE_INFINITY, max = 0;
            for (double c : cam) min = Math.min(min, c);
            for (int j = 0; j < l; j++) {
                cam[j] -= min;
                max = Math.max(max, cam[j]);
            }
            double rawMax = max + min;
            for (int j = 0; j < l; j++) cam[j] /= EPS + max;
            out.add(new Cam(targets[i], logits[i * v + targets[i]], argmax(logits, i * v, v), cam, rawMax));
        }
        return out;
    }
}
