// Computes the missing points of a landscape grid (or of one shard of it) and keeps the result on
// disk as it goes: the grid file is rewritten atomically after every point, so a killed worker loses
// at most the point it was computing and a restarted one skips what its file already holds.
package io.tessera.eval.landscape;

import io.tessera.eval.hessian.ProgressListener;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The on-disk life of one worker's grid. */
public final class GridRun {
    private GridRun() {
    }

    /**
     * The grid in {@code file} when it exists and is of the same landscape as {@code fresh} (resume), else
     * {@code fresh}; a file of another landscape (other axes, fields or settings) is refused, naming the
     * first difference, rather than mixed in.
     */
    public static SurfaceGrid openOrCreate(Path file, SurfaceGrid fresh) throws IOException {
        if (!Files.exists(file)) return fresh;
        SurfaceGrid old = SurfaceGrid.parse(Files.readString(file), file.toString());
        fresh.requireSameLandscape(old, file + " (delete it to start over)");
        if (!old.shard().equals(fresh.shard())) {
            throw new IllegalArgumentException(file + " belongs to shard " + old.shard() + ", this worker is " + fresh.shard());
        }
        return old;
    }

    /** Computes every point of {@code grid}'s shard not yet done, writing {@code file} after each; returns the points computed. */
    public static int run(SurfaceGrid grid, Path file, PointFunction f, ProgressListener progress) throws IOException {
        List<Integer> todo = grid.todo();
        int done = grid.owned() - todo.size(), total = grid.owned();
        if (!Files.exists(file)) AtomicFiles.writeString(file, grid.toJson());
        for (int k : todo) {
            grid.set(k, f.at(grid.alpha(k), grid.beta(k)));
            AtomicFiles.writeString(file, grid.toJson());
            progress.step("grid", ++done, total);
        }
        return todo.size();
    }
}
