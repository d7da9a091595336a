package io.tessera.ssl.mask;

import io.tessera.tensor.Tensor;

/**
 * One draw of MAE's per-sample random masking (He et al. 2022, {@code random_masking}).
 *
 * @param idsShuffle tokens sorted by ascending noise, I32 (B, L)
 * @param idsRestore the inverse permutation, I32 (B, L): idsRestore[idsShuffle[i]] = i
 * @param idsKeep    the first K entries of idsShuffle, I32 (B, K): the visible tokens, in noise order
 * @param mask       F32 (B, L) in spatial order, 1 = masked (removed), 0 = kept
 * @param kept       K = floor(L · (1 − ratio))
 */
public record MaskPlan(Tensor idsShuffle, Tensor idsRestore, Tensor idsKeep, Tensor mask, int kept) {

    /** Number of samples B. */
    public int batch() {
        return idsShuffle.dim(0);
    }

    /** Number of patch tokens L. */
    public int tokens() {
        return idsShuffle.dim(1);
    }

    /** Number of masked tokens M = L − K per sample. */
    public int masked() {
        return tokens() - kept;
    }
}
