package io.tessera.eval.spectrum;

// Which tokens of an encoder a spectrum is taken from: the output of block i (0-based, as the
// parameter names blocks.i; before any final norm) or the encoder's output after its final norm.

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A layer of a ViT encoder.
 *
 * @param block 0-based block index, or {@link #FINAL_BLOCK} for the output after the final norm
 */
public record FeatureLayer(int block) implements Comparable<FeatureLayer> {
    /** The marker of the final (normed) output. */
    public static final int FINAL_BLOCK = Integer.MAX_VALUE;

    public FeatureLayer {
        if (block < 0) throw new IllegalArgumentException("layer index " + block + " is negative");
    }

    /** The output of block i. */
    public static FeatureLayer ofBlock(int i) {
        return new FeatureLayer(i);
    }

    /** The encoder output after its final norm. */
    public static FeatureLayer output() {
        return new FeatureLayer(FINAL_BLOCK);
    }

    public boolean isFinal() {
        return block == FINAL_BLOCK;
    }

    /** "final" or the block index as text. */
    public String label() {
        return isFinal() ? "final" : String.valueOf(block);
    }

    /** Checks that the layer exists in an encoder of {@code depth} blocks. */
    public FeatureLayer check(int depth) {
        if (!isFinal() && block >= depth) {
            throw new IllegalArgumentException("layer " + block + " is out of range: the encoder has " + depth + " blocks (0.." + (depth - 1) + ") or final");
        }
        return this;
    }

    /**
     * Parses a comma-separated list of block indices, "final" and "all" (every block and final) for an
     * encoder of {@code depth} blocks; duplicates are removed, the result is sorted.
     */
    public static List<FeatureLayer> parseList(String text, int depth) {
        List<FeatureLayer> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.equals("all")) {
                for (int i = 0; i < depth; i++) out.add(ofBlock(i));
                out.add(output());
            } else if (p.equals("final")) {
                out.add(output());
            } else {
                int i;
                try {
                    i = Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("layer '" + part.trim() + "' is neither a block index, final nor all");
                }
                if (i < 0) throw new IllegalArgumentException("layer " + i + " is out of range: the encoder has " + depth + " blocks (0.." + (depth - 1) + ") or final");
                out.add(ofBlock(i).check(depth));
            }
        }
        return out.stream().distinct().sorted().toList();
    }

    @Override
    public int compareTo(FeatureLayer o) {
        return Integer.compare(block, o.block);
    }
}
