package io.tessera.nn.optim;

import io.tessera.nn.Parameter;

import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Which parameters get weight decay and how each one's learning rate is scaled.
 * {@link #pretrain()} is MAE's split (timm add_weight_decay): no decay for 1-D tensors and
 * biases, decay for everything else — so cls and mask tokens ARE decayed. {@link #finetune}
 * also exempts pos_embed and cls_token (the model's no_weight_decay set) and applies
 * layer-wise learning-rate decay.
 */
public record ParamGroups(Predicate<Parameter> decays, ToDoubleFunction<String> lrScale) {

    /** MAE pre-training groups: decay = rank &gt; 1 and not a bias; lr scale 1. */
    public static ParamGroups pretrain() {
        return new ParamGroups(Parameter::decay, name -> 1.0);
    }

    /** Fine-tuning groups with layer-wise decay (MAE main_finetune.py / util/lr_decay.py). */
    public static ParamGroups finetune(LayerDecay layerDecay) {
        Set<String> noDecay = Set.of("pos_embed", "cls_token");
        return new ParamGroups(p -> p.decay() && !noDecay.contains(p.name()), layerDecay::scale);
    }

    /** Every parameter decayed or none, lr scale 1 (plain SGD, linear heads). */
    public static ParamGroups uniform(boolean decay) {
        return new ParamGroups(p -> decay, name -> 1.0);
    }
}
