package io.tessera.tests.golden;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.optim.AdamW;
import io.tessera.nn.optim.Lars;
import io.tessera.nn.optim.Optimizer;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Optimizers over a parameter store against PyTorch: AdamW with MAE's decay groups (biases and
 * 1-D tensors undecayed, the 3-D cls token decayed) and MAE's LARS
 * (tests/reference/make_golden_optim_groups.py).
 */
class OptimizerGroupsGoldenTest {
    private static final Map<String, int[]> SHAPES = new LinkedHashMap<>();

    static {
        SHAPES.put("blocks.0.attn.qkv.weight", new int[]{6, 4});
        SHAPES.put("blocks.0.attn.qkv.bias", new int[]{6});
        SHAPES.put("cls_token", new int[]{1, 1, 4});
        SHAPES.put("norm.weight", new int[]{4});
    }

    enum Kind { ADAMW, LARS }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void trajectoryMatchesPyTorch(Kind kind) {
        SafeTensors.Contents g = Golden.load("optim_groups.safetensors");
        for (DType dtype : new DType[]{DType.F64, DType.F32}) {
            try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
                ParameterStore store = new ParameterStore();
                SHAPES.forEach((n, s) -> store.parameter(n, Shape.of(s)));
                store.allocate(ctx, dtype);
                SHAPES.keySet().forEach(n -> write(ctx, store.tensor(n), Golden.get(g, "init." + n).toDoubles()));
                Function<ParameterStore, Optimizer> make = kind == Kind.ADAMW
                        ? s -> AdamW.maePretrain(s) : s -> new Lars(s, 0.9, 1e-3, 0.001);
                Optimizer opt = make.apply(store);
                for (int step = 0; step < 3; step++) {
                    for (String n : SHAPES.keySet()) {
                        double[] all = Golden.get(g, "grads." + n).toDoubles();
                        int size = store.get(n).size();
                        write(ctx, store.grad(n), Arrays.copyOfRange(all, step * size, (step + 1) * size));
                    }
                    opt.step(kind == Kind.ADAMW ? 2e-2 : 0.5);
                }
                double tol = dtype == DType.F64 ? 1e-12 : 2e-6;
                for (String n : SHAPES.keySet()) {
                    double[] want = Golden.get(g, kind.name().toLowerCase() + "." + n).toDoubles();
                    double[] got = store.tensor(n).toDoubleArray();
                    for (int i = 0; i < want.length; i++) {
                        assertThat(got[i]).as("%s %s %s[%d]", kind, dtype, n, i).isCloseTo(want[i], within(tol));
                    }
                }
            }
        }
    }

    private static void write(ExecutionContext ctx, io.tessera.tensor.Tensor t, double[] v) {
        if (t.dtype() == DType.F64) {
            ctx.backend().write(t, v);
        } else {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            ctx.backend().write(t, f);
        }
    }
}
