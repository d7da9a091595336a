package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.GradCheck;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.dist.InProcessGroup;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Layers against plain-loop float64 references written from the PyTorch definitions: the fused
 * qkv layout ([q | k | v], head-major) and the conv-order patch embedding.
 */
class LayerReferenceTest {

    @Test
    void attentionMatchesLoopReference() {
        int b = 2, t = 5, d = 12, h = 3, dh = 4;
        try (ExecutionContext ctx = ExecutionContext.reference(4)) {
            ParameterStore s = new ParameterStore();
            Attention attn = new Attention(s, "attn", d, h, true);
            s.allocate(ctx, DType.F64);
            Init.normal(s.values(), ctx.rng("w"), 0.4);
            Tensor x = GradCheck.randn(ctx, 11, b, t, d);
            Attention.Output got = attn.forwardWithProbs(ctx.ops(), x);

            double[] xs = x.toDoubleArray();
            double[] wq = attn.qkv().weight().tensor().toDoubleArray(), bq = attn.qkv().bias().tensor().toDoubleArray();
            double[] wp = attn.proj().weight().tensor().toDoubleArray(), bp = attn.proj().bias().tensor().toDoubleArray();
            double[][][] qkv = new double[b][t][3 * d];
            for (int i = 0; i < b; i++)
                for (int j = 0; j < t; j++)
                    for (int o = 0; o < 3 * d; o++) {
                        double acc = bq[o];
                        for (int c = 0; c < d; c++) acc += xs[(i * t + j) * d + c] * wq[o * d + c];
                        qkv[i][j][o] = acc;
                    }
            double[] probs = got.probs().toDoubleArray();
            double[] out = got.out().toDoubleArray();
            double[][][] merged = new double[b][t][d];
            for (int i = 0; i < b; i++)
                for (int hh = 0; hh < h; hh++)
                    for (int q = 0; q < t; q++) {
                        double[] sc = new double[t];
                        double mx = Double.NEGATIVE_INFINITY;
                        for (int k = 0; k < t; k++) {
                            double acc = 0;
                            for (int e = 0; e < dh; e++) acc += qkv[i][q][hh * dh + e] * qkv[i][k][d + hh * dh + e];
                            sc[k] = acc / Math.sqrt(dh);
                            mx = Math.max(mx, sc[k]);
                        }
                        double z = 0;
                        for (int k = 0; k < t; k++) z += sc[k] = Math.exp(sc[k] - mx);
                        for (int k = 0; k < t; k++) {
                            double p = sc[k] / z;
                            assertThat(probs[((i * h + hh) * t + q) * t + k]).isCloseTo(p, within(1e-12));
                            for (int e = 0; e < dh; e++) merged[i][q][hh * dh + e] += p * qkv[i][k][2 * d + hh * dh + e];
                        }
                    }
            for (int i = 0; i < b; i++)
                for (int j = 0; j < t; j++)
                    for (int o = 0; o < d; o++) {
                        double acc = bp[o];
                        for (int c = 0; c < d; c++) acc += merged[i][j][c] * wp[o * d + c];
                        assertThat(out[(i * t + j) * d + o]).as("out[%d,%d,%d]", i, j, o).isCloseTo(acc, within(1e-12));
                    }
        }
    }

    @Test
    void patchEmbedMatchesStridedConvolution() {
        int b = 2, c = 3, img = 8, p = 4, d = 5, g = img / p;
        try (ExecutionContext ctx = ExecutionContext.reference(5)) {
            ParameterStore s = new ParameterStore();
            PatchEmbed pe = new PatchEmbed(s, "patch_embed", img, p, c, d);
            s.allocate(ctx, DType.F64);
            pe.init(ctx.rng("init"));
            Tensor x = GradCheck.randn(ctx, 12, b, c, img, img);
            double[] got = pe.forward(ctx.ops(), x).toDoubleArray();
            assertThat(got).hasSize(b * g * g * d);
            double[] xs = x.toDoubleArray(), w = pe.weight().tensor().toDoubleArray(), bias = pe.bias().tensor().toDoubleArray();
            for (int n = 0; n < b; n++)
                for (int i = 0; i < g; i++)
                    for (int j = 0; j < g; j++)
                        for (int o = 0; o < d; o++) {
                            double acc = bias[o];
                            for (int ch = 0; ch < c; ch++)
                                for (int py = 0; py < p; py++)
                                    for (int px = 0; px < p; px++)
                                        acc += w[((o * c + ch) * p + py) * p + px] * xs[((n * c + ch) * img + i * p + py) * img + j * p + px];
                            assertThat(got[((n * g * g) + i * g + j) * d + o]).isCloseTo(acc, within(1e-12));
                        }
        }
    }

