// The second half of every checkpoint load: tensors of a file already matched to destinations,
// each converted to the destination's dtype and checked for finiteness, then written all at once.
// Nothing is written until every tensor of every store has passed, so a refused file never
// leaves a model half loaded.
package io.tessera.nn.checkpoint;

import io.tessera.tensor.DType;
import io.tessera.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Converted, checked values for destination tensors, written by {@link #apply()}. */
final class LoadPlan {
    private record Item(Tensor dst, float[] floats, double[] doubles) {
    }

    private final Path path;
    private final NonFinite nonFinite;
    private final Map<StTensor, StateDict.Entry> entries = new IdentityHashMap<>();
    private final List<Item> items = new ArrayList<>();

    LoadPlan(Path path, SafeTensors.Read read, NonFinite nonFinite) {
        this(path, StateDict.of(path, read), nonFinite);
    }

    LoadPlan(Path path, StateDict stateDict, NonFinite nonFinite) {
        this.path = path;
        this.nonFinite = nonFinite;
        for (StateDict.Entry e : stateDict.entries()) entries.put(e.tensor(), e);
    }

    /**
     * Converts {@code src} (a floating tensor of the file, same element count as {@code dst}) to
     * dst's dtype and, unless non-finite values are allowed, refuses it when any value is NaN or
     * infinite after the conversion.
     */
    void add(Tensor dst, StTensor src) {
        if (dst.dtype() == DType.F64) {
            double[] v = src.toDoubles();
            if (nonFinite == NonFinite.REFUSE) {
                for (int i = 0; i < v.length; i++) if (!Double.isFinite(v[i])) throw nonFinite(src, v[i], i, count(v));
            }
            items.add(new Item(dst, null, v));
        } else {
            float[] v = src.toFloats();
            if (nonFinite == NonFinite.REFUSE) {
                for (int i = 0; i < v.length; i++) if (!Float.isFinite(v[i])) throw nonFinite(src, v[i], i, count(v));
            }
            items.add(new Item(dst, v, null));
        }
    }

    /** Plans a BatchNorm counter of the file (an integer tensor) into its (1) float buffer, exactly or refused. */
    void addCounter(Tensor dst, StTensor src) {
        double n = BatchCounter.value(src, dst.dtype(), path, offset(src, 0));
        if (dst.dtype() == DType.F64) items.add(new Item(dst, null, new double[] {n}));
        else items.add(new Item(dst, new float[] {(float) n}, null));
    }

    /** Writes every planned tensor. */
    void apply() {
        for (Item it : items) {
            if (it.doubles != null) it.dst.backend().write(it.dst, it.doubles);
            else it.dst.backend().write(it.dst, it.floats);
        }
    }

    /** The file offset of element {@code element} of {@code t} (of its view's first element when not contiguous in the file). */
    private long offset(StTensor t, int element) {
        StateDict.Entry e = entries.get(t);
        if (e == null || e.fileOffset() < 0) return 0;
        return e.contiguousInFile() ? e.fileOffset() + (long) element * t.dtype().bytes() : e.fileOffset();
    }

    private CheckpointIntegrityException nonFinite(StTensor t, double value, int element, int total) {
        return new CheckpointIntegrityException(path, offset(t, element), CheckpointIntegrityException.Problem.NON_FINITE,
                "tensor \"" + t.name() + "\" " + t.dtype() + Arrays.toString(t.shape()) + " holds " + value + " at element " + element
                        + " (" + total + " non-finite value(s) in it); NaN or infinite weights usually mean the run diverged before"
                        + " this save — load with NonFinite.ALLOW to inspect them anyway");
    }

    private static int count(float[] v) {
        int n = 0;
        for (float x : v) if (!Float.isFinite(x)) n++;
        return n;
    }

    private static int count(double[] v) {
        int n = 0;
        for (double x : v) if (!Double.isFinite(x)) n++;
        return n;
    }
}
