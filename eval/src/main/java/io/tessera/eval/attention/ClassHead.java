package io.tessera.eval.attention;

// What Grad-CAM differentiates: a head that maps an encoder's pooled features (B, D) to class scores
// (B, V). Either a supervised ViT's own head, or a linear head from a safetensors file with weight
// (V, D) and bias (V) (a linear probe on a self-supervised encoder, which has no classifier).

import io.tessera.nn.VisionTransformer;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StTensor;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;

/** A differentiable map from features (B, D) to logits (B, V). */
public interface ClassHead {
    /** V. */
    int classes();

    /** D, the feature width it takes. */
    int width();

    /** features (B, D) → logits (B, V), recorded on the tape when one is open. */
    Tensor logits(Ops ops, Tensor features);

    /** For pages and JSON, e.g. "head of the supervised ViT (10 classes)". */
    String describe();

    /** The head of a supervised ViT. */
    static ClassHead of(VisionTransformer vit) {
        if (vit.headLayer() == null) {
            throw new IllegalArgumentException("this encoder has no classification head; give a linear head (a safetensors file with weight (V, D) and bias (V))");
        }
        int v = vit.config().numClasses(), d = vit.config().width();
        return new ClassHead() {
            public int classes() { return v; }

            public int width() { return d; }

            public Tensor logits(Ops ops, Tensor features) { return vit.head(ops, features); }

            public String describe() { return "the model's own head (" + v + " classes)"; }
        };
    }

    /**
     * A linear head read from {@code file}: tensors {@code weight} (V, D) and {@code bias} (V), or
     * {@code head.weight} and {@code head.bias}; values must be finite. Its tensors are persistent in
     * {@code ctx}, in {@code dtype} (the encoder's).
     *
     * @throws IllegalArgumentException naming the file when a tensor is missing, misshapen or not finite
     */
    static ClassHead linear(ExecutionContext ctx, Path file, DType dtype) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        String prefix = c.get("weight") != null ? "" : c.get("head.weight") != null ? "head." : null;
        if (prefix == null || c.get(prefix + "bias") == null) {
            throw new IllegalArgumentException("linear head " + file + ": expected tensors weight (V, D) and bias (V) (or head.weight and head.bias)");
        }
        StTensor w = c.get(prefix + "weight"), b = c.get(prefix + "bias");
        int[] ws = w.intShape(), bs = b.intShape();
        if (ws.length != 2 || bs.length != 1 || bs[0] != ws[0] || ws[0] < 1 || ws[1] < 1) {
            throw new IllegalArgumentException("linear head " + file + ": weight " + java.util.Arrays.toString(ws) + " and bias " + java.util.Arrays.toString(bs)
                    + " are not (V, D) and (V)");
        }
        double[] wv = w.toDoubles(), bv = b.toDoubles();
        for (double[] a : new double[][] {wv, bv}) {
            for (int i = 0; i < a.length; i++) {
                if (!Double.isFinite(a[i])) throw new IllegalArgumentException("linear head " + file + ": value " + a[i] + " at element " + i + " is not finite");
            }
        }
        Tensor wt = ctx.allocatePersistent(Shape.of(ws[0], ws[1]), dtype, false), bt = ctx.allocatePersistent(Shape.of(bs[0]), dtype, false);
        write(ctx, wt, wv);
        write(ctx, bt, bv);
        return linear(wt, bt, file.getFileName().toString());
    }

    private static void write(ExecutionContext ctx, Tensor t, double[] v) {
        if (t.dtype() == DType.F64) {
            ctx.backend().write(t, v);
            return;
        }
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) v[i];
        ctx.backend().write(t, f);
    }

    /** A linear head y = x·Wᵀ + b over given tensors weight (V, D) and bias (V). */
    static ClassHead linear(Tensor wt, Tensor bt, String name) {
        if (wt.rank() != 2 || bt.rank() != 1 || bt.dim(0) != wt.dim(0)) {
            throw new IllegalArgumentException("linear head " + name + ": weight " + wt.shape() + " and bias " + bt.shape() + " are not (V, D) and (V)");
        }
        int[] ws = {wt.dim(0), wt.dim(1)};
        return new ClassHead() {
            public int classes() { return ws[0]; }

            public int width() { return ws[1]; }

            public Tensor logits(Ops ops, Tensor features) { return ops.linear(features, wt, bt); }

            public String describe() { return "linear head " + name + " (" + ws[0] + " classes)"; }
        };
    }
}
