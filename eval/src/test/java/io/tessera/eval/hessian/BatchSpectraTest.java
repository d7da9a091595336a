package io.tessera.eval.hessian;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class BatchSpectraTest {
    @Test
    void collectsTopKOfEveryBatchIntoAHistogram() {
        List<DenseOperator> batches = new ArrayList<>();
        for (int b = 0; b < 6; b++) batches.add(DenseOperator.withSpectrum(b, 10 + b, 6 + b, 3, 2, 1, 0.5));
        BatchSpectra.Settings s = new BatchSpectra.Settings(new PowerIteration.Settings(2, 500, 1e-12, 100), 4);
        List<String> stages = new ArrayList<>();
        BatchSpectraResult r = BatchSpectra.collect(batches, s, (stage, done, total) -> { if (stage.equals("batches")) stages.add(done + "/" + total); });
        assertThat(r.perBatch()).hasSize(6);
        for (int b = 0; b < 6; b++) {
            assertThat(r.perBatch().get(b).eigenvalues()).containsExactly(new double[]{10 + b, 6 + b}, within(1e-8));
            assertThat(r.perBatch().get(b).settings().seed()).isEqualTo(100 + b);
        }
        assertThat(r.topValues()).containsExactly(new double[]{10, 11, 12, 13, 14, 15}, within(1e-8));
        assertThat(r.values()).hasSize(12);
        assertThat(r.histogram().total()).isEqualTo(12);
        assertThat(r.histogram().lo()).isCloseTo(6, within(1e-8));
        assertThat(r.histogram().hi()).isCloseTo(15, within(1e-8));
        // values 6..11 and 10..15 in 4 bins of width 2.25: {6,7,8} {9,10,10} {11,11,12} {13,14,15}
        assertThat(r.histogram().counts()).containsExactly(3, 3, 3, 3);
        assertThat(stages).containsExactly("1/6", "2/6", "3/6", "4/6", "5/6", "6/6");
        assertThat(r.convergedBatches()).isEqualTo(6);
    }

    @Test
    void histogramBinsAndEdges() {
        Histogram h = Histogram.of(new double[]{0, 1, 2, 3, 4}, 2);
        assertThat(h.counts()).containsExactly(2, 3); // [0,2) and [2,4], last bin closed
        assertThat(h.binWidth()).isEqualTo(2);
        Histogram single = Histogram.of(new double[]{5, 5, 5}, 3);
        assertThat(single.total()).isEqualTo(3);
        assertThat(single.hi()).isGreaterThan(single.lo());
        assertThatThrownBy(() -> Histogram.of(new double[]{1, Double.NaN}, 2)).hasMessageContaining("histogram values");
    }

    @Test
    void badBatchIsNamed() {
        List<SymmetricOperator> batches = List.of(DenseOperator.diagonal(1, 2, 3, 4, 5), Operators.nanAfter(1, 5));
        assertThatThrownBy(() -> BatchSpectra.collect(batches, BatchSpectra.Settings.parkKim().withBins(3)))
                .isInstanceOf(NonFiniteOperatorException.class).hasMessageContaining("batch 1");
        assertThatThrownBy(() -> BatchSpectra.collect(List.of(), BatchSpectra.Settings.parkKim())).hasMessageContaining("no batches");
        assertThatThrownBy(() -> BatchSpectra.collect(List.of(DenseOperator.diagonal(1, 2)), BatchSpectra.Settings.parkKim()))
                .hasMessageContaining("batch 0").hasMessageContaining("topK 5 exceeds the dimension 2");
    }
}
