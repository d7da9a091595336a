package io.tessera.nn;

import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The flat store: views at offsets, gradient views, buffers, flags and misuse errors. */
class ParameterStoreTest {

    @Test
    void parametersAreViewsOfOneFlatBufferWithGradientViews() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            ParameterStore s = new ParameterStore();
            Parameter w = s.parameter("layer.weight", Shape.of(2, 3));
            Parameter b = s.parameter("layer.bias", Shape.of(2));
            Parameter rm = s.buffer("bn.running_mean", Shape.of(4));
            assertThat(w.offset()).isZero();
            assertThat(b.offset()).isEqualTo(6);
            assertThat(rm.offset()).isZero();
            assertThatThrownBy(w::tensor).hasMessageContaining("not allocated");
            s.allocate(ctx, DType.F32);

            Init.write(b.tensor(), new double[]{7, 8});
            float[] flat = s.values().toFloatArray();
            assertThat(flat).hasSize(8);
            assertThat(flat[6]).isEqualTo(7f);
            assertThat(flat[7]).isEqualTo(8f);

            assertThat(w.tensor().requiresGrad()).isTrue();
            assertThat(w.tensor().name()).isEqualTo("layer.weight");
            assertThat(w.tensor().grad()).isSameAs(w.grad());
            Init.write(w.grad(), new double[]{1, 2, 3, 4, 5, 6});
            assertThat(s.gradients().toFloatArray()[5]).isEqualTo(6f);
            s.zeroGrad();
            assertThat(s.gradients().toFloatArray()).containsOnly(0f);

            assertThat(rm.tensor().requiresGrad()).isFalse();
            assertThat(rm.grad()).isNull();
            assertThat(s.bufferValues().size()).isEqualTo(4);
            assertThat(s.tensor("layer.bias").toFloatArray()).containsExactly(7f, 8f);
        }
    }

    @Test
    void countsFlagsAndFreezing() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            ParameterStore s = new ParameterStore();
            Parameter a = s.parameter("a.weight", Shape.of(3, 3));
            s.parameter("a.bias", Shape.of(3));
            s.parameter("frozen", Shape.of(5), false, false);
            s.buffer("table", Shape.of(1, 4));
            assertThat(s.parameterCount()).isEqualTo(17);
            assertThat(s.trainableCount()).isEqualTo(12);
            assertThat(s.bufferCount()).isEqualTo(4);
            assertThat(s.names()).containsExactly("a.weight", "a.bias", "frozen", "table");
            assertThat(s.parameters()).extracting(Parameter::name).containsExactly("a.weight", "a.bias", "frozen");
            s.allocate(ctx, DType.F64);
            assertThat(s.dtype()).isEqualTo(DType.F64);
            assertThat(s.tensor("frozen").requiresGrad()).isFalse();
            a.setTrainable(false);
            assertThat(a.tensor().requiresGrad()).isFalse();
            assertThat(s.trainableCount()).isEqualTo(3);
            assertThatThrownBy(() -> s.get("table").setTrainable(true)).hasMessageContaining("table");
            assertThat(s.setTrainable(n -> n.startsWith("a."), true)).isEqualTo(2);
            assertThat(s.trainableCount()).isEqualTo(12);
            assertThat(s.setTrainable(n -> !n.equals("a.bias"), false)).isEqualTo(2);
            assertThat(s.trainableCount()).isEqualTo(3);
            assertThat(s.tensor("a.bias").requiresGrad()).isTrue();
        }
    }

    @Test
    void misuseIsReportedWithNames() {
        ParameterStore s = new ParameterStore();
        s.parameter("x.weight", Shape.of(2));
        assertThatThrownBy(() -> s.parameter("x.weight", Shape.of(3))).hasMessageContaining("x.weight").hasMessageContaining("twice");
        assertThatThrownBy(() -> s.buffer("x.weight", Shape.of(3))).hasMessageContaining("twice");
        assertThatThrownBy(() -> s.parameter("bad..name", Shape.of(3))).hasMessageContaining("bad..name");
        assertThatThrownBy(() -> s.get("nope")).hasMessageContaining("nope");
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            s.allocate(ctx, DType.F32);
            assertThatThrownBy(() -> s.parameter("late", Shape.of(1))).hasMessageContaining("already allocated");
            assertThatThrownBy(() -> s.allocate(ctx, DType.F32)).hasMessageContaining("already allocated");
            Tensor v = s.tensor("x.weight");
            assertThat(v.offset()).isZero();
        }
    }
}
