package io.tessera.eval.attention;

// Accumulates the mean attention distance and the attention NMI of every block and head over
// images, as ViT's Fig. 11 and cl-vs-mim's plots average them: per image first (mean over queries),
// then the mean over images. The result is an AttentionStats record.

/** A consumer of attention that averages {@link AttentionMeasures} over images. */
public final class AttentionStatistics implements AttentionPass.Consumer {
    private final PatchGrid grid;
    private final RowNormalisation rows;
    private final int depth, heads;
    private final double[][] distance, nmi;
    private final long[] images;

    public AttentionStatistics(PatchGrid grid, int depth, int heads, RowNormalisation rows) {
        if (depth < 1 || heads < 1) throw new IllegalArgumentException("attention statistics of " + depth + " blocks × " + heads + " heads");
        this.grid = grid;
        this.rows = rows;
        this.depth = depth;
        this.heads = heads;
        this.distance = new double[depth][heads];
        this.nmi = new double[depth][heads];
        this.images = new long[depth];
    }

    @Override
    public void block(int block, float[] probs, int batch, int heads, int first) {
        if (block < 0 || block >= depth || heads != this.heads) {
            throw new IllegalArgumentException("attention of block " + block + " with " + heads + " heads; expected blocks 0.." + (depth - 1) + " with " + this.heads + " heads");
        }
        double[] d = AttentionMeasures.meanDistance(probs, batch, heads, grid, rows), n = AttentionMeasures.nmi(probs, batch, heads, grid);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                distance[block][h] += d[b * heads + h];
                nmi[block][h] += n[b * heads + h];
            }
        }
        images[block] += batch;
    }

    /** Images seen by every block so far. */
    public long images() {
        long m = Long.MAX_VALUE;
        for (long i : images) m = Math.min(m, i);
        return m;
    }

    /** The means over the images seen, labelled. */
    public AttentionStats result(String label) {
        long n = images();
        for (long i : images) {
            if (i != n || n == 0) throw new IllegalStateException("attention statistics: blocks saw different numbers of images (or none): " + java.util.Arrays.toString(images));
        }
        double[][] d = new double[depth][heads], m = new double[depth][heads];
        for (int l = 0; l < depth; l++) {
            for (int h = 0; h < heads; h++) {
                d[l][h] = distance[l][h] / n;
                m[l][h] = nmi[l][h] / n;
            }
        }
        return new AttentionStats(label, n, rows, grid, d, m);
    }
}
