package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.OpChecks;

/**
 * Scalar reference for fused scaled dot-product attention (Vaswani et al., eq. 1), forward
 * and backward, computed in double: with the probabilities as the saved state, and with the
 * row log-sum-exp instead (the state of flash attention, Dao et al. 2022, whose backward
 * recomputes the probabilities). There is no masking, dropout or online softmax here.
 */
public final class RefAttention {
    private RefAttention() {
    }

    /**
     * probs = softmax_S(q·kᵀ·scale) (B, H, T, S), written; out = probs·v (B, H, T, Dh).
     * q: (B, H, T, Dh); k, v: (B, H, S, Dh).
     */
    public static void attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attention(out, probs, q, k, v, scale);
        int bh = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        double[] qv = Elements.read(q), kv = Elements.read(k), vv = Elements.read(v);
        double[] p = new double[bh * t * s], o = new double[bh * t * dh];
        for (int g = 0; g < bh; g++) {
            int qo = g * t * dh, ko = g * s * dh, po = g * t * s;
            for (int i = 0; i < t; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < s; j++) {
                    double dot = 0;
                    for (int c = 0; c < dh; c++) dot += qv[qo + i * dh + c] * kv[ko + j * dh + c];
                    p[po + i * s + j] = dot * scale;
                    max = Math.max(max, dot * scale);
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    p[po + i * s + j] = Math.exp(p[po + i * s + j] - max);
                    sum += p[po + i * s + j];
                }
                for (int j = 0; j < s; j++) p[po + i * s + j] /= sum;
                for (int j = 0; j < s; j++) {
                    for (int c = 0; c < dh; c++) o[qo + i * dh + c] += p[po + i * s + j] * vv[ko + j * dh + c];
                }
            }
        }
        Elements.store(probs, p);
        Elements.store(out, o);
    }

    /**
     * With P the saved probabilities and dO = dout: dv += Pᵀ·dO; dP = dO·vᵀ;
     * dZ = P ⊙ (dP − Σ_S dP ⊙ P); dq += scale·dZ·k; dk += scale·dZᵀ·q. Any gradient may be null.
     */
    public static void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor probs, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attentionBackward(dq, dk, dv, dout, q, k, v, probs, scale);
        int bh = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        double[] qv = Elements.read(q), kv = Elements.read(k), vv = Elements.read(v), p = Elements.read(probs), go = Elements.read(dout);
        double[] gq = new double[qv.length], gk = new double[kv.length], gv = new double[vv.length];
        double[] dz = new double[s];
        for (int g = 0; g < bh; g++) {
            int qo = g * t * dh, ko = g * s * dh, po = g * t * s;
            for (int i = 0; i < t; i++) {
                double dot = 0;
                for (int j = 0; j < s; j++) {
                    double pij = p[po + i * s + j], dp = 0;
                    for (int c = 0; c < dh; c++) {
                        dp += go[qo + i * dh + c] * vv[ko + j * dh + c];
                        gv[ko + j * dh + c] += pij * go[qo + i * dh + c];
                    }
                    dz[j] = dp;
                    dot += dp * pij;
                }
                for (int j = 0; j < s; j++) {
                    double d = p[po + i * s + j] * (dz[j] - dot) * scale;
                    for (int c = 0; c < dh; c++) {
                        gq[qo + i * dh + c] += d * kv[ko + j * dh + c];
                        gk[ko + j * dh + c] += d * qv[qo + i * dh + c];
                    }
                }
            }
        }
        Elements.add(dq, gq);
        Elements.add(dk, gk);
        Elements.add(dv, gv);
    }

    /**
     * out = softmax_S(q·kᵀ·scale)·v (B, H, T, Dh) and lse = log Σ_S exp(q·kᵀ·scale) (B, H, T),
     * written. q: (B, H, T, Dh); k, v: (B, H, S, Dh).
     */
    public static void attentionLse(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attentionLse(out, lse, q, k, v, scale);
        int bh = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        double[] qv = Elements.read(q), kv = Elements.read(k), vv = Elements.read(v);
        double[] o = new double[bh * t * dh], l = new double[bh * t], p = new double[s];
        for (int g = 0; g < bh; g++) {
            int qo = g * t * dh, ko = g * s * dh;
            for (int i = 0; i < t; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < s; j++) {
                    p[j] = scale * dot(qv, qo + i * dh, kv, ko + j * dh, dh);
                    max = Math.max(max, p[j]);
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    p[j] = Math.exp(p[j] - max);
                    sum += p[j];
                }
                for (int j = 0; j < s; j++) {
                    for (int c = 0; c < dh; c++) o[qo + i * dh + c] += p[j] / sum * vv[ko + j * dh + c];
                }
                l[g * t + i] = max + Math.log(sum);
            }
        }
        Elements.store(out, o);
        Elements.store(lse, l);
    }

    /**
     * With P = exp(q·kᵀ·scale − lse) recomputed and D = Σ_Dh dout ⊙ out per row: dv += Pᵀ·dout;
     * dZ = P ⊙ (dout·vᵀ − D); dq += scale·dZ·k; dk += scale·dZᵀ·q. Any gradient may be null.
     */
    public static void attentionLseBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out,
                                            Tensor lse, double scale) {
        OpChecks.AttentionSizes z = OpChecks.attentionLseBackward(dq, dk, dv, dout, q, k, v, out, lse, scale);
        int bh = z.heads(), t = z.queries(), s = z.keys(), dh = z.width();
        double[] qv = Elements.read(q), kv = Elements.read(k), vv = Elements.read(v), go = Elements.read(dout), ov = Elements.read(out),
                l = Elements.read(lse);
        double[] gq = new double[qv.length], gk = new double[kv.length], gv = new double[vv.length];
        for (int g = 0; g < bh; g++) {
            int qo = g * t * dh, ko = g * s * dh;
            for (int i = 0; i < t; i++) {
                int row = qo + i * dh;
                double d = dot(go, row, ov, row, dh);
                for (int j = 0; j < s; j++) {
                    int key = ko + j * dh;
                    double pij = Math.exp(scale * dot(qv, row, kv, key, dh) - l[g * t + i]);
                    double dz = pij * (dot(go, row, vv, key, dh) - d) * scale;
                    for (int c = 0; c < dh; c++) {
                        gv[key + c] += pij * go[row + c];
                        gq[row + c] += dz * kv[key + c];
                        gk[key + c] += dz * qv[row + c];
                    }
                }
            }
        }
        Elements.add(dq, gq);
        Elements.add(dk, gk);
        Elements.add(dv, gv);
    }

    private static double dot(double[] a, int ao, double[] b, int bo, int n) {
        double sum = 0;
        for (int c = 0; c < n; c++) sum += a[ao + c] * b[bo + c];
        return sum;
    }
}
