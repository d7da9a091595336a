package io.tessera.eval.attention;

// Accumulates the mean attention distance and the attention NMI of every block and head over
// images, as ViT's Fig. 11 and cl-vs-mim's plots average them: per image first (mean over queries),
// then the mean over images. Renormalised rows without patch mass are left out and counted; an
// image-head with no usable query does not enter that head's mean. The result is an AttentionStats record.

/** A consumer of attention that averages {@link AttentionMeasures} over images. */
public final class AttentionStatistics implements AttentionPass.Consumer {
    private final PatchGrid grid;
    private final RowNormalisation rows;
    private final int depth, heads;
    private final double[][] distance, nmi;
    private final long[][] distanceImages, nmiImages, skipped;
    private final long[] images;

    public AttentionStatistics(PatchGrid grid, int depth, int heads, RowNormalisation rows) {
        if (depth < 1 || heads < 1) throw new IllegalArgumentException("attention statistics of " + depth + " blocks × " + heads + " heads");
        this.grid = grid;
        this.rows = rows;
        this.depth = depth;
        this.heads = heads;
        this.distance = new double[depth][heads];
        this.nmi = new double[depth][heads];
        this.distanceImages = new long[depth][heads];
        this.nmiImages = new long[depth][heads];
        this.skipped = new long[depth][heads];
        this.images = new long[depth];
    }

    @Override
    public void block(int block, float[] probs, int batch, int heads, int first) {
        if (block < 0 || block >= depth || heads != this.heads) {
            throw new IllegalArgumentException("attention of block " + block + " with " + heads + " heads; expected blocks 0.." + (depth - 1) + " with " + this.heads + " heads");
        }
        AttentionMeasures.PerHead d = AttentionMeasures.meanDistance(probs, batch, heads, grid, rows), n = AttentionMeasures.nmi(probs, batch, heads, grid);
        int l = grid.patches();
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int i = b * heads + h;
                if (d.queries()[i] > 0) {
                    distance[block][h] += d.values()[i];
                    distanceImages[block][h]++;
                }
                if (n.queries()[i] > 0) {
                    nmi[block][h] += n.values()[i];
                    nmiImages[block][h]++;
                }
                skipped[block][h] += l - n.queries()[i];
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
                if (distanceImages[l][h] == 0 || nmiImages[l][h] == 0) {
                    throw new IllegalStateException("block " + l + ", head " + h + ": every patch query of every image attends only to the cls token, so no "
                            + "renormalised patch attention exists (the unnormalised distance is still defined)");
                }
                d[l][h] = distance[l][h] / distanceImages[l][h];
                m[l][h] = nmi[l][h] / nmiImages[l][h];
            }
        }
        long[][] sk = new long[depth][];
        for (int l = 0; l < depth; l++) sk[l] = skipped[l].clone();
        return new AttentionStats(label, n, rows, grid, d, m, sk);
    }
}
