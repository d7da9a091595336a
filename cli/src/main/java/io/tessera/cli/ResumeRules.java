// What `tessera pretrain --resume` takes from the checkpoint, what it lets the command line change
// and what it refuses, with one-line messages that name the recorded and the typed values. The
// recipe (PretrainRecipe.flags) comes from the checkpoint; a typed recipe option must equal it,
// except --epochs under --reschedule. Not the reading of the checkpoint (TrainingCheckpoint).
package io.tessera.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The resume rules. Safe to change, because they decide when a run saves or stops or where it
 * runs but not what any step computes: {@code --max-steps}, {@code --checkpoint-every},
 * {@code --save-every}, {@code --keep-last}, {@code --out}, {@code --threads}, {@code --workers}
 * (results are bitwise the same for any thread count and loader workers), {@code --device} and
 * {@code --matmul}, {@code --attention} and {@code --precision} (the same recipe, other floating-point rounding). {@code --epochs} changes the
 * learning-rate cosine and a cosine teacher momentum at every later step, so it is refused unless
 * {@code --reschedule} asks for a new schedule explicitly. Every other recipe option is refused when
 * it differs from the checkpoint's.
 */
final class ResumeRules {
    private ResumeRules() {
    }

    /**
     * The recipe a resumed run continues with: {@code recorded}, or under {@code reschedule} the
     * recorded one with the typed {@code --epochs} from step {@code step} on.
     *
     * @param given      the recipe options typed on the command line, by flag, in the canonical form
     *                   of {@link PretrainRecipe#flags()} (absent when not typed)
     * @param checkpoint the checkpoint's path, for messages
     */
    static PretrainRecipe resolve(PretrainRecipe recorded, Map<String, Object> given, boolean reschedule, String checkpoint, long step) {
        Map<String, Object> was = recorded.flags();
        List<String> typed = new ArrayList<>(), trained = new ArrayList<>();
        for (Map.Entry<String, Object> e : given.entrySet()) {
            String flag = e.getKey();
            if (!was.containsKey(flag)) throw new IllegalStateException("no recipe flag " + flag);
            if (same(e.getValue(), was.get(flag)) || (reschedule && flag.equals("--epochs"))) continue;
            typed.add(typed(flag, e.getValue()));
            trained.add(trained(flag, was));
        }
        if (!typed.isEmpty()) {
            boolean one = typed.size() == 1;
            throw new IllegalArgumentException(String.join(", ", typed) + (one ? " conflicts" : " conflict") + " with " + checkpoint + ", which was trained "
                    + String.join(", ", trained) + ": leave " + (one ? "it" : "them") + " out to continue the run as it was trained, or start a new run in another --out"
                    + (given.containsKey("--epochs") && !reschedule ? " (--reschedule --epochs N continues on a new N-epoch schedule)" : ""));
        }
        if (!reschedule) return recorded;
        if (!(given.get("--epochs") instanceof Integer epochs) || epochs == recorded.optim().epochs()) {
            throw new IllegalArgumentException("--reschedule needs an --epochs other than the " + recorded.optim().epochs() + " " + checkpoint + " was trained with");
        }
        if (epochs < recorded.optim().warmup()) {
            throw new IllegalArgumentException("--epochs " + epochs + " is shorter than the run's warm-up of " + fmt(recorded.optim().warmup()) + " epochs; give more epochs");
        }
        return recorded.rescheduled(epochs, step);
    }

    /**
     * Refuses a resume that would train nothing: the checkpoint's {@code done} steps already reach
     * the end of the recipe's epochs, or {@code --max-steps} (0: no limit).
     */
    static void requireStepsLeft(PretrainRecipe r, long done, long stepsPerEpoch, long maxSteps, String checkpoint) {
        long total = r.optim().epochs() * stepsPerEpoch;
        if (maxSteps > 0 && maxSteps <= done && done < total) {
            throw new IllegalArgumentException("--max-steps " + maxSteps + " does not go beyond " + checkpoint + " (step " + done + "); give a larger --max-steps, or 0 to train all "
                    + r.optim().epochs() + " epochs (" + total + " steps)");
        }
        boolean justRescheduled = !r.scheduleChanges().isEmpty() && r.scheduleChanges().getLast().atStep() == done;
        if (done >= total && justRescheduled) {
            throw new IllegalArgumentException("--epochs " + r.optim().epochs() + " ends at step " + total + ", not after " + checkpoint + " (step " + done + "); give more --epochs");
        }
        if (done >= total) {
            throw new IllegalArgumentException(checkpoint + " is the end of its " + r.optim().epochs() + "-epoch run (step " + done + " of " + total
                    + "): nothing is left to train; --reschedule --epochs N with N > " + r.optim().epochs() + " trains longer on a new schedule");
        }
    }

    /** Equal as recipe values: numbers by value (an integer typed as 2 equals a recorded 2.0), the rest by equals. */
    static boolean same(Object a, Object b) {
        if (a == null || b == null) return a == b;
        if (a instanceof Number x && b instanceof Number y) {
            if (a instanceof Double || a instanceof Float || b instanceof Double || b instanceof Float) return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
            return x.longValue() == y.longValue();
        }
        return a.equals(b);
    }

    private static String typed(String flag, Object v) {
        return Boolean.TRUE.equals(v) ? flag : flag + " " + fmt(v);
    }

    private static String trained(String flag, Map<String, Object> was) {
        Object v = was.get(flag);
        if (v == null || Boolean.FALSE.equals(v)) {
            String other = flag.equals("--blr") ? "--lr" : flag.equals("--lr") ? "--blr" : null;
            return "without " + flag + (other != null && was.get(other) != null ? " (with " + other + " " + fmt(was.get(other)) + ")" : "");
        }
        return "with " + typed(flag, v);
    }

    /** A value as one types it: 0.001, 1.5e-4, 16, cosine. */
    static String fmt(Object v) {
        if (v instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) return String.valueOf(d.longValue());
            return String.valueOf(d).replace("E", "e").toLowerCase(Locale.ROOT);
        }
        return String.valueOf(v);
    }
}
