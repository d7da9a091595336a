package io.tessera.tests.golden;

import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Loads golden files made by the PyTorch generators in {@code tests/reference/}. */
final class Golden {
    private Golden() {
    }

    static SafeTensors.Contents load(String name) {
        Path p = Path.of("reference", "golden", name);
        assertThat(Files.exists(p)).as("golden file %s (regenerate with tests/reference/*.py)", p.toAbsolutePath()).isTrue();
        try {
            return SafeTensors.read(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StTensor get(SafeTensors.Contents c, String name) {
        StTensor t = c.get(name);
        assertThat(t).as("tensor %s in golden file", name).isNotNull();
        return t;
    }

    static int[] ints(SafeTensors.Contents c, String name) {
        long[] l = get(c, name).toLongs();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = Math.toIntExact(l[i]);
        return out;
    }

    /**
     * Writes the golden gradients ({@code prefix + name}) into every trainable parameter's
     * gradient. Float32 parity tests take optimizer steps from these: the key part of a qkv bias
     * has an exactly-zero true gradient (softmax ignores a per-key constant), and Adam's first
     * step g/(|g| + eps) would turn float32 noise there into a full step.
     */
    static void useGoldenGradients(io.tessera.nn.ParameterStore store, SafeTensors.Contents c, String prefix) {
        for (io.tessera.nn.Parameter p : store.parameters()) {
            if (!p.trainable()) continue;
            double[] gd = get(c, prefix + p.name()).toDoubles();
            float[] gf = new float[gd.length];
            for (int i = 0; i < gf.length; i++) gf[i] = (float) gd[i];
            p.grad().backend().write(p.grad(), gf);
        }
    }

    /** Normwise relative error ‖a − b‖ / max(‖b‖, tiny). */
    static double relError(double[] a, double[] b) {
        assertThat(a).hasSameSizeAs(b);
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += b[i] * b[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
    }

    /** A tensor of the given dtype holding golden float64 values (rounded for F32). */
    static io.tessera.tensor.Tensor tensor(io.tessera.tensor.Ops ops, double[] v, io.tessera.tensor.DType dtype, int... dims) {
        if (dtype == io.tessera.tensor.DType.F64) return ops.tensor(v, dims);
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) v[i];
        return ops.tensor(f, dims);
    }
}
