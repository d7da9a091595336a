/**
 * MAE's fine-tuning recipe (main_finetune.py, models_vit.py, util/lr_decay.py): {@link io.tessera.eval.finetune.FineTuner#model}
 * builds the classifier from a pre-trained encoder (global average pooling with a fresh fc_norm, or the
 * cls token; learnable pos_embed started from the fixed table; head std 2e-5; linearly rising drop
 * path); {@link io.tessera.eval.finetune.FineTuner} trains it with AdamW (0.9, 0.999) under layer-wise
 * lr decay ({@link io.tessera.eval.finetune.LayerDecayGroups}: param_groups_lrd's groups, scales
 * decay^(L+1−id), no decay for 1-D tensors, cls_token and pos_embed), timm's training transform
 * (RandomResizedCrop, flip, RandAugment, random erasing) and batch-mode Mixup/CutMix with label
 * smoothing, evaluating top-1/top-5 after every epoch. {@link io.tessera.eval.finetune.FinetuneCheckpoint}
 * saves and rebuilds the result as a {@link io.tessera.eval.finetune.FinetunedModel}.
 */
package io.tessera.eval.finetune;
