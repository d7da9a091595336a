package io.tessera.cli;

import io.tessera.nn.VisionTransformer;
import io.tessera.ssl.lut.LutMethod;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.rcmae.RcMaeMethod;
import io.tessera.ssl.simmim.LutSimMimMethod;
import io.tessera.ssl.simmim.SimMimMethod;
import io.tessera.ssl.supervised.SupervisedMethod;

// The encoder that downstream evaluation uses, per method: the network in the method's evaluation role
// (RC-MAE's EMA teacher, as rc:scripts/*_rc_mae_*.sh pass --checkpoint_key teacher; LUT's online
// network, lut:main_finetune --model_key model; the student otherwise). Nothing is copied here.

/** The ViT backbone of a pre-training method's evaluation role. */
final class EvaluationEncoder {
    private EvaluationEncoder() {
    }

    /** The evaluation role's {@link VisionTransformer} (it may sit inside a larger store, e.g. under "encoder."). */
    static VisionTransformer of(PretrainMethod method) {
        VisionTransformer v = switch (method) {
            case MaeMethod m -> m.model().encoder();
            case RcMaeMethod r -> r.model().teacher().encoder();
            case LutMethod l -> l.model().online().mae().encoder();
            case SimMimMethod s -> s.model().encoder();
            case LutSimMimMethod l -> l.model().online().simmim().encoder();
            case SupervisedMethod s -> s.model();
            default -> throw new IllegalArgumentException("no evaluation encoder is known for the method " + method.name());
        };
        String role = method.evaluationRole();
        if (method.stores().get(role) != v.store()) {
            throw new IllegalStateException("the " + method.name() + " encoder found is not in the evaluation role '" + role + "'");
        }
        return v;
    }
}
