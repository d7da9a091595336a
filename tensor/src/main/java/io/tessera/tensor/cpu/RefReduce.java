package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/** Scalar reference kernels for reductions and broadcasts, in double. */
public final class RefReduce {
    private RefReduce() {
    }

    public static void sumTo(Tensor out, Tensor x, double alpha, boolean accumulate) {
        double[] v = Elements.read(x), o = new double[out.size()];
        int[] map = Broadcast.indexMap(x.shape(), out.shape());
        for (int i = 0; i < v.length; i++) o[map[i]] += v[i];
        for (int i = 0; i < o.length; i++) o[i] *= alpha;
        Elements.put(out, o, accumulate);
    }

    public static void expand(Tensor out, Tensor x, double alpha, boolean accumulate) {
        double[] v = Elements.read(x), o = new double[out.size()];
        int[] map = Broadcast.indexMap(out.shape(), x.shape());
        for (int i = 0; i < o.length; i++) o[i] = alpha * v[map[i]];
        Elements.put(out, o, accumulate);
    }

    public static void maxAlong(Tensor out, Tensor x, int outer, int len, int inner) {
        double[] v = Elements.read(x), o = new double[outer * inner];
        for (int a = 0; a < outer; a++) {
            for (int c = 0; c < inner; c++) {
                double m = Double.NEGATIVE_INFINITY;
                for (int l = 0; l < len; l++) m = Math.max(m, v[(a * len + l) * inner + c]);
                o[a * inner + c] = m;
            }
        }
        Elements.store(out, o);
    }
}
