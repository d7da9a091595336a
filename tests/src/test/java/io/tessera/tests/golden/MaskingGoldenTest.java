package io.tessera.tests.golden;

import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MAE's patchify and random masking against the PyTorch restatement of the official code
 * (tests/reference/make_golden_masking.py): ids exactly, values bit for bit (they are copies).
 */
class MaskingGoldenTest {
    private static ExecutionContext context(String backend) {
        return backend.equals("reference") ? ExecutionContext.reference(1) : ExecutionContext.cpu(2, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void patchifyAndMaskingMatchPyTorch(String backend) {
        SafeTensors.Contents g = Golden.load("masking.safetensors");
        try (ExecutionContext ctx = context(backend)) {
            Ops ops = ctx.ops();
            Tensor imgs = ops.tensor(Golden.get(g, "imgs").toFloats(), 3, 3, 16, 16);
            Tensor patches = ops.patchify(imgs, 4);
            assertThat(patches.shape().dims()).containsExactly(3, 16, 48);
            assertThat(patches.toFloatArray()).containsExactly(Golden.get(g, "patches").toFloats());

            MaskPlan plan = RandomMasking.fromNoise(ops, Golden.get(g, "noise").toFloats(), 3, 16, 0.75);
            assertThat(plan.kept()).isEqualTo(4);
            assertThat(plan.idsShuffle().toIntArray()).containsExactly(Golden.ints(g, "ids_shuffle"));
            assertThat(plan.idsRestore().toIntArray()).containsExactly(Golden.ints(g, "ids_restore"));
            assertThat(plan.idsKeep().toIntArray()).containsExactly(Golden.ints(g, "ids_keep"));
            assertThat(plan.mask().toFloatArray()).containsExactly(Golden.get(g, "mask").toFloats());
            assertThat(RandomMasking.keepVisible(ops, patches, plan).toFloatArray())
                    .containsExactly(Golden.get(g, "x_masked").toFloats());
        }
    }
}
