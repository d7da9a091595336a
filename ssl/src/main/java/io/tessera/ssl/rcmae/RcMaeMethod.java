package io.tessera.ssl.rcmae;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RC-MAE as a pre-training method: one mask per step shared by student and teacher, the
 * teacher updated after every optimizer step with the momentum schedule (constant 0.996 as the
 * released code, or cosine to 1 as stated). Downstream evaluation uses the teacher.
 */
public final class RcMaeMethod implements PretrainMethod {
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

    @Override
    public String evaluationRole() {
        return "teacher";
    }

    @Override
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        MaskPlan plan = rc.student().mask(ops, rng.split("mask"), batch.size());
        RcMae.Losses l = rc.forward(ops, batch.images(), plan);
        Map<String, io.tessera.tensor.Tensor> parts = new LinkedHashMap<>();
        parts.put("loss_r", l.reconstruction());
        parts.put("loss_c", l.consistency());
        return new StepLosses(l.total(), parts);
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
