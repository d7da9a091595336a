package io.tessera.cli;

import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.lut.Lut;
import io.tessera.ssl.lut.LutConfig;
import io.tessera.ssl.lut.LutMethod;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.rcmae.RcMae;
import io.tessera.ssl.rcmae.RcMaeMethod;
import io.tessera.ssl.simmim.LutSimMim;
import io.tessera.ssl.simmim.LutSimMimConfig;
import io.tessera.ssl.simmim.LutSimMimMethod;
import io.tessera.ssl.simmim.SimMim;
import io.tessera.ssl.simmim.SimMimConfig;
import io.tessera.ssl.simmim.SimMimMethod;
import io.tessera.ssl.supervised.SupervisedMethod;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that decides which networks a method builds: the method, the MAE-family model (for
 * SimMIM and the supervised ViT only its encoder is used) and the method's own hyper-parameters. It is
 * written into every checkpoint's sidecar ({@code method_config}), so analysis commands rebuild the
 * exact networks a run trained; {@code pretrain} and the analyses construct methods only through it.
 *
 * @param cell       SimMIM: side of a mask cell in pixels
 * @param maskRatio  SimMIM's own mask ratio (the MAE family's is in {@code model})
 * @param numClasses supervised: V
 * @param teacherMask RC-MAE: the teacher on the student's mask (SAME, RC-MAE-S) or on its own
 *                    (INDEPENDENT, RC-MAE-D); SAME for every other method
 */
