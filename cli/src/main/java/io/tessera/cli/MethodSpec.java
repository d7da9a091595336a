package io.tessera.cli;

import io.tessera.nn.VisionTransformer;
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
 */
public record MethodSpec(Method method, MaeConfig model, double gamma, double lambda, int headHidden, int cell, double maskRatio,
                         double labelSmoothing, int numClasses) {

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
        if (method == Method.SUPERVISED && numClasses < 2) throw new IllegalArgumentException("the supervised ViT needs at least 2 classes, got " + numClasses);
    }

    /** The networks of this spec, freshly initialised; the teacher momentum schedule only matters for training. */
    public PretrainMethod build(ExecutionContext ctx, MomentumSchedule teacherMomentum) {
        var encoder = model.encoder();
        return switch (method) {
            case MAE -> new MaeMethod(MaskedAutoencoder.create(ctx, model, DType.F32));
            case RCMAE -> new RcMaeMethod(RcMae.create(ctx, model, DType.F32, gamma), teacherMomentum);
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
        return m;
    }

    /**
     * The spec a checkpoint was trained with, from its sidecar: {@code method_config} when present;
     * older sidecars (method, model or encoder, data) are completed with the command-line defaults.
     */
    public static MethodSpec fromSidecar(Map<?, ?> side, int numClassesOfData) {
        Object mc = side.get("method_config");
        if (mc instanceof Map<?, ?> c) {
            return new MethodSpec(Method.parse(String.valueOf(c.get("method"))), MaeConfig.fromMap(map(c, "model")), num(c, "gamma"), num(c, "lambda"),
                    (int) num(c, "head_hidden"), (int) num(c, "mask_cell"), num(c, "simmim_mask_ratio"), num(c, "label_smoothing"), (int) num(c, "num_classes"));
        }
        Method method = Method.parse(String.valueOf(side.get("method")));
        Object model = side.get("model") != null ? side.get("model") : side.get("encoder");
        if (!(model instanceof Map<?, ?> mm)) throw new IllegalArgumentException("the sidecar names no model (neither 'model' nor 'encoder')");
        MaeConfig cfg = MaeConfig.fromMap(mm);
        String preset = String.valueOf(side.get("model_preset"));
        int p = cfg.encoder().patchSize();
        int cell = cfg.encoder().imageSize() % (2 * p) == 0 ? 2 * p : p;
        return new MethodSpec(method, cfg, 1.0, 0.25, Recipes.defaultHeadHidden(preset, cfg.encoder().width()), cell, 0.6, 0.1, numClassesOfData);
    }

    private static Map<?, ?> map(Map<?, ?> m, String k) {
        if (!(m.get(k) instanceof Map<?, ?> v)) throw new IllegalArgumentException("method_config has no '" + k + "' object");
        return v;
    }

    private static double num(Map<?, ?> m, String k) {
        if (!(m.get(k) instanceof Number n)) throw new IllegalArgumentException("method_config has no number '" + k + "'");
        return n.doubleValue();
    }

    /** "lut (ViT 128×6, λ 0.25, heads 512)"-style summary for run headers. */
    public String describe() {
        var e = model.encoder();
        return String.format(Locale.ROOT, "%s (ViT %d×%d on %d×%d, patch %d)", method, e.width(), e.depth(), e.imageSize(), e.imageSize(), e.patchSize());
    }
}
