package io.tessera.eval.hessian;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {
    record Step(String stage, int done, int total) {
    }

    @Test
    void everyOperatorApplicationIsReported() {
        DenseOperator h = PowerIterationTest.random300();
        List<Step> steps = new ArrayList<>();
        ProgressListener record = (stage, done, total) -> steps.add(new Step(stage, done, total));

        PowerIterationResult p = PowerIteration.run(h, PowerIteration.Settings.pyHessian().withTopK(2), record);
        assertThat(steps).hasSize((int) p.operatorApplications());
        assertThat(steps.get(0)).isEqualTo(new Step("power λ1", 1, 100));
        assertThat(steps.get(steps.size() - 1)).isEqualTo(new Step("power λ2", p.iterations()[1], 100));

        steps.clear();
        Lanczos.run(h, Lanczos.Settings.defaults().withSteps(30), record);
        assertThat(steps).extracting(Step::done).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 30).boxed().toList());
        assertThat(steps).extracting(Step::stage).containsOnly("lanczos");

        steps.clear();
        TraceResult t = HutchinsonTrace.estimate(h, HutchinsonTrace.Settings.defaults(), record);
        assertThat(steps).hasSize(t.samples().length).allSatisfy(s -> assertThat(s.total()).isEqualTo(100));

        steps.clear();
        SpectralDensity.estimate(h, SpectralDensity.Settings.pyHessian().withSteps(10).withRuns(2), record);
        assertThat(steps).hasSize(20);
        assertThat(steps.get(10)).isEqualTo(new Step("density run 2/2", 1, 10));
    }
}
