package io.tessera.nn.optim;

import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Tensor;

/**
 * Exponential moving average of one store into another with the same layout (mean teachers:
 * RC-MAE's teacher, LUT's momentum encoder): θ_T ← m·θ_T + (1 − m)·θ_S, over the flat parameter
 * buffer and, optionally, the flat buffers (LUT averages BatchNorm running statistics too).
 * With m = 1 the teacher is unchanged.
 */
public final class Ema {
    private Ema() {
    }

    public static void update(ParameterStore teacher, ParameterStore student, double m, boolean includeBuffers) {
        if (!(m >= 0 && m <= 1)) throw new IllegalArgumentException("EMA momentum must be in [0, 1], got " + m);
        if (!teacher.names().equals(student.names())) {
            throw new IllegalArgumentException("EMA needs teacher and student stores with the same entries");
        }
        blend(teacher.values(), student.values(), m);
        if (includeBuffers) blend(teacher.bufferValues(), student.bufferValues(), m);
    }

    private static void blend(Tensor t, Tensor s, double m) {
        if (m == 1.0 || t.size() == 0) return;
        t.backend().affine(t, t, m, 0);
        t.backend().accumulate(t, s, 1 - m);
    }
}
