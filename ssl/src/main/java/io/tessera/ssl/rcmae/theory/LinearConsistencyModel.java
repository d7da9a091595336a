// RC-MAE's Proposition 4.1 on a linear student with an EMA teacher, in float64 (methods spec §4.7):
// a seeded toy trajectory and, for each step of the derivation, a function that computes one side of
// its identity from the recorded trajectory, so that tests and reports can show which identities
// hold exactly, which only approximately and which fail under an independent teacher mask.
// Not the ViT (see RcMae); nothing here runs on the tensor backends.
package io.tessera.ssl.rcmae.theory;

import io.tessera.tensor.Rng;

import java.util.ArrayList;
import java.util.List;

import static io.tessera.ssl.rcmae.theory.Matrices.add;
import static io.tessera.ssl.rcmae.theory.Matrices.copy;
import static io.tessera.ssl.rcmae.theory.Matrices.mul;
import static io.tessera.ssl.rcmae.theory.Matrices.mulTransposed;
import static io.tessera.ssl.rcmae.theory.Matrices.scale;
import static io.tessera.ssl.rcmae.theory.Matrices.sub;
import static io.tessera.ssl.rcmae.theory.Matrices.transposedMul;
import static io.tessera.ssl.rcmae.theory.Matrices.zeros;

/**
 * A linear student {@code f_W(x) = W x} (W: out×in) trained on
 * ℓ_t(W) = ½‖W X_t − Y_t‖² + (γ/2)‖W X_t − sg(Ŵ_t X_t')‖² (Frobenius norms, summed over the
 * B columns of the mini-batch X_t: in×B, no 1/B), with an EMA teacher Ŵ_0 = W_0,
 * Ŵ_t = α Ŵ_{t−1} + (1 − α) W_t, so the teacher used at step t already contains W_t (the order of
 * RC-MAE's engine: forward both, optimizer step, EMA). X_t' = X_t with
 * {@link TeacherInput#SAME} (RC-MAE-S) or the same signals under an independent mask with
 * {@link TeacherInput#INDEPENDENT} (RC-MAE-D). The optimizer is SGD, W_{t+1} = W_t − η G_t, or
 * heavy-ball SGD, v_t = β v_{t−1} + G_t, W_{t+1} = W_t − η v_t, with G_t = ∇ℓ_t(W_t).
 *
 * <p>The identities (t ≥ 1 sums run over j = 0 … t−1; D_t = W_t − Ŵ_t):
 * <ul>
 *   <li>step 2, any optimizer: D_t = Σ_j α^{t−j} (W_{j+1} − W_j) — {@link #gapFromUpdates};</li>
 *   <li>step 3, same mask: ∇ℓ_c = γ D_t X_t X_tᵀ — {@link #consistencyGradientFromGap};</li>
 *   <li>step 5, SGD: ∇ℓ_c = −γη Σ_j α^{t−j} G_j X_t X_tᵀ — {@link #consistencyGradientFromPastGradients};
 *       with G_j ≈ E_j X_jᵀ (E_j = W_j X_j − Y_j) it becomes −γη Σ_j α^{t−j} E_j (X_jᵀ X_t) X_tᵀ, the
 *       past errors weighted by the Gram block of past and current inputs —
 *       {@link #consistencyGradientFromErrors} (an approximation: it drops the consistency part of G_j);</li>
 *   <li>step 6, independent mask: ∇ℓ_c = γ D_t X_t X_tᵀ + γ Ŵ_t (X_t − X_t') X_tᵀ —
 *       {@link #consistencyGradientWithMaskTerm}, the extra term alone {@link #maskTerm}.</li>
 * </ul>
 */
public final class LinearConsistencyModel {
    /** What the teacher sees: the student's masked input (S) or the same signals masked anew (D). */
    public enum TeacherInput { SAME, INDEPENDENT }

