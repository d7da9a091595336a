// One LUT-SimMIM network: a SimMIM model (encoder with mask token + pixel decoder) plus LUT's projector
// "head" and "predictor", in one store. Online and target are two instances. The LUT-SimMIM recipe is
// an inference (the LUT paper's SimMIM variant was not retrievable; see LutSimMim).
package io.tessera.ssl.simmim;

import io.tessera.nn.Module;
import io.tessera.nn.ParameterStore;
import io.tessera.ssl.lut.ProjectionMlp;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

/** SimMIM ({@code encoder.*}, {@code decoder.0.*}) + {@code head.*} + {@code predictor.*}. */
public final class LutSimMimNetwork extends Module {
    private final ParameterStore store;
    private final SimMim simmim;
    private final ProjectionMlp head;
    private final ProjectionMlp predictor;

    public LutSimMimNetwork(ParameterStore store, String prefix, SimMimConfig config, int headHidden) {
        super(prefix);
        this.store = store;
        int d = config.encoder().width();
        this.simmim = child(new SimMim(store, prefix, config));
        this.head = child(new ProjectionMlp(store, name("head"), d, headHidden, d));
        this.predictor = child(new ProjectionMlp(store, name("predictor"), d, headHidden, d));
    }

    /** A ready network in its own store, allocated in {@code dtype} and initialised from {@code ctx.rng("init")}. */
    public static LutSimMimNetwork create(ExecutionContext ctx, SimMimConfig config, int headHidden, DType dtype) {
        ParameterStore store = new ParameterStore();
        LutSimMimNetwork n = new LutSimMimNetwork(store, "", config, headHidden);
        store.allocate(ctx, dtype);
        n.init(ctx.rng("init"));
        return n;
    }

    @Override
    public void init(Rng rng) {
        simmim.init(rng);
        head.init(rng);
        predictor.init(rng);
    }

    public ParameterStore store() { return store; }

    public SimMim simmim() { return simmim; }

    public ProjectionMlp head() { return head; }

    public ProjectionMlp predictor() { return predictor; }

    /**
     * Mean of the patch tokens at unmasked positions: latent (B, 1 + L, D), mask (B, L) (1 =
     * masked) → Σ_l (1 − m_l)·z_l / Σ_l (1 − m_l), (B, D).
     */
    public static Tensor poolVisible(Ops ops, Tensor latent, Tensor mask) {
        int b = latent.dim(0), l = latent.dim(1) - 1;
        if (!mask.shape().equals(Shape.of(b, l))) {
            throw new IllegalArgumentException("poolVisible: mask must be (B, L) = (" + b + ", " + l + "), got " + mask.describe());
        }
        Tensor keep = ops.affine(mask.dtype() == latent.dtype() ? mask : ops.cast(mask, latent.dtype()), -1, 1); // (B, L)
        double[] kv = keep.toDoubleArray();
        double[] inv = new double[b];
        for (int i = 0; i < b; i++) {
            double n = 0;
            for (int j = 0; j < l; j++) n += kv[i * l + j];
            if (n == 0) throw new IllegalArgumentException("poolVisible: sample " + i + " has no visible patch");
            inv[i] = 1 / n;
        }
        Tensor scale; // made in the latent's dtype directly: a device backend may hold no F64 tensors
        if (latent.dtype() == io.tessera.tensor.DType.F64) {
            scale = ops.tensor(inv, b, 1);
        } else {
            float[] f = new float[b];
            for (int i = 0; i < b; i++) f[i] = (float) inv[i];
            scale = ops.tensor(f, b, 1);
        }
        Tensor sum = ops.sum(ops.mul(ops.slice(latent, 1, 1, l), ops.reshape(keep, b, l, 1)), false, 1); // (B, D)
        return ops.mul(sum, scale);
    }
}
