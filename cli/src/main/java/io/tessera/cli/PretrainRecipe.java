// The resolved recipe of a `tessera pretrain` run: everything that decides its numbers (method and
// model, data identity, optimisation, teacher momentum, seed), validated with the command-line
// flags' names, written into every checkpoint sidecar as typed, versioned JSON ("pretrain", schema
// tessera.pretrain/1, beside "method_config") and read back so that --resume continues with it.
// Not the resume rules themselves (see ResumeRules) and not how or where the run executes.
package io.tessera.cli;

import io.tessera.cli.PretrainCommand.MomentumKind;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.nn.optim.LrRule;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.train.TrainerConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * @param method          the method, its model (patch, input size, mask ratio, norm-pix target)
 *                        and hyper-parameters; recorded as {@code method_config}
 * @param preset          the {@code --model} preset (official names are recorded as their preset)
 * @param data            what was trained on
 * @param optim           epochs, batch, accumulation, learning rates, decay, clipping
 * @param teacher         the EMA momentum of RC-MAE's teacher or LUT's target (unused otherwise)
 * @param seed            root seed of every random stream
 * @param scheduleChanges each {@code --reschedule} of the run, oldest first
 */
public record PretrainRecipe(MethodSpec method, String preset, DataIdentity data, Optimisation optim, Teacher teacher, long seed,
                             List<ScheduleChange> scheduleChanges) {
    /** The schema of the sidecar's {@code pretrain} object. */
    public static final String SCHEMA = "tessera.pretrain/1";

    public PretrainRecipe {
        if (method == null || preset == null || data == null || optim == null || teacher == null) throw new IllegalArgumentException("incomplete pre-training recipe");
        scheduleChanges = List.copyOf(scheduleChanges);
    }

    /**
     * The data a run trained on: the spec (directories made absolute, so the record names the same
     * files from any working directory) and what it held then.
     */
    public record DataIdentity(String spec, String name, int images, int channels, int height, int width, int classes) {
        public DataIdentity {
            if (spec == null || spec.isBlank() || name == null) throw new IllegalArgumentException("a data identity needs a spec and a name");
            if (images < 1 || channels < 1 || height < 1 || width < 1 || classes < 0) {
                throw new IllegalArgumentException("data " + spec + ": sizes must be positive, got " + images + " images of " + channels + "×" + height + "×" + width);
            }
        }

        /** The identity of {@code d}, opened from {@code spec}. */
        public static DataIdentity of(String spec, Dataset d) {
            return new DataIdentity(canonicalSpec(spec), d.name(), d.size(), d.channels(), d.height(), d.width(), d.numClasses());
        }

        /** {@code KIND:DIR} with DIR absolute and normalised; other specs as they are. */
        public static String canonicalSpec(String spec) {
            int colon = spec.indexOf(':');
            if (colon < 0 || colon == spec.length() - 1) return spec;
            return spec.substring(0, colon + 1) + Path.of(spec.substring(colon + 1)).toAbsolutePath().normalize();
        }

        /** Refuses {@code d} unless it holds what this identity recorded. */
        public void requireSame(Dataset d, String checkpoint) {
            DataIdentity now = of(spec, d);
            if (!now.equals(this)) {
                throw new IllegalArgumentException("the data " + spec + " changed since " + checkpoint + " was trained on it: it held " + describe()
                        + ", now " + now.describe() + "; restore the data, or start a new run");
            }
        }

        String describe() {
            return name + " (" + images + " images of " + channels + "×" + height + "×" + width + ", " + classes + " classes)";
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("spec", spec);
            m.put("name", name);
            m.put("images", (long) images);
            m.put("channels", (long) channels);
            m.put("height", (long) height);
            m.put("width", (long) width);
            m.put("classes", (long) classes);
            return m;
        }

        static DataIdentity fromJson(JsonFields f) {
            return new DataIdentity(f.string("spec"), f.string("name"), f.integer("images", 1, Integer.MAX_VALUE), f.integer("channels", 1, Integer.MAX_VALUE),
                    f.integer("height", 1, Integer.MAX_VALUE), f.integer("width", 1, Integer.MAX_VALUE), f.integer("classes", 0, Integer.MAX_VALUE));
        }
    }

    /**
     * The optimisation of a run, each field a flag: {@code --epochs}, {@code --warmup},
     * {@code --batch}, {@code --accum}, {@code --blr} or {@code --lr} (exactly one is positive, the
     * other 0), {@code --min-lr}, {@code --weight-decay}, {@code --clip}.
     */
    public record Optimisation(int epochs, double warmup, int batch, int accum, double blr, double lr, double minLr, double weightDecay, double clip) {
        /** Largest --batch and --accum accepted. */
        public static final int MAX_BATCH = 1 << 20;

        public Optimisation {
            if (epochs < 1 || epochs > TrainerConfig.MAX_EPOCHS) throw new IllegalArgumentException("--epochs must be from 1 to " + TrainerConfig.MAX_EPOCHS + ", got " + epochs);
            if (!(warmup >= 0 && warmup <= epochs)) throw new IllegalArgumentException("--warmup must be from 0 to --epochs " + epochs + ", got " + warmup);
            if (batch < 1 || batch > MAX_BATCH) throw new IllegalArgumentException("--batch must be from 1 to " + MAX_BATCH + " images per step, got " + batch);
            if (accum < 1 || accum > MAX_BATCH) throw new IllegalArgumentException("--accum must be from 1 to " + MAX_BATCH + " micro-batches per step, got " + accum);
            if ((long) batch * accum > MAX_BATCH) {
                throw new IllegalArgumentException("--batch " + batch + " × --accum " + accum + " is more than the " + MAX_BATCH + " images one optimizer step may take");
            }
            if (!positiveOrZero(blr) || !positiveOrZero(lr) || (blr > 0) == (lr > 0)) {
                throw new IllegalArgumentException(blr > 0 && lr > 0 ? "give --blr or --lr, not both (--lr sets the peak itself, --blr scales with the batch)"
                        : "--" + (lr != 0 ? "lr" : "blr") + " must be a finite number > 0 (e.g. 1.5e-4), got " + (lr != 0 ? lr : blr));
            }
            if (!positiveOrZero(minLr)) throw new IllegalArgumentException("--min-lr must be a finite number ≥ 0, got " + minLr);
            if (!positiveOrZero(weightDecay)) throw new IllegalArgumentException("--weight-decay must be a finite number ≥ 0, got " + weightDecay);
            if (!positiveOrZero(clip)) throw new IllegalArgumentException("--clip must be a finite number ≥ 0 (0: no clipping), got " + clip);
        }

        private static boolean positiveOrZero(double v) {
            return v >= 0 && v < Double.POSITIVE_INFINITY;
        }

        /** The peak learning rate with {@code rule}: lr, or rule(blr, batch·accum). */
        public double peakLr(LrRule rule) {
            return lr > 0 ? lr : rule.lr(blr, batch * accum);
        }

        Map<String, Object> toMap(LrRule rule) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epochs", (long) epochs);
            m.put("warmup_epochs", warmup);
            m.put("batch", (long) batch);
            m.put("accum", (long) accum);
            m.put("blr", blr > 0 ? blr : null);
            m.put("lr", lr > 0 ? lr : null);
            m.put("lr_rule", JsonFields.choiceName(rule));
            m.put("peak_lr", peakLr(rule));
            m.put("min_lr", minLr);
            m.put("weight_decay", weightDecay);
            m.put("clip", clip);
            return m;
        }

        static Optimisation fromJson(JsonFields f) {
            int epochs = f.integer("epochs", 1, TrainerConfig.MAX_EPOCHS);
            return new Optimisation(epochs, f.real("warmup_epochs", 0, epochs), f.integer("batch", 1, MAX_BATCH), f.integer("accum", 1, MAX_BATCH),
                    f.has("blr") ? f.real("blr", Double.MIN_VALUE, Double.MAX_VALUE) : 0, f.has("lr") ? f.real("lr", Double.MIN_VALUE, Double.MAX_VALUE) : 0,
                    f.real("min_lr", 0, Double.MAX_VALUE), f.real("weight_decay", 0, Double.MAX_VALUE), f.real("clip", 0, Double.MAX_VALUE));
        }
    }

    /** The teacher's EMA momentum m₀ ({@code --momentum}) and its schedule ({@code --momentum-schedule}). */
    public record Teacher(double momentum, MomentumKind schedule) {
        public Teacher {
            if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException("--momentum must be in [0, 1] (0.996 in RC-MAE and LUT), got " + momentum);
            if (schedule == null) throw new IllegalArgumentException("a momentum schedule is needed");
        }

        /** The schedule over {@code iterations} data iterations (epochs × micro-batches per epoch). */
        public MomentumSchedule over(long iterations) {
            return schedule == MomentumKind.COSINE ? MomentumSchedule.cosine(momentum, iterations) : MomentumSchedule.constant(momentum);
        }
    }

    /** A {@code --reschedule}: from step {@code atStep} on, {@code epochsAfter} epochs instead of {@code epochsBefore}. */
    public record ScheduleChange(long atStep, int epochsBefore, int epochsAfter) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at_step", atStep);
            m.put("epochs_before", (long) epochsBefore);
            m.put("epochs_after", (long) epochsAfter);
            return m;
        }
    }

    /** Linear (MAE, RC-MAE, SimMIM, supervised) or square-root (LUT, LUT-SimMIM) learning-rate scaling. */
    public LrRule lrRule() {
        return method.method().twoViews() ? LrRule.SQRT_PRETRAIN : LrRule.LINEAR;
    }

    /** This recipe with {@code epochs} epochs from step {@code atStep} on (a {@code --reschedule}). */
    public PretrainRecipe rescheduled(int epochs, long atStep) {
        Optimisation o = optim;
        List<ScheduleChange> changes = new ArrayList<>(scheduleChanges);
        changes.add(new ScheduleChange(atStep, o.epochs(), epochs));
        return new PretrainRecipe(method, preset, data, new Optimisation(epochs, o.warmup(), o.batch(), o.accum(), o.blr(), o.lr(), o.minLr(), o.weightDecay(), o.clip()),
                teacher, seed, changes);
    }

    /**
     * Every recipe setting by the flag that sets it, with the value it has here: what a resumed run
     * compares the options typed on its command line with. Booleans are flags that are on.
     */
    public Map<String, Object> flags() {
        var e = method.model().encoder();
        boolean simmim = method.method() == MethodSpec.Method.SIMMIM || method.method() == MethodSpec.Method.LUT_SIMMIM;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("--method", method.method().toString());
        m.put("--model", preset);
        m.put("--input-size", e.imageSize());
        m.put("--patch", e.patchSize());
        m.put("--data", data.spec());
        m.put("--epochs", optim.epochs());
        m.put("--warmup", optim.warmup());
        m.put("--batch", optim.batch());
        m.put("--accum", optim.accum());
        m.put("--blr", optim.blr() > 0 ? optim.blr() : null);
        m.put("--lr", optim.lr() > 0 ? optim.lr() : null);
        m.put("--min-lr", optim.minLr());
        m.put("--weight-decay", optim.weightDecay());
        m.put("--clip", optim.clip());
        m.put("--mask-ratio", simmim ? method.maskRatio() : method.model().maskRatio());
        m.put("--mask-patch", method.cell());
        m.put("--no-norm-pix", !method.model().normPixLoss());
        m.put("--gamma", method.gamma());
        m.put("--lambda", method.lambda());
        m.put("--head-hidden", method.headHidden());
        m.put("--label-smoothing", method.labelSmoothing());
        m.put("--momentum", teacher.momentum());
        m.put("--momentum-schedule", JsonFields.choiceName(teacher.schedule()));
        m.put("--teacher-mask", JsonFields.choiceName(method.teacherMask()));
        m.put("--seed", seed);
        return m;
    }

    /**
     * The sidecar's {@code pretrain} object (the method is in {@code method_config}): the recipe,
     * with derived values for readers (peak learning rate, the rule, the teacher's iterations K).
     */
    public Map<String, Object> toMap(long teacherIterations) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("model_preset", preset);
        m.put("data", data.toMap());
        m.put("optimisation", optim.toMap(lrRule()));
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("momentum", teacher.momentum());
        t.put("schedule", JsonFields.choiceName(teacher.schedule()));
        t.put("iterations", teacherIterations);
        m.put("teacher", t);
        m.put("seed", seed);
        List<Object> changes = new ArrayList<>();
        for (ScheduleChange c : scheduleChanges) changes.add(c.toMap());
        m.put("schedule_changes", changes);
        return m;
    }

    /** The recipe a checkpoint recorded: its {@code pretrain} object and its {@code method_config}. */
    public static PretrainRecipe fromSidecar(Map<String, Object> side, Path sidecar) {
        JsonFields f = JsonFields.of(side, sidecar);
        if (!f.has("pretrain") || !f.has("method_config")) {
            throw new IllegalArgumentException(sidecar + " records no pre-training recipe (an older Tessera wrote it), so the settings it was trained with "
                    + "cannot be checked; start a new run");
        }
        JsonFields p = f.object("pretrain");
        String schema = p.has("schema") ? p.string("schema") : null;
        if (!SCHEMA.equals(schema)) throw p.error("schema", "must be \"" + SCHEMA + "\" (the version this Tessera reads)", schema);
        JsonFields t = p.object("teacher");
        List<ScheduleChange> changes = new ArrayList<>();
        if (p.map().get("schedule_changes") instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> c)) throw p.error("schedule_changes", "must be a list of objects", list.get(i));
                JsonFields cf = JsonFields.of(c, sidecar);
                changes.add(new ScheduleChange(cf.longInteger("at_step", 0, Long.MAX_VALUE), cf.integer("epochs_before", 1, TrainerConfig.MAX_EPOCHS),
                        cf.integer("epochs_after", 1, TrainerConfig.MAX_EPOCHS)));
            }
        }
        return new PretrainRecipe(MethodSpec.fromJson(f.object("method_config")), p.string("model_preset"), DataIdentity.fromJson(p.object("data")),
                Optimisation.fromJson(p.object("optimisation")), new Teacher(t.real("momentum", 0, 1), t.choice("schedule", MomentumKind.class)),
                p.longInteger("seed", Long.MIN_VALUE, Long.MAX_VALUE), changes);
    }
}
