package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;

/** Scalar reference kernels for elementwise ops, in double. See {@link io.tessera.tensor.spi.Backend}. */
public final class RefElementwise {
    private RefElementwise() {
    }

    /** f(x) for one unary op. */
    public static double apply(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case RELU -> x > 0 ? x : 0.0;
            case GELU -> 0.5 * x * (1.0 + Erf.erf(x / Math.sqrt(2.0)));
            case TANH -> Math.tanh(x);
        };
    }

    /** f'(x), given y = f(x). */
    public static double derivative(UnaryOp op, double x, double y) {
        return switch (op) {
            case NEG -> -1.0;
            case EXP -> y;
            case LOG -> 1.0 / x;
            case SQRT -> 0.5 / y;
            case RSQRT -> -0.5 * y * y * y;
            case ABS -> Math.signum(x);
            case SQUARE -> 2 * x;
            case RELU -> x > 0 ? 1.0 : 0.0;
            case GELU -> 0.5 * (1.0 + Erf.erf(x / Math.sqrt(2.0))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            case TANH -> 1 - y * y;
        };
    }

    public static void unary(UnaryOp op, Tensor out, Tensor x) {
        double[] v = Elements.read(x);
        for (int i = 0; i < v.length; i++) v[i] = apply(op, v[i]);
        Elements.store(out, v);
    }

    public static void unaryBackward(UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        if (dx == null) return;
        // only the operand the derivative needs is read (the other may have been freed)
        double[] g = Elements.read(dy), none = new double[g.length];
        double[] xv = op == UnaryOp.NEG || op.backwardUsesOutput() ? none : Elements.read(x);
        double[] yv = op.backwardUsesOutput() ? Elements.read(y) : none;
        for (int i = 0; i < g.length; i++) g[i] *= derivative(op, xv[i], yv[i]);
        Elements.add(dx, g);
    }

    /** a ∘ b for one binary op. */
    public static double apply(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> a >= b ? a : b;
            case MIN -> a <= b ? a : b;
        };
    }

    public static void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        double[] av = Elements.read(a), bv = Elements.read(b), o = new double[out.size()];
        int[] ma = Broadcast.indexMap(out.shape(), a.shape()), mb = Broadcast.indexMap(out.shape(), b.shape());
        for (int i = 0; i < o.length; i++) o[i] = apply(op, av[ma[i]], bv[mb[i]]);
        Elements.store(out, o);
    }

    public static void binaryBackward(BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        // ADD and SUB do not read a or b (their data may have been freed), only their shapes
        boolean linear = op == BinaryOp.ADD || op == BinaryOp.SUB;
        double[] g = Elements.read(dy), av = linear ? new double[a.size()] : Elements.read(a), bv = linear ? new double[b.size()] : Elements.read(b);
        int[] ma = Broadcast.indexMap(dy.shape(), a.shape()), mb = Broadcast.indexMap(dy.shape(), b.shape());
        double[] ga = new double[a.size()], gb = new double[b.size()];
        for (int i = 0; i < g.length; i++) {
            double x = av[ma[i]], y = bv[mb[i]];
            double pa, pb;
            switch (op) {
                case ADD -> { pa = 1; pb = 1; }
                case SUB -> { pa = 1; pb = -1; }
                case MUL -> { pa = y; pb = x; }
                case DIV -> { pa = 1 / y; pb = -x / (y * y); }
                case MAX -> { pa = x >= y ? 1 : 0; pb = 1 - pa; }
                case MIN -> { pa = x <= y ? 1 : 0; pb = 1 - pa; }
                default -> throw new AssertionError(op);
            }
            ga[ma[i]] += g[i] * pa;
            gb[mb[i]] += g[i] * pb;
        }
        if (da != null) Elements.add(da, ga);
        if (db != null) Elements.add(db, gb);
    }

    public static void affine(Tensor out, Tensor x, double alpha, double beta) {
        double[] v = Elements.read(x);
        for (int i = 0; i < v.length; i++) v[i] = alpha * v[i] + beta;
        Elements.store(out, v);
    }

    public static void accumulate(Tensor dst, Tensor src, double alpha) {
        if (dst == null) return;
        double[] v = Elements.read(src);
        for (int i = 0; i < v.length; i++) v[i] *= alpha;
        Elements.add(dst, v);
    }
}
