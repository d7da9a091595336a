package io.tessera.ssl.method;

import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

/**
 * Optional contract of a method trained on L = L_r + γ·L_c, a reconstruction term plus a
 * consistency term towards a teacher (RC-MAE): it hands out the two terms of one forward pass as
 * separate scalars and names the teacher's store, so that the trainer can differentiate each term on
 * its own and compare with θ_S − θ_T (methods spec §4.8) without knowing the method.
 */
public interface ConsistencyObjective {
    /** L_r and L_c (without γ) of one forward pass, both scalars on the active tape. */
    record Parts(Tensor reconstruction, Tensor consistency) {
    }

    /**
     * The two terms of {@link PretrainMethod#forward} on the same batch with the same stream:
     * the same masks and draws, so the same numbers as that forward pass.
     */
    Parts consistencyParts(Ops ops, Batch batch, Rng rng);

    /** θ_T: the teacher's store, whose parameters match the trainable store's by name and shape. */
    ParameterStore teacherStore();
}
