package io.tessera.eval.features;

// The ViT that downstream evaluation reads from each pre-training method: the network in the store
// the method names as its evaluation role (RC-MAE's EMA teacher, LUT's online encoder, SimMIM's
// encoder, the supervised ViT itself), or another role on request (RC-MAE's student, LUT's target).
// Only the encoder: decoders, projectors and predictors are not part of it.

import io.tessera.nn.VisionTransformer;
import io.tessera.ssl.lut.LutMethod;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.rcmae.RcMaeMethod;
import io.tessera.ssl.simmim.LutSimMimMethod;
import io.tessera.ssl.simmim.SimMimMethod;
import io.tessera.ssl.supervised.SupervisedMethod;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A method's encoder for analysis.
 *
 * @param role    the store it lives in ("student", "teacher", "target")
 * @param encoder the ViT; analyses run it on full, unmasked images
 */
public record EvaluationEncoder(String role, VisionTransformer encoder) {

    public EvaluationEncoder {
        if (role == null || encoder == null) throw new IllegalArgumentException("an evaluation encoder needs a role and a ViT");
    }

    /** The encoder of {@code method.evaluationRole()}. */
    public static EvaluationEncoder of(PretrainMethod method) {
        return of(method, method.evaluationRole());
    }

    /**
     * The encoder in the store of {@code role}.
     *
     * @throws IllegalArgumentException when the method has no ViT in that role (naming the roles it has)
     */
    public static EvaluationEncoder of(PretrainMethod method, String role) {
        Map<String, VisionTransformer> all = byRole(method);
        VisionTransformer v = all.get(role);
        if (v == null) {
            throw new IllegalArgumentException(method.name() + " has no encoder in role '" + role + "'; its roles are " + String.join(", ", all.keySet()));
        }
        return new EvaluationEncoder(role, v);
    }

    /** Every encoder of the method by role, in the order of {@link PretrainMethod#stores()}. */
    public static Map<String, VisionTransformer> byRole(PretrainMethod method) {
        Map<String, VisionTransformer> m = new LinkedHashMap<>();
        switch (method) {
            case MaeMethod mae -> m.put("student", mae.model().encoder());
            case RcMaeMethod rc -> {
                m.put("student", rc.model().student().encoder());
                m.put("teacher", rc.model().teacher().encoder());
            }
            case LutMethod lut -> {
                m.put("student", lut.model().online().mae().encoder());
                m.put("target", lut.model().target().mae().encoder());
            }
            case SimMimMethod s -> m.put("student", s.model().encoder());
            case LutSimMimMethod ls -> {
                m.put("student", ls.model().online().simmim().encoder());
                m.put("target", ls.model().target().simmim().encoder());
            }
            case SupervisedMethod sup -> m.put("student", sup.model());
            default -> throw new IllegalArgumentException("no known encoder in a " + method.name() + " method ("
                    + method.getClass().getSimpleName() + ")");
        }
        return m;
    }
}
