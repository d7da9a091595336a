// Saved landscape directions: one safetensors file holding the x (and y) direction as F32 tensors named
// "x.<parameter>" / "y.<parameter>", with how they were made in the metadata (kind, seeds,
// normalisation, low-rank rule, the selection). Loading checks every name and shape against the model.
package io.tessera.eval.landscape;

import io.tessera.eval.objective.ParameterSelection;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.StTensor;
import io.tessera.tensor.Shape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The directions of a landscape and their provenance. */
public record DirectionFile(List<double[]> directions, Map<String, String> metadata) {
    private static final String[] AXES = {"x", "y"};

    public DirectionFile {
        if (directions.isEmpty() || directions.size() > 2) throw new IllegalArgumentException("a landscape has one or two directions, got " + directions.size());
        directions = List.copyOf(directions);
        metadata = Map.copyOf(metadata);
    }

    public void write(Path path, ParameterSelection sel) throws IOException {
        List<StTensor> ts = new ArrayList<>();
        for (int a = 0; a < directions.size(); a++) {
            double[] d = directions.get(a);
            sel.requireLayout(d, AXES[a] + " direction");
            for (ParameterSelection.Entry e : sel.entries()) {
                float[] f = new float[e.size()];
                for (int i = 0; i < f.length; i++) f[i] = (float) d[e.offset() + i];
                ts.add(StTensor.ofFloats(AXES[a] + "." + e.name(), StDType.F32, longs(e.parameter().shape()), f));
            }
        }
        SafeTensors.write(path, ts, metadata);
    }

    /** Reads directions saved for this selection; a file of another model or selection is refused, naming the first mismatch. */
    public static DirectionFile read(Path path, ParameterSelection sel) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(path);
        List<double[]> dirs = new ArrayList<>();
        for (String axis : AXES) {
            boolean any = c.tensors().stream().anyMatch(t -> t.name().startsWith(axis + "."));
            if (!any) break;
            double[] d = new double[sel.dimension()];
            int matched = 0;
            for (ParameterSelection.Entry e : sel.entries()) {
                StTensor t = c.get(axis + "." + e.name());
                if (t == null) throw new IllegalArgumentException(path + ": no " + axis + " direction for " + e.name() + " — the file is for another model or parameter set");
                if (!Arrays.equals(t.intShape(), e.parameter().shape().dims())) {
                    throw new IllegalArgumentException(path + ": " + axis + "." + e.name() + " has shape " + Arrays.toString(t.intShape()) + ", the model's is "
                            + e.parameter().shape());
                }
                double[] v = t.toDoubles();
                for (int i = 0; i < v.length; i++) {
                    if (!Double.isFinite(v[i])) throw new IllegalArgumentException(path + ": " + axis + "." + e.name() + " holds a non-finite value at " + i);
                }
                System.arraycopy(v, 0, d, e.offset(), v.length);
                matched++;
            }
            long inFile = c.tensors().stream().filter(t -> t.name().startsWith(axis + ".")).count();
            if (inFile != matched) throw new IllegalArgumentException(path + ": holds " + inFile + " " + axis + " tensors, the model has " + matched + " — another model");
            dirs.add(d);
        }
        if (dirs.isEmpty()) throw new IllegalArgumentException(path + " holds no landscape direction (tensors named x.<parameter>)");
        return new DirectionFile(dirs, new LinkedHashMap<>(c.metadata()));
    }

    private static long[] longs(Shape s) {
        long[] l = new long[s.rank()];
        for (int i = 0; i < l.length; i++) l[i] = s.dim(i);
        return l;
    }
}
