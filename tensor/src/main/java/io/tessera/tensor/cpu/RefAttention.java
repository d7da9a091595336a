package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/**
 * Scalar reference for fused scaled dot-product attention (Vaswani et al., eq. 1), forward
 * and backward, computed in double. The probabilities are the saved state; there is no
 * masking, dropout or online softmax here.
 */
public final class RefAttention {
    private RefAttention() {
    }

    /** Sizes {B·H, T, S, Dh} after checking the operands. */
    static int[] sizes(String op, Tensor q, Tensor k, Tensor v, Tensor probs) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || !k.shape().equals(v.shape())
                || q.dim(0) != k.dim(0) || q.dim(1) != k.dim(1) || q.dim(3) != k.dim(3)) {
            throw new IllegalArgumentException(op + " expects q (B, H, T, Dh), k and v (B, H, S, Dh); got q "
                    + q.describe() + ", k " + k.describe() + ", v " + v.describe());
        }
        int bh = q.dim(0) * q.dim(1), t = q.dim(2), s = k.dim(2), dh = q.dim(3);
        if (probs != null && probs.size() != bh * t * s) {
            throw new IllegalArgumentException(op + ": probs " + probs.describe() + " must be (B, H, T, S) = ("
                    + q.dim(0) + ", " + q.dim(1) + ", " + t + ", " + s + ")");
        }
        return new int[] {bh, t, s, dh};
    }

    /**
     * probs = softmax_S(q·kᵀ·scale) (B, H, T, S), written; out = probs·v (B, H, T, Dh).
     * q: (B, H, T, Dh); k, v: (B, H, S, Dh).
     */
    public static void attention(Tensor out, Tensor probs, Tensor q, Tensor k, Tensor v, double scale) {
        int[] z = sizes("attention", q, k, v, probs);
        int bh = z[0], t = z[1], s = z[2], dh = z[3];
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
        int[] z = sizes("attentionBackward", q, k, v, probs);
        int bh = z[0], t = z[1], s = z[2], dh = z[3];
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
}