public record MethodSpec(Method method, MaeConfig model, double gamma, double lambda, int headHidden, int cell, double maskRatio,
                         double labelSmoothing, int numClasses, RcMae.TeacherMask teacherMask) {

    /** The pre-training methods, by their command-line names. */
    public enum Method {
        MAE("mae"), RCMAE("rcmae"), LUT("lut"), SIMMIM("simmim"), LUT_SIMMIM("lut-simmim"), SUPERVISED("supervised");

        final String label;

        Method(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }

        /** Two views per batch (LUT's colour-augmented second view). */
        public boolean twoViews() {
            return this == LUT || this == LUT_SIMMIM;
        }

        public static Method parse(String value) {
            for (Method m : values()) if (m.label.equalsIgnoreCase(value) || m.name().equalsIgnoreCase(value)) return m;
            throw new IllegalArgumentException("unknown method '" + value + "'; choose mae, rcmae, lut, simmim, lut-simmim or supervised");
        }
    }

    public MethodSpec {
        if (method == null || model == null) throw new IllegalArgumentException("a method spec needs a method and a model");
        if (!(gamma >= 0 && gamma < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("RC-MAE's γ (--gamma) must be finite and ≥ 0, got " + gamma);
        if (!(lambda >= 0 && lambda < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("LUT's λ (--lambda) must be finite and ≥ 0, got " + lambda);
        if (headHidden < 1 || headHidden > VitConfig.MAX_WIDTH) {
            throw new IllegalArgumentException("LUT's head width (--head-hidden) must be from 1 to " + VitConfig.MAX_WIDTH + ", got " + headHidden);
        }
        if (cell < 1) throw new IllegalArgumentException("SimMIM's mask cell (--mask-patch) must be ≥ 1 pixel, got " + cell);
        if (!(maskRatio > 0 && maskRatio < 1)) throw new IllegalArgumentException("SimMIM's mask ratio (--mask-ratio) must be in (0, 1), got " + maskRatio);
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new IllegalArgumentException("label smoothing (--label-smoothing) must be in [0, 1), got " + labelSmoothing);
        if (numClasses < 0 || numClasses > VitConfig.MAX_CLASSES) throw new IllegalArgumentException("classes must be from 0 to " + VitConfig.MAX_CLASSES + ", got " + numClasses);
        if (method == Method.SUPERVISED && numClasses < 2) throw new IllegalArgumentException("the supervised ViT needs at least 2 classes, got " + numClasses);
        if (teacherMask == null) throw new IllegalArgumentException("a method spec needs a teacher mask (same or independent)");
        if (method != Method.RCMAE && teacherMask != RcMae.TeacherMask.SAME) {
            throw new IllegalArgumentException("--teacher-mask applies to RC-MAE only, not to " + method);
        }
    }

    /** A spec whose RC-MAE teacher sees the student's mask. */
    public MethodSpec(Method method, MaeConfig model, double gamma, double lambda, int headHidden, int cell, double maskRatio,
                      double labelSmoothing, int numClasses) {
        this(method, model, gamma, lambda, headHidden, cell, maskRatio, labelSmoothing, numClasses, RcMae.TeacherMask.SAME);
    }

    /**
     * A lower bound on the values the method's stores hold: the encoder and decoder of every network
     * copy (student, teacher or target), without LUT's heads. For a memory check before building.
     */
    public long parameterLowerBound() {
        return switch (method) {
            case MAE -> model.parameterCount();
            case RCMAE, LUT -> 2 * model.parameterCount();
            case SIMMIM -> model.encoder().parameterCount();
            case LUT_SIMMIM -> 2 * model.encoder().parameterCount();
            case SUPERVISED -> model.encoder().withClasses(numClasses).parameterCount();
        };
    }

    /** Network copies beside the trained one (teacher, target) that hold weights but no optimizer state. */
    public int extraCopies() {
        return switch (method) {
            case RCMAE, LUT, LUT_SIMMIM -> 1;
            default -> 0;
        };
    }

    /** The networks of this spec, freshly initialised; the teacher momentum schedule only matters for training. */
    public PretrainMethod build(ExecutionContext ctx, MomentumSchedule teacherMomentum) {
        var encoder = model.encoder();
        return switch (method) {
            case MAE -> new MaeMethod(MaskedAutoencoder.create(ctx, model, DType.F32));
            case RCMAE -> new RcMaeMethod(RcMae.create(ctx, model, DType.F32, gamma, teacherMask), teacherMomentum);
            case LUT -> new LutMethod(Lut.create(ctx, new LutConfig(model, headHidden, 1.0, lambda), DType.F32), teacherMomentum);
            case SIMMIM -> new SimMimMethod(SimMim.create(ctx, new SimMimConfig(encoder, cell, maskRatio), DType.F32));
            case LUT_SIMMIM -> new LutSimMimMethod(LutSimMim.create(ctx, new LutSimMimConfig(new SimMimConfig(encoder, cell, maskRatio), headHidden, 1.0, lambda),
                    DType.F32), teacherMomentum);
            case SUPERVISED -> new SupervisedMethod(VisionTransformer.create(ctx, encoder.withClasses(numClasses), DType.F32), labelSmoothing);
        };
    }

    /** The sidecar form ({@code method_config}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method.label);
        m.put("model", model.toMap());
        m.put("gamma", gamma);
        m.put("lambda", lambda);
        m.put("head_hidden", (long) headHidden);
        m.put("mask_cell", (long) cell);
        m.put("simmim_mask_ratio", maskRatio);
        m.put("label_smoothing", labelSmoothing);
        m.put("num_classes", (long) numClasses);
        m.put("teacher_mask", JsonFields.choiceName(teacherMask));
        return m;
    }

    /**
     * The spec a checkpoint was trained with, from its sidecar: {@code method_config} when present;
     * older sidecars (method, model or encoder, data) are completed with the command-line defaults.
     */
    public static MethodSpec fromSidecar(Map<?, ?> side, int numClassesOfData) {
        return fromSidecar(side, null, numClassesOfData);
    }

    /**
     * {@link #fromSidecar(Map, int)} with the sidecar's file for messages: every number is read
     * typed and bounded (an integer field holding 32.5 or 10¹² is refused, not truncated).
     */
    public static MethodSpec fromSidecar(Map<?, ?> side, Path file, int numClassesOfData) {
        JsonFields f = JsonFields.of(side, file);
        if (f.has("method_config")) return fromJson(f.object("method_config"));
        Method method = Method.parse(f.string("method"));
        JsonFields mm = f.object(f.has("model") ? "model" : "encoder");
        MaeConfig cfg = MaeConfig.fromJson(mm);
        String preset = f.has("model_preset") ? f.string("model_preset") : "";
        int p = cfg.encoder().patchSize();
        int cell = cfg.encoder().imageSize() % (2 * p) == 0 ? 2 * p : p;
        return new MethodSpec(method, cfg, 1.0, 0.25, Recipes.defaultHeadHidden(preset, cfg.encoder().width()), cell, 0.6, 0.1, numClassesOfData);
    }

    /** Reads {@link #toMap()}'s form, typed and bounded; a form without {@code teacher_mask} (an older Tessera's) reads as "same". */
    public static MethodSpec fromJson(JsonFields c) {
        String name = c.string("method");
        Method method;
        try {
            method = Method.parse(name);
        } catch (IllegalArgumentException e) {
            throw c.error("method", "must name a method (mae, rcmae, lut, simmim, lut-simmim, supervised)", name);
        }
        return new MethodSpec(method, MaeConfig.fromJson(c.object("model")), c.real("gamma", 0, Double.MAX_VALUE), c.real("lambda", 0, Double.MAX_VALUE),
                c.integer("head_hidden", 1, VitConfig.MAX_WIDTH), c.integer("mask_cell", 1, VitConfig.MAX_IMAGE_SIZE),
                c.real("simmim_mask_ratio", Double.MIN_VALUE, Math.nextDown(1.0)), c.real("label_smoothing", 0, Math.nextDown(1.0)),
                c.integer("num_classes", 0, VitConfig.MAX_CLASSES), c.has("teacher_mask") ? c.choice("teacher_mask", RcMae.TeacherMask.class) : RcMae.TeacherMask.SAME);
    }

    /** "lut (ViT 128×6, λ 0.25, heads 512)"-style summary for run headers. */
    public String describe() {
        var e = model.encoder();
        return String.format(Locale.ROOT, "%s (ViT %d×%d on %d×%d, patch %d)", method, e.width(), e.depth(), e.imageSize(), e.imageSize(), e.patchSize());
    }
}
