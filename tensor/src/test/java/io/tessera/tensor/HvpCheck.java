package io.tessera.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.fail;

/**
 * Second-order checks of the higher-order tape in float64: for a function f of some inputs and the
 * scalar L = Σ r ⊙ (f + f ⊙ f) (so every op's differentiable rule is differentiated again), the
 * gradients of {@link Tape#gradGraph} must equal the fused first-order ones, and the Hessian-vector
 * product from a second backward pass must equal central differences of the first-order gradient
 * along v: Hv ≈ (∇L(x + h·v) − ∇L(x − h·v)) / 2h.
 */
public final class HvpCheck {
    private static final double H = 1e-5;

    private HvpCheck() {
    }

    public static void check(ExecutionContext ctx, GradCheck.Fn f, Tensor... inputs) {
        check(ctx, f, 1e-6, 1e-5, inputs);
    }

    public static void check(ExecutionContext ctx, GradCheck.Fn f, double atol, double rtol, Tensor... inputs) {
        Tensor r = GradCheck.weights(ctx, f, inputs);
        GradCheck.Fn scalar = scalarised(f, r);
        double[][] v = directions(inputs);
        double[][] fused = gradient(ctx, scalar, inputs);
        double[][] composite = new double[inputs.length][];
        double[][] hv = hvp(ctx, scalar, v, composite, inputs);
        shift(inputs, v, H);
        double[][] gp = gradient(ctx, scalar, inputs);
        shift(inputs, v, -2 * H);
        double[][] gm = gradient(ctx, scalar, inputs);
        shift(inputs, v, H);
        for (int i = 0; i < inputs.length; i++) {
            if (v[i] == null) continue;
            for (int j = 0; j < v[i].length; j++) {
                compare("differentiable gradient", i, j, composite[i][j], fused[i][j], 1e-9, 1e-9);
                double num = (gp[i][j] - gm[i][j]) / (2 * H);
                compare("Hessian-vector product", i, j, hv[i][j], num, atol, rtol);
            }
        }
    }

    private static void compare(String what, int i, int j, double got, double want, double atol, double rtol) {
        if (!(Math.abs(got - want) <= atol + rtol * Math.abs(want))) {
            fail("%s of input %d element %d: %.12g, expected %.12g", what, i, j, got, want);
        }
    }

    private static GradCheck.Fn scalarised(GradCheck.Fn f, Tensor r) {
        return (ops, in) -> {
            Tensor out = f.apply(ops, in);
            return ops.sum(ops.mul(ops.add(out, ops.mul(out, out)), r));
        };
    }

    /** A seeded direction per floating input (null for index inputs). */
    private static double[][] directions(Tensor... inputs) {
        Rng rng = new Rng(Arrays.hashCode(new int[] {inputs.length, inputs[0].size()}));
        double[][] v = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].dtype().isFloating()) continue;
            v[i] = new double[inputs[i].size()];
            for (int j = 0; j < v[i].length; j++) v[i][j] = rng.nextGaussian();
        }
        return v;
    }

    /** First-order gradients through the fused rules of a plain tape. */
    private static double[][] gradient(ExecutionContext ctx, GradCheck.Fn scalar, Tensor... inputs) {
        prepare(inputs);
        try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
            tape.backward(scalar.apply(ctx.ops(), inputs));
        }
        return collect(inputs);
    }

    /** H·v from gradGraph and a second backward pass; also returns gradGraph's gradients in {@code composite}. */
    private static double[][] hvp(ExecutionContext ctx, GradCheck.Fn scalar, double[][] v, double[][] composite, Tensor... inputs) {
        prepare(inputs);
        try (Scope s = ctx.openScope(); Tape tape = ctx.recordHigherOrder()) {
            List<Tensor> wrt = new ArrayList<>(), vs = new ArrayList<>(), gs = new ArrayList<>();
            for (int i = 0; i < inputs.length; i++) if (v[i] != null) wrt.add(inputs[i]);
            Tensor loss = scalar.apply(ctx.ops(), inputs);
            List<Tensor> g = tape.gradGraph(loss, wrt);
            for (int i = 0, w = 0; i < inputs.length; i++) {
                if (v[i] == null) continue;
                composite[i] = g.get(w).toDoubleArray();
                Tensor vt = ctx.ops().zeros(inputs[i].shape(), inputs[i].dtype());
                ctx.backend().write(vt, v[i]);
                gs.add(g.get(w++));
                vs.add(vt);
            }
            tape.backward(gs, vs, false);
        }
        return collect(inputs);
    }

    private static void prepare(Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.dtype().isFloating()) t.requiresGrad(true);
            t.setGrad(null);
        }
    }

    private static double[][] collect(Tensor... inputs) {
        double[][] g = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            g[i] = inputs[i].grad() == null ? new double[inputs[i].size()] : inputs[i].grad().toDoubleArray();
            inputs[i].setGrad(null);
            inputs[i].requiresGrad(false);
        }
        return g;
    }

    private static void shift(Tensor[] inputs, double[][] dir, double h) {
        for (int i = 0; i < inputs.length; i++) {
            if (dir[i] == null) continue;
            double[] x = inputs[i].f64();
            for (int j = 0; j < dir[i].length; j++) x[inputs[i].offset() + j] += h * dir[i][j];
        }
    }
}
