// A fine-tuned model saved as the project's other checkpoints (safetensors + JSON sidecar with the
// weights' SHA-256): the whole ViT under timm's names (patch_embed.*, cls_token, pos_embed, blocks.*,
// fc_norm.* or norm.*, head.*), its config, the input normalisation and the pre-training checkpoint it
// started from. No optimizer state: a fine-tune run is not resumed from it.
package io.tessera.eval.finetune;

import io.tessera.eval.downstream.EncoderSpec;
import io.tessera.eval.probe.ProbeCheckpoint;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.CheckpointIntegrityException;
import io.tessera.nn.checkpoint.NonFinite;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Saves and rebuilds {@link FinetunedModel}s. */
public final class FinetuneCheckpoint {
    /** The sidecar's {@code format}. */
    public static final String FORMAT = "tessera.finetune/1";

    private FinetuneCheckpoint() {
    }

    /** Writes {@code base.safetensors} and {@code base.json}; {@code provenance} goes under {@code source}. */
    public static void save(Path base, FinetunedModel model, Map<String, Object> provenance) throws IOException {
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("format", FORMAT);
        side.put("kind", "finetune");
        side.put("model", EncoderSpec.toMap(model.model().config()));
        side.put("classes", (long) model.classes());
        side.put("normalize", ProbeCheckpoint.normalizeMap(model.normalize()));
        side.put("source", new LinkedHashMap<>(provenance));
        TrainingCheckpoint.save(base, Map.of("", model.model().store()), "", Map.of(), side);
    }

    /** Rebuilds the model of a checkpoint written by {@link #save}: weights verified (SHA-256, finite values). */
    public static FinetunedModel load(ExecutionContext ctx, Path base) throws IOException {
        Map<String, Object> side = TrainingCheckpoint.readSidecar(base);
        if (!FORMAT.equals(side.get("format"))) {
            throw new IllegalArgumentException(TrainingCheckpoint.sidecarPath(base).getFileName() + " is not a fine-tune checkpoint (format "
                    + side.get("format") + ", expected " + FORMAT + ")");
        }
        if (!(side.get("model") instanceof Map<?, ?> m)) throw new IllegalArgumentException("the checkpoint's sidecar has no 'model' object");
        VitConfig cfg = EncoderSpec.fromMap(m);
        VisionTransformer model = VisionTransformer.create(ctx, cfg, DType.F32);
        try {
            TrainingCheckpoint.loadModels(base, Map.of("", model.store()), NonFinite.REFUSE);
        } catch (CheckpointIntegrityException e) {
            throw e;
        } catch (CheckpointFormatException e) {
            throw new IllegalArgumentException("the fine-tune checkpoint " + base.getFileName() + " does not fit its description: " + e.getMessage());
        }
        if (!(side.get("normalize") instanceof Map<?, ?> n)) throw new IllegalArgumentException("the checkpoint's sidecar has no 'normalize' object");
        model.eval();
        return new FinetunedModel(model, ProbeCheckpoint.normalizeOf(n));
    }
}
