package io.tessera.tests.golden;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.nn.optim.LossScaler;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the bf16 and fp16 golden tests share: the float32 → 16-bit casts against PyTorch's, and the
 * MAE step of mae_tiny.safetensors (its weights, images and masking noise) under autocast.
 */
final class AutocastGolden {
    private AutocastGolden() {
    }

    /**
     * PyTorch's casts in {@code file} ({@code cast.f32} and their 16-bit values widened, under
     * {@code wantKey}) bit for bit: the type's own rounding and ops.cast on {@code backend}
     * ("cpu" or "reference").
     */
    static void castsMatchBitForBit(String file, String wantKey, DType type, String backend, int minCases) {
        SafeTensors.Contents g = Golden.load(file);
        float[] x = Golden.get(g, "cast.f32").toFloats();
        float[] want = Golden.get(g, wantKey).toFloats();
        assertThat(x.length).isGreaterThan(minCases);
        try (ExecutionContext ctx = backend.equals("cpu") ? ExecutionContext.cpu(2, 0) : ExecutionContext.reference(0)) {
            Tensor h = ctx.ops().cast(ctx.ops().tensor(x, x.length), type);
            float[] got = ctx.backend().readF32(h);
            for (int i = 0; i < x.length; i++) {
                assertThat(Float.floatToRawIntBits(type.roundHalf(x[i]))).as("%s of %s", type, x[i]).isEqualTo(Float.floatToRawIntBits(want[i]));
                assertThat(Float.floatToRawIntBits(got[i])).as("cast of %s", x[i]).isEqualTo(Float.floatToRawIntBits(want[i]));
            }
        }
    }

    /** The MAE of MaeParityTest.CONFIG with mae_tiny.safetensors' weights, in float32. */
    static MaskedAutoencoder maeTiny(ExecutionContext ctx) throws IOException {
        MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, MaeParityTest.CONFIG, DType.F32);
        StoreCheckpoint.load(mae.store(), Path.of("reference", "golden", "mae_tiny.safetensors"), StoreCheckpoint.Match.STORE_ENTRIES,
                n -> n.startsWith("weights.") ? n.substring(8) : n);
        return mae;
    }

    /** mae_tiny's images (2, 3, 16, 16). */
    static Tensor images(Ops ops, SafeTensors.Contents g) {
        return Golden.tensor(ops, Golden.get(g, "input.imgs").toDoubles(), DType.F32, 2, 3, 16, 16);
    }

    /**
     * One MAE step of the golden under autocast in {@code type} on the CPU: loss, latent,
     * prediction and the gradient of every trainable parameter ("grad." + name). With a scaler,
     * backward runs on the loss times its scale and the gradients are unscaled after.
     */
    static Map<String, double[]> maeStep(SafeTensors.Contents g, DType type, LossScaler scaler) throws IOException {
        Map<String, double[]> ours = new LinkedHashMap<>();
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            Ops ops = ctx.ops();
            MaskedAutoencoder mae = maeTiny(ctx);
            ParameterStore store = mae.store();
            Tensor imgs = images(ops, g);
            MaskPlan plan = RandomMasking.fromNoise(ops, Golden.get(g, "input.noise").toFloats(), 2, 16, 0.75);
            store.zeroGrad();
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                MaskedAutoencoder.Output out;
                try (ExecutionContext.Autocast ac = ctx.autocast(type)) {
                    out = mae.forward(ops, imgs, plan);
                }
                ours.put("loss", new double[] {out.loss().item()});
                ours.put("latent", out.latent().toDoubleArray());
                ours.put("pred", out.pred().toDoubleArray());
                tape.backward(scaler == null ? out.loss() : ops.scale(out.loss(), scaler.scale()));
            }
            if (scaler != null) scaler.unscale(store.gradients());
            for (Parameter p : store.parameters()) if (p.trainable()) ours.put("grad." + p.name(), p.grad().toDoubleArray());
        }
        return ours;
    }

    /** The float32 step's loss, latent and prediction (the float64 golden of make_golden_mae.py). */
    static Map<String, double[]> float32Outputs(SafeTensors.Contents g) {
        Map<String, double[]> fp32 = new LinkedHashMap<>();
        fp32.put("loss", Golden.get(g, "output.loss").toDoubles());
        fp32.put("latent", Golden.get(g, "output.latent").toDoubles());
        fp32.put("pred", Golden.get(g, "output.pred").toDoubles());
        return fp32;
    }
}