    @Test
    void synchronizedBatchNormsTrainOnTheGroupsGlobalBatch() {
        int n = 10, ch = 4, half = n / 2;
        double[] xs;
        double[] wholeY, wholeMean, wholeVar;
        try (ExecutionContext ctx = ExecutionContext.reference(6)) {
            ParameterStore s = new ParameterStore();
            BatchNorm1d bn = new BatchNorm1d(s, "bn", ch);
            s.allocate(ctx, DType.F64);
            bn.init(ctx.rng("init"));
            Tensor x = GradCheck.randn(ctx, 31, n, ch);
            xs = x.toDoubleArray();
            wholeY = bn.forward(ctx.ops(), x).toDoubleArray();
            wholeMean = bn.runningMean().tensor().toDoubleArray();
            wholeVar = bn.runningVar().tensor().toDoubleArray();
        }
        List<double[][]> ranks = InProcessGroup.run(2, g -> {
            try (ExecutionContext ctx = ExecutionContext.reference(6)) {
                ParameterStore s = new ParameterStore();
                Module tree = new Module("") {
                    final BatchNorm1d a = child(new BatchNorm1d(s, "head.1", ch));
                    final Linear l = child(new Linear(s, "head.2", ch, ch, false));
                };
                s.allocate(ctx, DType.F64);
                tree.init(ctx.rng("init"));
                assertThat(BatchNorm1d.synchronizeAll(tree, g)).isEqualTo(1);
                BatchNorm1d bn = (BatchNorm1d) tree.children().getFirst();
                assertThat(bn.group()).isSameAs(g);
                Tensor x = ctx.ops().tensor(java.util.Arrays.copyOfRange(xs, g.rank() * half * ch, (g.rank() + 1) * half * ch), half, ch);
                double[] y = bn.forward(ctx.ops(), x).toDoubleArray();
                return new double[][] {y, bn.runningMean().tensor().toDoubleArray(), bn.runningVar().tensor().toDoubleArray(),
                        {bn.numBatchesTracked().tensor().item()}};
            }
        });
        for (int r = 0; r < 2; r++) {
            double[][] o = ranks.get(r);
            assertThat(o[0]).containsExactly(java.util.Arrays.copyOfRange(wholeY, r * half * ch, (r + 1) * half * ch), within(1e-12));
            assertThat(o[1]).containsExactly(wholeMean, within(1e-13));
            assertThat(o[2]).containsExactly(wholeVar, within(1e-13));
            assertThat(o[3]).containsExactly(1.0);
        }
    }

    @Test
    void batchNormTrainsRunningStatisticsAndEvaluatesWithThem() {
        int n = 6, ch = 3;
        try (ExecutionContext ctx = ExecutionContext.reference(6)) {
            ParameterStore s = new ParameterStore();
            BatchNorm1d bn = new BatchNorm1d(s, "bn", ch);
            s.allocate(ctx, DType.F64);
            bn.init(ctx.rng("init"));
            assertThat(s.bufferCount()).isEqualTo(2 * ch + 1);
            Tensor x = GradCheck.randn(ctx, 13, n, ch);
            double[] xs = x.toDoubleArray();
            double[] y = bn.forward(ctx.ops(), x).toDoubleArray();
            double[] rm = bn.runningMean().tensor().toDoubleArray(), rv = bn.runningVar().tensor().toDoubleArray();
            for (int c = 0; c < ch; c++) {
                double m = 0, v = 0;
                for (int i = 0; i < n; i++) m += xs[i * ch + c];
                m /= n;
                for (int i = 0; i < n; i++) v += (xs[i * ch + c] - m) * (xs[i * ch + c] - m);
                double biased = v / n, unbiased = v / (n - 1);
                for (int i = 0; i < n; i++) {
                    assertThat(y[i * ch + c]).isCloseTo((xs[i * ch + c] - m) / Math.sqrt(biased + 1e-5), within(1e-9));
                }
                assertThat(rm[c]).isCloseTo(0.1 * m, within(1e-12));
                assertThat(rv[c]).isCloseTo(0.9 + 0.1 * unbiased, within(1e-12));
            }
            assertThat(bn.numBatchesTracked().tensor().item()).isEqualTo(1.0);

            bn.eval();
            double[] e = bn.forward(ctx.ops(), x).toDoubleArray();
            for (int i = 0; i < n; i++)
                for (int c = 0; c < ch; c++)
                    assertThat(e[i * ch + c]).isCloseTo((xs[i * ch + c] - rm[c]) / Math.sqrt(rv[c] + 1e-5), within(1e-9));
            assertThat(bn.numBatchesTracked().tensor().item()).isEqualTo(1.0);
        }
    }
}