    /**
     * The toy problem. Signals z = √s·c + √(1−s)·n per column, c one fixed unit-variance Gaussian
     * vector shared by every step, n fresh standard Gaussian noise, so s is the expected cosine
     * similarity of two signals; the student's input x = m ⊙ z zeroes a random {@code maskRatio}
     * of the entries (mask m drawn per column), the teacher's x' = m' ⊙ z uses m' = m (S) or an
     * independent mask (D); the target y = A z with a fixed Gaussian A/√in (out×in). W_0 is
     * Gaussian with standard deviation {@code initScale}.
     *
     * @param in         input width
     * @param out        output width
     * @param batch      B, columns per step
     * @param eta        step size η
     * @param alpha      EMA momentum α of the teacher, in [0, 1]
     * @param gamma      consistency weight γ ≥ 0
     * @param momentum   heavy-ball β of the student's optimizer, in [0, 1); 0 is plain SGD
     * @param similarity s in [0, 1]
     * @param maskRatio  fraction of input entries zeroed, in [0, 1)
     * @param initScale  standard deviation of W_0's entries, ≥ 0
     * @param teacher    what the teacher sees
     * @param seed       root of every random draw (data, masks, W_0, A)
     */
    public record Config(int in, int out, int batch, double eta, double alpha, double gamma, double momentum, double similarity,
                         double maskRatio, double initScale, TeacherInput teacher, long seed) {
        public Config {
            if (in < 1 || out < 1 || batch < 1) throw new IllegalArgumentException("widths and batch must be ≥ 1, got in " + in + ", out " + out + ", batch " + batch);
            if (!(eta > 0 && eta < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("step size η must be finite and > 0, got " + eta);
            if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("EMA momentum α must be in [0, 1], got " + alpha);
            if (!(gamma >= 0 && gamma < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("consistency weight γ must be finite and ≥ 0, got " + gamma);
            if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("heavy-ball momentum β must be in [0, 1), got " + momentum);
            if (!(similarity >= 0 && similarity <= 1)) throw new IllegalArgumentException("input similarity s must be in [0, 1], got " + similarity);
            if (!(maskRatio >= 0 && maskRatio < 1)) throw new IllegalArgumentException("mask ratio must be in [0, 1), got " + maskRatio);
            if (!(initScale >= 0 && initScale < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("init scale must be finite and ≥ 0, got " + initScale);
            if (teacher == null) throw new IllegalArgumentException("a teacher input (SAME or INDEPENDENT) is needed");
        }

        /** A small default: 16 → 8, batch 4, η 0.01, α 0.9, γ 1, SGD, s 0.5, mask 0.5, init 0.1, same mask. */
        public static Config defaults(long seed) {
            return new Config(16, 8, 4, 0.01, 0.9, 1.0, 0, 0.5, 0.5, 0.1, TeacherInput.SAME, seed);
        }

        public Config withTeacher(TeacherInput t) {
            return new Config(in, out, batch, eta, alpha, gamma, momentum, similarity, maskRatio, initScale, t, seed);
        }

        public Config withMomentum(double beta) {
            return new Config(in, out, batch, eta, alpha, gamma, beta, similarity, maskRatio, initScale, teacher, seed);
        }

        public Config withSimilarity(double s) {
            return new Config(in, out, batch, eta, alpha, gamma, momentum, s, maskRatio, initScale, teacher, seed);
        }

        public Config withBatch(int b) {
            return new Config(in, out, b, eta, alpha, gamma, momentum, similarity, maskRatio, initScale, teacher, seed);
        }

        public Config withGamma(double g) {
            return new Config(in, out, batch, eta, alpha, g, momentum, similarity, maskRatio, initScale, teacher, seed);
        }

        public Config withAlpha(double a) {
            return new Config(in, out, batch, eta, a, gamma, momentum, similarity, maskRatio, initScale, teacher, seed);
        }
    }

    /** One step's data: student input X (in×B), teacher input X' (in×B), target Y (out×B). */
    public record Batch(double[][] x, double[][] teacherX, double[][] y) {
    }

    /**
     * Step t of a trajectory, everything at W_t before the update.
     *
     * @param w                   W_t (out×in)
     * @param teacher             Ŵ_t (contains W_t)
     * @param x                   X_t, the student's input (in×B)
     * @param teacherX            X_t', the teacher's input
     * @param y                   Y_t
     * @param error               E_t = W_t X_t − Y_t (out×B)
     * @param reconstructionGrad  ∇ℓ_r = E_t X_tᵀ
     * @param consistencyGrad     ∇ℓ_c = γ (W_t X_t − Ŵ_t X_t') X_tᵀ, computed from the outputs
     * @param gradient            G_t = ∇ℓ_r + ∇ℓ_c
     * @param reconstructionLoss  ½‖E_t‖²
     * @param consistencyLoss     ½‖W_t X_t − Ŵ_t X_t'‖² (without γ)
     */
    public record Step(int t, double[][] w, double[][] teacher, double[][] x, double[][] teacherX, double[][] y, double[][] error,
                       double[][] reconstructionGrad, double[][] consistencyGrad, double[][] gradient, double reconstructionLoss,
                       double consistencyLoss) {
    }

    /** A run: the config, steps 0 … n−1, and W_n, Ŵ_n after the last update. */
    public record Trajectory(Config config, List<Step> steps, double[][] finalW, double[][] finalTeacher) {
        public Trajectory {
            steps = List.copyOf(steps);
        }

        /** W_t for t = 0 … n. */
        public double[][] w(int t) {
            return t == steps.size() ? finalW : steps.get(t).w();
        }

        /** Ŵ_t for t = 0 … n. */
        public double[][] teacher(int t) {
            return t == steps.size() ? finalTeacher : steps.get(t).teacher();
        }

        public Step step(int t) {
            return steps.get(t);
        }

        public int length() {
            return steps.size();
        }
    }

    private final Config config;

    public LinearConsistencyModel(Config config) {
        if (config == null) throw new IllegalArgumentException("a config is needed");
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** The seeded data of step t (a pure function of the seed and t). */
    public Batch batch(int t) {
        Config c = config;
        Rng data = new Rng(c.seed()).split("data");
        double[] shared = gaussian(data.split("shared"), c.in());
        Rng step = data.split(t);
        Rng noise = step.split("noise"), mask = step.split("mask"), teacherMask = step.split("teacher-mask");
        double a = Math.sqrt(c.similarity()), b = Math.sqrt(1 - c.similarity());
        double[][] z = new double[c.in()][c.batch()];
        for (int k = 0; k < c.batch(); k++) for (int i = 0; i < c.in(); i++) z[i][k] = a * shared[i] + b * noise.nextGaussian();
        double[][] x = masked(z, mask, c.maskRatio());
        double[][] xt = c.teacher() == TeacherInput.SAME ? copy(x) : masked(z, teacherMask, c.maskRatio());
        return new Batch(x, xt, mul(targetMap(), z));
    }

    /** A = G/√in, G standard Gaussian (out×in), fixed by the seed. */
    public double[][] targetMap() {
        Rng r = new Rng(config.seed()).split("target-map");
        double[][] a = new double[config.out()][config.in()];
        double s = 1 / Math.sqrt(config.in());
        for (double[] row : a) for (int i = 0; i < row.length; i++) row[i] = s * r.nextGaussian();
        return a;
    }

    /** W_0, Gaussian with the configured scale. */
    public double[][] initialWeights() {
        Rng r = new Rng(config.seed()).split("init");
        double[][] w = new double[config.out()][config.in()];
        for (double[] row : w) for (int i = 0; i < row.length; i++) row[i] = config.initScale() * r.nextGaussian();
        return w;
    }

    /** {@code steps} steps on the seeded data {@link #batch(int)}. */
    public Trajectory run(int steps) {
        if (steps < 0) throw new IllegalArgumentException("steps must be ≥ 0, got " + steps);
        List<Batch> data = new ArrayList<>(steps);
        for (int t = 0; t < steps; t++) data.add(batch(t));
        return run(data);
    }

    /**
     * One step per given batch, from {@link #initialWeights()} (inputs of any batch size; shapes
     * must fit in and out). Lets a caller choose inputs, e.g. orthogonal ones.
     */
    public Trajectory run(List<Batch> data) {
        Config c = config;
        double[][] w = initialWeights(), teacher = copy(w), velocity = zeros(c.out(), c.in());
        List<Step> steps = new ArrayList<>(data.size());
        for (int t = 0; t < data.size(); t++) {
            Batch d = data.get(t);
            requireShapes(d, t);
            double[][] error = sub(mul(w, d.x()), d.y());
            double[][] gap = sub(mul(w, d.x()), mul(teacher, d.teacherX()));
            double[][] gr = mulTransposed(error, d.x());
            double[][] gc = scale(mulTransposed(gap, d.x()), c.gamma());
            double[][] g = add(gr, gc);
            steps.add(new Step(t, copy(w), copy(teacher), copy(d.x()), copy(d.teacherX()), copy(d.y()), error, gr, gc, g,
                    0.5 * Matrices.dot(error, error), 0.5 * Matrices.dot(gap, gap)));
            velocity = c.momentum() == 0 ? g : add(scale(velocity, c.momentum()), g);
            w = sub(w, scale(velocity, c.eta()));
            teacher = add(scale(teacher, c.alpha()), scale(w, 1 - c.alpha()));
        }
        return new Trajectory(c, steps, w, teacher);
    }

    private void requireShapes(Batch d, int t) {
        int b = d.x().length == 0 ? 0 : d.x()[0].length;
        if (d.x().length != config.in() || d.teacherX().length != config.in() || d.y().length != config.out()
                || b == 0 || d.teacherX()[0].length != b || d.y()[0].length != b) {
            throw new IllegalArgumentException("batch " + t + ": X and X' must be in×B = " + config.in() + "×B and Y out×B = " + config.out()
                    + "×B with B ≥ 1, got X " + d.x().length + "×" + b + ", X' " + d.teacherX().length + "×" + (d.teacherX().length == 0 ? 0 : d.teacherX()[0].length)
                    + ", Y " + d.y().length + "×" + (d.y().length == 0 ? 0 : d.y()[0].length));
        }
    }

    // ---- the two sides of each identity

    /** The left side of step 2: D_t = W_t − Ŵ_t, for t = 0 … n. */
    public static double[][] gap(Trajectory tr, int t) {
        return sub(tr.w(t), tr.teacher(t));
    }

    /** The right side of step 2: Σ_{j<t} α^{t−j} (W_{j+1} − W_j) (exact for any optimizer). */
    public static double[][] gapFromUpdates(Trajectory tr, int t) {
        double alpha = tr.config().alpha();
        double[][] s = zeros(tr.config().out(), tr.config().in());
        for (int j = 0; j < t; j++) s = add(s, scale(sub(tr.w(j + 1), tr.w(j)), Math.pow(alpha, t - j)));
        return s;
    }

    /** The right side of step 3: γ (W_t − Ŵ_t) X_t X_tᵀ (equals ∇ℓ_c when the teacher sees X_t). */
    public static double[][] consistencyGradientFromGap(Trajectory tr, int t) {
        Step s = tr.step(t);
        return scale(mulTransposed(mul(gap(tr, t), s.x()), s.x()), tr.config().gamma());
    }

    /** The right side of step 5: −γη Σ_{j<t} α^{t−j} G_j X_t X_tᵀ (exact under plain SGD with the same mask). */
    public static double[][] consistencyGradientFromPastGradients(Trajectory tr, int t) {
        Config c = tr.config();
        double[][] sum = zeros(c.out(), c.in());
        for (int j = 0; j < t; j++) sum = add(sum, scale(tr.step(j).gradient(), Math.pow(c.alpha(), t - j)));
        double[][] xt = tr.step(t).x();
        return scale(mulTransposed(mul(sum, xt), xt), -c.gamma() * c.eta());
    }

    /**
     * Step 5 with G_j ≈ E_j X_jᵀ: −γη Σ_{j<t} α^{t−j} E_j (X_jᵀ X_t) X_tᵀ. Differs from
     * {@link #consistencyGradientFromPastGradients} by the dropped consistency parts of the G_j.
     */
    public static double[][] consistencyGradientFromErrors(Trajectory tr, int t) {
        Config c = tr.config();
        double[][] xt = tr.step(t).x();
        double[][] sum = zeros(c.out(), xt[0].length);
        for (int j = 0; j < t; j++) {
            Step sj = tr.step(j);
            sum = add(sum, scale(mul(sj.error(), transposedMul(sj.x(), xt)), Math.pow(c.alpha(), t - j)));
        }
        return scale(mulTransposed(sum, xt), -c.gamma() * c.eta());
    }

    /** Step 6's extra term: γ Ŵ_t (X_t − X_t') X_tᵀ (zero with the same mask). */
    public static double[][] maskTerm(Trajectory tr, int t) {
        Step s = tr.step(t);
        return scale(mulTransposed(mul(s.teacher(), sub(s.x(), s.teacherX())), s.x()), tr.config().gamma());
    }

    /** The right side of step 6: γ (W_t − Ŵ_t) X_t X_tᵀ + γ Ŵ_t (X_t − X_t') X_tᵀ (exact for either teacher input). */
    public static double[][] consistencyGradientWithMaskTerm(Trajectory tr, int t) {
        return add(consistencyGradientFromGap(tr, t), maskTerm(tr, t));
    }

    /**
     * The part of step t's consistency gradient that step 5 attributes to past step j < t:
     * −γη α^{t−j} G_j X_t X_tᵀ. Since G_j = R_j X_jᵀ (R_j = E_j + γ(W_j X_j − Ŵ_j X_j')), it is
     * −γη α^{t−j} R_j (X_jᵀ X_t) X_tᵀ: zero when every input of step j is orthogonal to every input of step t.
     */
    public static double[][] pastContribution(Trajectory tr, int t, int j) {
        if (j < 0 || j >= t) throw new IllegalArgumentException("past step j must be in [0, t = " + t + "), got " + j);
        Config c = tr.config();
        double[][] xt = tr.step(t).x();
        return scale(mulTransposed(mul(tr.step(j).gradient(), xt), xt), -c.gamma() * c.eta() * Math.pow(c.alpha(), t - j));
    }

    /** ‖a − b‖ / ‖b‖ (Frobenius); 0 when both are zero, infinite when only b is. */
    public static double relativeResidual(double[][] a, double[][] b) {
        double r = Matrices.norm(sub(a, b)), n = Matrices.norm(b);
        if (n == 0) return r == 0 ? 0 : Double.POSITIVE_INFINITY;
        return r / n;
    }

    // ---- seeded draws

    private static double[] gaussian(Rng r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
        return v;
    }

    /** z with round(ratio·in) entries of each column, chosen uniformly at random, set to zero. */
    private static double[][] masked(double[][] z, Rng r, double ratio) {
        int in = z.length, cols = z[0].length, drop = (int) Math.round(ratio * in);
        double[][] x = copy(z);
        int[] order = new int[in];
        for (int k = 0; k < cols; k++) {
            for (int i = 0; i < in; i++) order[i] = i;
            for (int i = in - 1; i > 0; i--) { // Fisher-Yates
                int p = r.nextInt(i + 1), tmp = order[i];
                order[i] = order[p];
                order[p] = tmp;
            }
            for (int i = 0; i < drop; i++) x[order[i]][k] = 0;
        }
        return x;
    }
}
