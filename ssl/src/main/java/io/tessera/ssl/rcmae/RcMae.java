package io.tessera.ssl.rcmae;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.Ema;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

/**
 * RC-MAE (Lee et al., ICLR 2023): an MAE student plus an EMA teacher that is a whole MAE
 * (encoder and decoder). The teacher sees the same image and the same mask, runs without
 * gradients, and its raw prediction is the target of a consistency term on the masked
 * patches: L = L_r + γ·L_c, L_c = Σ mask·mean_P (pred_S − sg(pred_T))² / Σ mask. After each
 * optimizer step θ_T ← m·θ_T + (1 − m)·θ_S. Probing and fine-tuning use the teacher. With
 * {@link TeacherMask#INDEPENDENT} (the paper's RC-MAE-D ablation) the teacher masks the same image
 * with its own draw; L_c is still averaged over the student's masked patches, which the teacher's
 * full-length prediction covers.
 */
public final class RcMae {
    /** Which mask the teacher uses: the student's (RC-MAE-S, the released default) or its own draw (RC-MAE-D). */
    public enum TeacherMask { SAME, INDEPENDENT }

    /** The loss parts of one forward pass. */
    public record Losses(Tensor total, Tensor reconstruction, Tensor consistency, MaskedAutoencoder.Output student) {
    }

    private final MaskedAutoencoder student;
    private final MaskedAutoencoder teacher;
    private final double gamma;
    private final TeacherMask teacherMask;

    private RcMae(MaskedAutoencoder student, MaskedAutoencoder teacher, double gamma, TeacherMask teacherMask) {
        this.student = student;
        this.teacher = teacher;
        this.gamma = gamma;
        this.teacherMask = teacherMask;
    }

    /**
     * A student initialised from {@code ctx.rng("init")} and a teacher that starts as its exact
     * copy with every parameter frozen.
     */
    public static RcMae create(ExecutionContext ctx, MaeConfig config, DType dtype, double gamma) {
        return create(ctx, config, dtype, gamma, TeacherMask.SAME);
    }

    /** {@link #create(ExecutionContext, MaeConfig, DType, double)} with the teacher's mask chosen. */
    public static RcMae create(ExecutionContext ctx, MaeConfig config, DType dtype, double gamma, TeacherMask teacherMask) {
        if (teacherMask == null) throw new IllegalArgumentException("a teacher mask (SAME or INDEPENDENT) is needed");
        if (!(gamma >= 0 && gamma < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("consistency weight γ must be finite and ≥ 0, got " + gamma);
        MaskedAutoencoder s = MaskedAutoencoder.create(ctx, config, dtype);
        ParameterStore ts = new ParameterStore();
        MaskedAutoencoder t = new MaskedAutoencoder(ts, "", config);
        ts.allocate(ctx, dtype);
        ctx.backend().copy(ts.values(), s.store().values());
        ctx.backend().copy(ts.bufferValues(), s.store().bufferValues());
        for (Parameter p : ts.parameters()) p.setTrainable(false);
        t.eval();
        return new RcMae(s, t, gamma, teacherMask);
    }

    public MaskedAutoencoder student() {
        return student;
    }

    public MaskedAutoencoder teacher() {
        return teacher;
    }

    public double gamma() {
        return gamma;
    }

    public TeacherMask teacherMask() {
        return teacherMask;
    }

    /** Both networks on the same images and mask; the teacher records nothing on the tape. */
    public Losses forward(Ops ops, Tensor imgs, MaskPlan plan) {
        return forward(ops, imgs, plan, plan);
    }

    /**
     * The student on {@code plan}, the teacher on {@code teacherPlan} (the same plan for RC-MAE-S);
     * L_c compares the full-length predictions on the student's masked patches.
     */
    public Losses forward(Ops ops, Tensor imgs, MaskPlan plan, MaskPlan teacherPlan) {
        MaskedAutoencoder.Output s = student.forward(ops, imgs, plan);
        Tensor teacherPred = ops.detach(teacher.decode(ops, teacher.encode(ops, imgs, teacherPlan), teacherPlan));
        Tensor mask = plan.mask().dtype() == s.pred().dtype() ? plan.mask() : ops.cast(plan.mask(), s.pred().dtype());
        Tensor lc = ops.maskedMse(s.pred(), teacherPred, mask);
        Tensor total = gamma == 0 ? s.loss() : ops.add(s.loss(), ops.scale(lc, gamma));
        return new Losses(total, s.loss(), lc, s);
    }

    /** The teacher update after an optimizer step: θ_T ← m·θ_T + (1 − m)·θ_S. */
    public void updateTeacher(double momentum) {
        Ema.update(teacher.store(), student.store(), momentum, false);
    }
}
