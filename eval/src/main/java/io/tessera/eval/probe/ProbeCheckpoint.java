// A linear probe saved as the project's other checkpoints (safetensors + JSON sidecar with the
// weights' SHA-256): the frozen encoder under its timm names and the head under head.0.* / head.1.*
// (MAE's probed-model state dict), plus everything needed to use it without the run that made it:
// the encoder config, pooling, BN epsilon, class count, input normalisation and the pre-training
// checkpoint (path and SHA-256) the encoder came from.
package io.tessera.eval.probe;

import io.tessera.eval.downstream.EncoderSpec;
import io.tessera.eval.downstream.Pooling;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.NonFinite;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.ssl.data.Normalize;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Saves and rebuilds {@link ProbedModel}s. */
public final class ProbeCheckpoint {
    /** The sidecar's {@code format}. */
    public static final String FORMAT = "tessera.probe/1";

    private ProbeCheckpoint() {
    }

    /**
     * Writes {@code base.safetensors} and {@code base.json}. {@code provenance} (source checkpoint,
     * its SHA-256, method, role, data, settings) is stored under {@code source}.
     */
    public static void save(Path base, ProbedModel model, Map<String, Object> provenance) throws IOException {
        Map<String, ParameterStore> stores = new LinkedHashMap<>();
        stores.put("", model.encoder().store());
        stores.put("head", model.head().store());
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("format", FORMAT);
        side.put("kind", "linear-probe");
        side.put("encoder", EncoderSpec.toMap(model.encoder().config()));
        side.put("pooling", model.pooling().label());
        side.put("feature_dim", (long) model.head().dim());
        side.put("classes", (long) model.classes());
        side.put("bn_eps", LinearHead.BN_EPS);
        side.put("normalize", normalizeMap(model.normalize()));
        side.put("source", new LinkedHashMap<>(provenance));
        TrainingCheckpoint.save(base, stores, "head", Map.of(), side);
    }

    /** Rebuilds the probed model of a checkpoint written by {@link #save}: weights verified (SHA-256, finite values). */
    public static ProbedModel load(ExecutionContext ctx, Path base) throws IOException {
        Map<String, Object> side = TrainingCheckpoint.readSidecar(base);
        if (!FORMAT.equals(side.get("format"))) {
            throw new IllegalArgumentException(TrainingCheckpoint.sidecarPath(base).getFileName() + " is not a linear-probe checkpoint (format "
                    + side.get("format") + ", expected " + FORMAT + ")");
        }
        VitConfig cfg = EncoderSpec.fromMap(map(side, "encoder"));
        int classes = (int) TrainingCheckpoint.requireLong(side, "classes", base, 2, Integer.MAX_VALUE);
        VisionTransformer encoder = VisionTransformer.create(ctx, cfg, DType.F32);
        LinearHead head = LinearHead.create(ctx, cfg.width(), classes, new Rng(0));
        try {
            TrainingCheckpoint.loadModels(base, Map.of("", encoder.store(), "head", head.store()), NonFinite.REFUSE);
        } catch (io.tessera.nn.checkpoint.CheckpointIntegrityException e) {
            throw e;
        } catch (CheckpointFormatException e) {
            throw new IllegalArgumentException("the probe checkpoint " + base.getFileName() + " does not fit its description: " + e.getMessage());
        }
        return new ProbedModel(encoder, Pooling.parse(String.valueOf(side.get("pooling"))), head, normalizeOf(map(side, "normalize")));
    }

    /** {"mean": […], "std": […]}. */
    public static Map<String, Object> normalizeMap(Normalize n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", floats(n.mean()));
        m.put("std", floats(n.std()));
        return m;
    }

    /** The normalisation of {@link #normalizeMap}. */
    public static Normalize normalizeOf(Map<?, ?> m) {
        return new Normalize(floats(m.get("mean"), "mean"), floats(m.get("std"), "std"));
    }

    static Map<?, ?> map(Map<?, ?> side, String key) {
        if (!(side.get(key) instanceof Map<?, ?> m)) throw new IllegalArgumentException("the checkpoint's sidecar has no '" + key + "' object");
        return m;
    }

    private static List<Object> floats(float[] v) {
        List<Object> l = new java.util.ArrayList<>();
        for (float f : v) l.add((double) f);
        return l;
    }

    private static float[] floats(Object o, String what) {
        if (!(o instanceof List<?> l) || l.isEmpty()) throw new IllegalArgumentException("the sidecar's normalisation has no list '" + what + "'");
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw new IllegalArgumentException("the sidecar's normalisation '" + what + "' holds " + l.get(i));
            f[i] = n.floatValue();
        }
        return f;
    }
}
