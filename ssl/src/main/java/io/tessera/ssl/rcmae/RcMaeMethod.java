package io.tessera.ssl.rcmae;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.ConsistencyObjective;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RC-MAE as a pre-training method: one mask per step shared by student and teacher (or, for
 * RC-MAE-D, a second independent one for the teacher), the
 * teacher updated after every optimizer step with the momentum schedule (constant 0.996 as the
 * released code, or cosine to 1 as stated). Downstream evaluation uses the teacher.
 */
public final class RcMaeMethod implements PretrainMethod, ConsistencyObjective {
    private final RcMae rc;
    private final MomentumSchedule momentum;

    public RcMaeMethod(RcMae rc, MomentumSchedule momentum) {
        this.rc = rc;
        this.momentum = momentum;
    }

    public RcMae model() {
        return rc;
    }

    @Override
    public String name() {
        return "rcmae";
    }

    @Override
    public ParameterStore trainable() {
        return rc.student().store();
    }

    @Override
    public Map<String, ParameterStore> stores() {
        Map<String, ParameterStore> m = new LinkedHashMap<>();
        m.put("student", rc.student().store());
        m.put("teacher", rc.teacher().store());
        return m;
    }

    /** The masking noise is drawn row by row: a slice of the global batch skips to its rows. */
    @Override
    public boolean drawsRowsFromFirstSample() {
        return true;
    }

    @Override
    public String evaluationRole() {
        return "teacher";
    }

    @Override
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        RcMae.Losses l = losses(ops, batch, rng);
        Map<String, io.tessera.tensor.Tensor> parts = new LinkedHashMap<>();
        parts.put("loss_r", l.reconstruction());
        parts.put("loss_c", l.consistency());
        return new StepLosses(l.total(), parts);
    }

    @Override
    public Parts consistencyParts(Ops ops, Batch batch, Rng rng) {
        RcMae.Losses l = losses(ops, batch, rng);
        return new Parts(l.reconstruction(), l.consistency());
    }

    @Override
    public ParameterStore teacherStore() {
        return rc.teacher().store();
    }

    /**
     * The loss parts of one batch: the student's mask from {@code rng.split("mask")}; the teacher's
     * is the same plan, or with {@link RcMae.TeacherMask#INDEPENDENT} its own from
     * {@code rng.split("teacher-mask")}.
     */
    private RcMae.Losses losses(Ops ops, Batch batch, Rng rng) {
        MaskPlan plan = rc.student().mask(ops, rng.split("mask"), batch.size(), batch.firstSample());
        MaskPlan teacherPlan = rc.teacherMask() == RcMae.TeacherMask.SAME ? plan : rc.teacher().mask(ops, rng.split("teacher-mask"), batch.size(), batch.firstSample());
        return rc.forward(ops, batch.images(), plan, teacherPlan);
    }

    @Override
    public void afterOptimizerStep(long iteration) {
        rc.updateTeacher(momentum.at(iteration));
    }

    @Override
    public void train(boolean on) {
        rc.student().train(on);
        rc.teacher().eval(); // the teacher never trains; it has no dropout, so eval = train numerically
    }
}
