// MAE's parameter groups for fine-tuning with layer-wise learning-rate decay (util/lr_decay.py,
// param_groups_lrd, after BEiT): the group "layer_<id>_<decay|no_decay>" of every trainable
// parameter, its lr scale decay^(L + 1 − id) and weight decay. The optimizer itself applies the same
// rule through nn.optim.ParamGroups.finetune; this table is what eval.json records and what the
// tests compare with the official grouping.
package io.tessera.eval.finetune;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The groups of {@code param_groups_lrd(model, weight_decay, no_weight_decay_list, layer_decay)}. */
public final class LayerDecayGroups {
    /** timm's VisionTransformer.no_weight_decay(). */
    public static final Set<String> NO_WEIGHT_DECAY = Set.of("pos_embed", "cls_token");

    /** One group: its name, layer id, lr scale, weight decay and parameter names (store order). */
    public record Group(String name, int layerId, double lrScale, double weightDecay, List<String> params) {
    }

    private LayerDecayGroups() {
    }

    /**
     * get_layer_id_for_vit: cls_token and pos_embed → 0, patch_embed.* → 0, blocks.k.* → k + 1,
     * everything else → L + 1 (with L = depth, MAE's num_layers = L + 1).
     */
    public static int layerId(String name, int depth) {
        if (name.equals("cls_token") || name.equals("pos_embed") || name.startsWith("patch_embed")) return 0;
        if (name.startsWith("blocks")) {
            String[] parts = name.split("\\.");
            try {
                return Integer.parseInt(parts[1]) + 1;
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cannot read the block index of " + name);
            }
        }
        return depth + 1;
    }

    /**
     * The groups, in first-seen order: a trainable parameter is undecayed when it is 1-D or in
     * {@code noWeightDecay}; its scale is layerDecay^(L + 1 − id).
     */
    public static List<Group> of(ParameterStore store, int depth, double layerDecay, double weightDecay, Set<String> noWeightDecay) {
        if (!(layerDecay > 0 && layerDecay <= 1)) throw new IllegalArgumentException("layer decay must be in (0, 1], got " + layerDecay);
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Parameter p : store.parameters()) {
            if (!p.trainable()) continue;
            boolean noDecay = p.shape().rank() == 1 || noWeightDecay.contains(p.name());
            int id = layerId(p.name(), depth);
            String name = "layer_" + id + "_" + (noDecay ? "no_decay" : "decay");
            groups.computeIfAbsent(name, k -> new Group(k, id, Math.pow(layerDecay, depth + 1 - id), noDecay ? 0.0 : weightDecay, new ArrayList<>()))
                    .params().add(p.name());
        }
        List<Group> out = new ArrayList<>();
        for (Group g : groups.values()) out.add(new Group(g.name(), g.layerId(), g.lrScale(), g.weightDecay(), List.copyOf(g.params())));
        return out;
    }

    /** The groups as eval.json lists them: name, layer id, lr scale, weight decay and parameter count. */
    public static List<Object> describe(List<Group> groups) {
        List<Object> l = new ArrayList<>();
        for (Group g : groups) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", g.name());
            m.put("layer_id", (long) g.layerId());
            m.put("lr_scale", g.lrScale());
            m.put("weight_decay", g.weightDecay());
            m.put("params", (long) g.params().size());
            l.add(m);
        }
        return l;
    }
}
