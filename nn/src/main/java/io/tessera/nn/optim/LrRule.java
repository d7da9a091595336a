package io.tessera.nn.optim;

/**
 * How a base learning rate scales with the effective batch size. MAE and RC-MAE scale
 * linearly (lr = blr·B/256); LUT scales with the square root (blr·√B/4 for pre-training,
 * blr·√B/8 for fine-tuning).
 */
public enum LrRule {
    /** lr = blr · B / 256 (MAE, RC-MAE, linear probe, fine-tune). */
    LINEAR,
    /** lr = blr · √B / 4 (LUT pre-training). */
    SQRT_PRETRAIN,
    /** lr = blr · √B / 8 (LUT fine-tuning). */
    SQRT_FINETUNE;

    /** The peak learning rate for base rate {@code blr} at effective batch {@code batch}. */
    public double lr(double blr, int batch) {
        if (batch < 1) throw new IllegalArgumentException("effective batch must be ≥ 1, got " + batch);
        return switch (this) {
            case LINEAR -> blr * batch / 256.0;
            case SQRT_PRETRAIN -> blr * Math.sqrt(batch) / 4.0;
            case SQRT_FINETUNE -> blr * Math.sqrt(batch) / 8.0;
        };
    }
}
