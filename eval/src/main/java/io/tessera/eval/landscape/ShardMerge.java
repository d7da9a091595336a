// Combines the shard files of a landscape into the whole grid: every shard of 0..N−1 present once, of
// the same landscape, each point computed by its owner; otherwise a clear refusal and no merged file.
// The values are copied, never recomputed, so a merged sharded run equals the single-worker run bit for bit.
package io.tessera.eval.landscape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/** Shard files ({@code shard-I-of-N.json}) and their merge. */
public final class ShardMerge {
    private ShardMerge() {
    }

    /** The file of {@code shard} in {@code dir}: {@code surface.json} for a single worker, else {@code shards/shard-I-of-N.json}. */
    public static Path file(Path dir, SurfaceGrid.Shard shard) {
        if (shard.count() == 1) return dir.resolve("surface.json");
        return dir.resolve("shards").resolve(String.format(Locale.ROOT, "shard-%d-of-%d.json", shard.index(), shard.count()));
    }

    /** Reads every shard in {@code dir}/shards and returns the whole grid; throws, naming the problem, unless all are complete. */
    public static SurfaceGrid merge(Path dir) throws IOException {
        Path shards = dir.resolve("shards");
        if (!Files.isDirectory(shards)) throw new IllegalArgumentException("no shards/ directory in " + dir + " (run tessera landscape --shard i/N first)");
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(shards)) {
            s.filter(p -> p.getFileName().toString().matches("shard-\\d+-of-\\d+\\.json")).sorted().forEach(files::add);
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no shard files (shard-I-of-N.json) in " + shards);
        TreeMap<Integer, SurfaceGrid> byIndex = new TreeMap<>();
        int count = -1;
        SurfaceGrid first = null;
        for (Path f : files) {
            SurfaceGrid g = SurfaceGrid.parse(Files.readString(f), f.toString());
            if (count < 0) count = g.shard().count();
            if (g.shard().count() != count) throw new IllegalArgumentException(f + " is a shard of " + g.shard().count() + " workers, " + files.get(0) + " of " + count);
            if (first == null) first = g;
            else first.requireSameLandscape(g, f.toString());
            if (byIndex.put(g.shard().index(), g) != null) throw new IllegalArgumentException("shard " + g.shard() + " appears twice in " + shards);
        }
        for (int i = 0; i < count; i++) if (!byIndex.containsKey(i)) throw new IllegalArgumentException("shard " + i + "/" + count + " is missing from " + shards);
        SurfaceGrid whole = new SurfaceGrid(first.x(), first.y(), first.settings(), SurfaceGrid.Shard.WHOLE, first.fieldNames());
        for (SurfaceGrid g : byIndex.values()) {
            int missing = g.todo().size();
            if (missing > 0) throw new IllegalArgumentException("shard " + g.shard() + " has " + missing + " of its " + g.owned() + " points not computed yet");
            for (String field : whole.fieldNames()) {
                double[] src = g.field(field), dst = whole.field(field);
                for (int k = 0; k < dst.length; k++) if (g.shard().owns(k)) dst[k] = src[k];
            }
        }
        return whole;
    }
}
