// Moves a pre-trained encoder's weights into another ViT by name: the standalone copy a probe
// checkpoint stores, or the fine-tuning model (MAE's models_vit: same blocks, learnable pos_embed
// initialised from the fixed table, fresh fc_norm and head). Names are timm's on both sides; the
// source may sit under a prefix inside a larger store (SimMIM's "encoder.").
package io.tessera.eval.downstream;

import io.tessera.nn.Module;
import io.tessera.nn.Parameter;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Copies encoder weights between {@link VisionTransformer}s. */
public final class WeightTransfer {
    /** Entries a downstream model may have that no encoder has: MAE's fresh fc_norm and the classifier head. */
    public static final Set<String> FRESH = Set.of("fc_norm.weight", "fc_norm.bias", "head.weight", "head.bias");

    private WeightTransfer() {
    }

    /**
     * Copies every entry of {@code target} from {@code source} (looked up as source prefix + name,
     * parameter or buffer alike, shapes checked), except the entries named in {@code fresh}, which keep
     * their initialisation (MAE re-initialises the head even when the checkpoint has one). Returns the
     * names that were kept.
     */
    public static List<String> copy(VisionTransformer source, VisionTransformer target, Set<String> fresh) {
        List<String> kept = new ArrayList<>();
        var src = source.store();
        for (Parameter p : target.store().entries()) {
            if (fresh.contains(p.name())) {
                kept.add(p.name());
                continue;
            }
            String name = Module.join(source.prefix(), p.name());
            if (!src.contains(name)) {
                throw new IllegalArgumentException("the encoder has no " + name + " for the downstream model's " + p.name());
            }
            Parameter s = src.get(name);
            if (!s.shape().equals(p.shape())) {
                throw new IllegalArgumentException("encoder entry " + name + " is " + s.shape() + ", the downstream model's " + p.name() + " is " + p.shape());
            }
            p.tensor().backend().copy(p.tensor(), s.tensor());
        }
        return kept;
    }

    /**
     * The backbone of {@code source} in its own store (F32): the same config without a head and without
     * drop path, every entry copied; e.g. the frozen encoder of a probe, saved with it.
     */
    public static VisionTransformer standalone(ExecutionContext ctx, VisionTransformer source) {
        return copyAs(ctx, source, source.config().withClasses(0).withDropPath(0), Set.of());
    }

    /** A fresh model of {@code config} (initialised from ctx.rng("init")) holding {@code source}'s weights except {@code fresh}. */
    public static VisionTransformer copyAs(ExecutionContext ctx, VisionTransformer source, VitConfig config, Set<String> fresh) {
        VisionTransformer v = VisionTransformer.create(ctx, config, DType.F32);
        copy(source, v, fresh);
        return v;
    }
}
