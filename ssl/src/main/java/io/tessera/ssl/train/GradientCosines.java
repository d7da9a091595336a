// The gradient-cosine measurement of methods spec §4.8 for a method with a consistency term: on one
// mini-batch, the student gradients of L_r and of L_c taken separately (one forward pass, two backward
// passes over the retained graph), and the student–teacher gap θ_S − θ_T, all over the student's
// trainable parameters, reduced to cosines and norms for the metrics log. It leaves the gradients
// zeroed and touches no parameter, so the trainer's step that follows is unchanged. Not the
// training step itself.
package io.tessera.ssl.train;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.ConsistencyObjective;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tape;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics-record fields, each over the flattened trainable student parameters (fp32 gradients,
 * inner products accumulated in float64):
 * {@code cos_c_r} = cos(∇L_c, ∇L_r), {@code cos_c_gap} = cos(∇L_c, θ_S − θ_T),
 * {@code grad_r_norm} = ‖∇L_r‖, {@code grad_c_norm} = ‖∇L_c‖ (L_c without γ), {@code gap_norm} = ‖θ_S − θ_T‖.
 * A cosine with a zero vector is null (JSON null): at the first step θ_S = θ_T, so the gap is zero,
 * and with the same mask L_c and its gradient are zero too.
 */
public final class GradientCosines {
    /** The field names, in record order. */
    public static final List<String> FIELDS = List.of("cos_c_r", "cos_c_gap", "grad_r_norm", "grad_c_norm", "gap_norm");

    private GradientCosines() {
    }

    /**
     * Measures on {@code batch} with the stream {@code rng} (the one the training forward pass of
     * the batch gets). The gradients of {@code student} are zero afterwards.
     */
    public static Map<String, Object> measure(ExecutionContext ctx, ParameterStore student, ConsistencyObjective objective, Batch batch, Rng rng) {
        ParameterStore teacher = objective.teacherStore();
        List<Parameter> params = new ArrayList<>();
        for (Parameter p : student.parameters()) {
            if (!p.trainable()) continue;
            if (!teacher.contains(p.name()) || !teacher.get(p.name()).shape().equals(p.shape())) {
                throw new IllegalStateException("the teacher has no parameter " + p.name() + " " + p.shape() + " to compare the student's with");
            }
            params.add(p);
        }
        Ops ops = ctx.ops();
        List<float[]> gr = new ArrayList<>(params.size()), gc = new ArrayList<>(params.size());
        student.zeroGrad();
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            ConsistencyObjective.Parts parts = objective.consistencyParts(ops, batch, rng);
            tape.backward(List.of(parts.reconstruction()), List.of(ops.full(parts.reconstruction().shape(), parts.reconstruction().dtype(), 1.0)), true);
            for (Parameter p : params) gr.add(p.grad().toFloatArray());
            student.zeroGrad();
            tape.backward(List.of(parts.consistency()), List.of(ops.full(parts.consistency().shape(), parts.consistency().dtype(), 1.0)), false);
            for (Parameter p : params) gc.add(p.grad().toFloatArray());
        } finally {
            student.zeroGrad();
        }
        double cr = 0, cg = 0, rr = 0, cc = 0, gg = 0;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            float[] r = gr.get(i), c = gc.get(i), ts = p.tensor().toFloatArray(), tt = teacher.tensor(p.name()).toFloatArray();
            for (int k = 0; k < r.length; k++) {
                double gap = (double) ts[k] - tt[k];
                cr += (double) c[k] * r[k];
                cg += c[k] * gap;
                rr += (double) r[k] * r[k];
                cc += (double) c[k] * c[k];
                gg += gap * gap;
            }
        }
        double nr = Math.sqrt(rr), nc = Math.sqrt(cc), ng = Math.sqrt(gg);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cos_c_r", cosine(cr, nc, nr));
        m.put("cos_c_gap", cosine(cg, nc, ng));
        m.put("grad_r_norm", nr);
        m.put("grad_c_norm", nc);
        m.put("gap_norm", ng);
        return m;
    }

    private static Double cosine(double dot, double na, double nb) {
        return na == 0 || nb == 0 ? null : dot / (na * nb);
    }
}
