package io.tessera.eval.landscape;

// The landscape machinery on problems with known answers: a quadratic loss whose surface is known in
// closed form, filter/layer/weight normalisation and the rank-≤1 rules, PCA directions against an SVD
// of the whole difference matrix, convex regions of a bowl and a saddle, axes, grid files, shard merges
// and the refusals of each.

import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.nn.ParameterStore;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LandscapeCoreTest {
    @TempDir
    Path dir;

    /** L(θ) = Σ a ⊙ θ² over a (3, 4) weight and a (4) bias. */
    static final class Quadratic implements PretrainMethod {
        final ParameterStore store = new ParameterStore();
        final Tensor a;

        Quadratic(ExecutionContext ctx) {
            store.parameter("w", Shape.of(3, 4));
            store.parameter("b", Shape.of(4));
            store.allocate(ctx, DType.F64);
            Rng r = new Rng(4);
            double[] v = new double[16], c = new double[12];
            for (int i = 0; i < 16; i++) v[i] = r.nextGaussian();
            for (int i = 0; i < 12; i++) c[i] = 0.5 + i;
            store.values().backend().write(store.values(), v);
            a = ctx.ops().tensor(c, 3, 4);
        }

        public String name() { return "quadratic"; }
        public ParameterStore trainable() { return store; }
        public Map<String, ParameterStore> stores() { return Map.of("student", store); }
        public String evaluationRole() { return "student"; }
        public StepLosses forward(Ops ops, Batch batch, Rng rng) {
            Tensor l = ops.add(ops.sum(ops.mul(a, ops.square(store.tensor("w")))), ops.sum(ops.square(store.tensor("b"))));
            return new StepLosses(l, Map.of());
        }
        public void train(boolean on) { }
    }

    @Test
    void aQuadraticLossHasItsClosedFormSurface() {
        try (ExecutionContext ctx = ExecutionContext.reference(0)) {
            Quadratic q = new Quadratic(ctx);
            ParameterSelection sel = ParameterSelection.of(q.store, ParameterSelection.Rule.ALL_TRAINABLE);
            double[] w = sel.values();
            double[] dx = Directions.random(sel, w, 1, Normalization.FILTER, Directions.LowRank.IGNORE);
            double[] dy = Directions.random(sel, w, 2, Normalization.FILTER, Directions.LowRank.IGNORE);
            Tensor img = ctx.ops().zeros(Shape.of(1, 1, 1, 1), DType.F64);
            FrozenObjective obj = new FrozenObjective(q, List.of(new Batch(img, ctx.ops().indices(new int[1], 1))), 0, FrozenObjective.Terms.TASK, 0);
            double[] a = q.a.toDoubleArray();
            try (PerturbedWeights pw = new PerturbedWeights(sel, dx, dy)) {
                LossSurface s = new LossSurface(ctx, obj, pw);
                for (double al : new double[] {-1, -0.3, 0, 0.7}) {
                    for (double be : new double[] {-0.5, 0, 1}) {
                        double want = 0;
                        for (int i = 0; i < 16; i++) {
                            double t = w[i] + al * dx[i] + be * dy[i];
                            want += (i < 12 ? a[i] : 1) * t * t;
                        }
                        assertThat(s.at(al, be).get("loss")).isCloseTo(want, within(1e-12 * want));
                    }
                }
            }
            assertThat(sel.values()).containsExactly(w);
            // biases (rank 1) are not perturbed under biasbn: the bias part of L is constant along the plane
            for (int i = 12; i < 16; i++) assertThat(dx[i]).isZero();
        }
    }

    @Test
    void normalisationRules() {
        try (ExecutionContext ctx = ExecutionContext.reference(0)) {
            Quadratic q = new Quadratic(ctx);
            ParameterSelection sel = ParameterSelection.of(q.store, ParameterSelection.Rule.ALL_TRAINABLE);
            double[] w = sel.values();
            double[] f = Directions.random(sel, w, 9, Normalization.FILTER, Directions.LowRank.COPY);
            for (int row = 0; row < 3; row++) {
                assertThat(norm(f, row * 4, 4)).isCloseTo(norm(w, row * 4, 4), within(1e-6 * norm(w, row * 4, 4)));
            }
            for (int i = 12; i < 16; i++) assertThat(f[i]).isEqualTo((double) (float) w[i]); // the reference's copy rule (float32 values)
            double[] l = Directions.random(sel, w, 9, Normalization.LAYER, Directions.LowRank.IGNORE);
            assertThat(norm(l, 0, 12)).isCloseTo(norm(w, 0, 12), within(1e-6 * norm(w, 0, 12)));
            double[] raw = Directions.random(sel, w, 9, Normalization.NONE, Directions.LowRank.IGNORE);
            double[] e = Directions.random(sel, w, 9, Normalization.WEIGHT, Directions.LowRank.IGNORE);
            for (int i = 0; i < 12; i++) assertThat(e[i]).isCloseTo((float) (raw[i] * w[i]), within(1e-6));
            double[] u = Directions.random(sel, w, 9, Normalization.DFILTER, Directions.LowRank.IGNORE);
            assertThat(norm(u, 4, 4)).isCloseTo(1, within(1e-6));
            // every direction is float32-valued: saving it as F32 loses nothing
            for (double v : f) assertThat((double) (float) v).isEqualTo(v);
            assertThat(Directions.cosine(f, f)).isCloseTo(1, within(1e-12));
        }
    }

    private static double norm(double[] v, int from, int len) {
        double s = 0;
        for (int i = from; i < from + len; i++) s += v[i] * v[i];
        return Math.sqrt(s);
    }

    @Test
    void pcaDirectionsMatchAnSvdOfTheWholeDifferenceMatrix() {
        try (ExecutionContext ctx = ExecutionContext.reference(0)) {
            Quadratic q = new Quadratic(ctx);
            ParameterSelection sel = ParameterSelection.of(q.store, ParameterSelection.Rule.ALL_TRAINABLE);
            Rng r = new Rng(17);
            List<double[]> thetas = new ArrayList<>();
            double[] last = sel.values();
            for (int t = 0; t < 6; t++) {
                double[] th = last.clone();
                for (int i = 0; i < th.length; i++) th[i] += (6 - t) * (i % 3 == 0 ? 1.0 : 0.2) * r.nextGaussian();
                thetas.add(th);
            }
            Trajectory tr = Trajectory.of(sel, thetas, last, Directions.LowRank.IGNORE);
            // reference: centred differences with rank-≤1 tensors zeroed, full SVD
            DMatrixRMaj m = new DMatrixRMaj(6, 16);
            double[] mean = new double[16];
            for (int t = 0; t < 6; t++) for (int i = 0; i < 12; i++) mean[i] += (thetas.get(t)[i] - last[i]) / 6;
            for (int t = 0; t < 6; t++) for (int i = 0; i < 12; i++) m.set(t, i, thetas.get(t)[i] - last[i] - mean[i]);
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(6, 16, false, true, false);
            assertThat(svd.decompose(m)).isTrue();
            double[] s = svd.getSingularValues().clone();
            DMatrixRMaj vt = svd.getV(null, true);
            Integer[] order = {0, 1, 2, 3, 4, 5};
            java.util.Arrays.sort(order, (x, y) -> Double.compare(s[y], s[x]));
            double total = 0;
            for (double v : s) total += v * v;
            for (int j = 0; j < 2; j++) {
                double[] pc = j == 0 ? tr.pc1() : tr.pc2();
                double dot = 0;
                for (int i = 0; i < 16; i++) dot += pc[i] * vt.get(order[j], i);
                assertThat(Math.abs(dot)).as("|cos(PC%d, SVD)|", j + 1).isCloseTo(1, within(1e-6));
                assertThat(tr.singular()[j]).isCloseTo(s[order[j]], within(1e-9 * s[order[j]]));
                assertThat(tr.explained()[j]).isCloseTo(s[order[j]] * s[order[j]] / total, within(1e-9));
            }
            assertThat(tr.axisLabel(0)).matches("1st PC: \\d+\\.\\d\\d %");
            assertThatThrownBy(() -> Trajectory.of(sel, thetas.subList(0, 2), last, Directions.LowRank.IGNORE)).hasMessageContaining("at least 3");
        }
    }

    private static SurfaceGrid bowl(Axis x, Axis y, double sign) {
        SurfaceGrid g = new SurfaceGrid(x, y, Map.of("k", "v"), SurfaceGrid.Shard.WHOLE, List.of("loss", "ratio"));
        for (int k = 0; k < g.points(); k++) {
            double a = g.alpha(k), b = g.beta(k);
            g.set(k, Map.of("loss", a * a + sign * 2 * b * b, "ratio", Math.hypot(a, b)));
        }
        return g;
    }

    @Test
    void convexRegions() {
        SurfaceGrid g = bowl(new Axis(-1, 1, 11), new Axis(-1, 1, 9), 1);
        assertThat(ConvexRegion.bySurfaceCurvature(g, "loss").fraction()).isEqualTo(1.0);
        assertThat(ConvexRegion.bySurfaceCurvature(bowl(new Axis(-1, 1, 11), new Axis(-1, 1, 9), -1), "loss").fraction()).isZero();
        // the points within 0.5 of the origin (ratio field = distance), one connected disc
        ConvexRegion disc = ConvexRegion.byEigenRatio(g, "ratio", 0.5);
        int inside = 0;
        for (int k = 0; k < g.points(); k++) if (Math.hypot(g.alpha(k), g.beta(k)) <= 0.5) inside++;
        assertThat(disc.fraction()).isEqualTo(inside / (double) g.points());
        assertThat(disc.test()).contains("≤ 0.5");
        assertThatThrownBy(() -> ConvexRegion.byEigenRatio(g, "ratio", -1)).hasMessageContaining("threshold");
    }

    @Test
    void axesParseAndRefuse() {
        Axis a = Axis.parse("-1:1:51");
        assertThat(a.at(0)).isEqualTo(-1);
        assertThat(a.at(50)).isEqualTo(1);
        assertThat(a.at(25)).isCloseTo(0, within(1e-15));
        assertThat(a.nearestZero()).isEqualTo(25);
        assertThatThrownBy(() -> Axis.parse("1:-1:0")).hasMessageContaining("at least one point");
        assertThatThrownBy(() -> Axis.parse("1:-1:5")).hasMessageContaining("max > min");
        assertThatThrownBy(() -> Axis.parse("-1:1")).hasMessageContaining("min:max:num");
        assertThatThrownBy(() -> Axis.parse("a:1:3")).hasMessageContaining("numbers");
    }

    @Test
    void gridFilesRoundTripExactlyAndShardsMergeIntoTheWholeGrid() throws Exception {
        Axis x = new Axis(-1, 1, 7), y = new Axis(-0.5, 0.5, 5);
        SurfaceGrid whole = bowl(x, y, 1);
        SurfaceGrid back = SurfaceGrid.parse(whole.toJson(), "mem");
        assertThat(back.field("loss")).containsExactly(whole.field("loss"));
        for (int i = 0; i < 3; i++) {
            SurfaceGrid.Shard s = new SurfaceGrid.Shard(i, 3);
            SurfaceGrid part = new SurfaceGrid(x, y, Map.of("k", "v"), s, List.of("loss", "ratio"));
            PointFunction f = (a, b) -> Map.of("loss", a * a + 2 * b * b, "ratio", Math.hypot(a, b));
            Files.createDirectories(ShardMerge.file(dir, s).getParent());
            GridRun.run(part, ShardMerge.file(dir, s), f, (st, d, t) -> { });
        }
        SurfaceGrid merged = ShardMerge.merge(dir);
        assertThat(merged.field("loss")).containsExactly(whole.field("loss"));
        assertThat(merged.field("ratio")).containsExactly(whole.field("ratio"));
        // refusals: a corrupt shard, an incomplete one, another landscape, a missing one
        Path s1 = ShardMerge.file(dir, new SurfaceGrid.Shard(1, 3));
        String good = Files.readString(s1);
        Files.writeString(s1, good.substring(0, good.length() / 2));
        assertThatThrownBy(() -> ShardMerge.merge(dir)).hasMessageContaining("not valid JSON");
        SurfaceGrid incomplete = new SurfaceGrid(x, y, Map.of("k", "v"), new SurfaceGrid.Shard(1, 3), List.of("loss", "ratio"));
        Files.writeString(s1, incomplete.toJson());
        assertThatThrownBy(() -> ShardMerge.merge(dir)).hasMessageContaining("not computed yet");
        Files.writeString(s1, new SurfaceGrid(x, y, Map.of("k", "other"), new SurfaceGrid.Shard(1, 3), List.of("loss", "ratio")).toJson());
        assertThatThrownBy(() -> ShardMerge.merge(dir)).hasMessageContaining("other settings");
        Files.delete(s1);
        assertThatThrownBy(() -> ShardMerge.merge(dir)).hasMessageContaining("shard 1/3 is missing");
        // resuming a file of another landscape is refused
        Path single = dir.resolve("single.json");
        Files.writeString(single, whole.toJson());
        assertThatThrownBy(() -> GridRun.openOrCreate(single, new SurfaceGrid(x, new Axis(-1, 1, 5), Map.of("k", "v"), SurfaceGrid.Shard.WHOLE, List.of("loss", "ratio"))))
                .hasMessageContaining("axes");
        assertThat(GridRun.openOrCreate(single, new SurfaceGrid(x, y, Map.of("k", "v"), SurfaceGrid.Shard.WHOLE, List.of("loss", "ratio"))).todo()).isEmpty();
    }

    @Test
    void directionFilesRoundTripAndRefuseAnotherModel() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.reference(0)) {
            Quadratic q = new Quadratic(ctx);
            ParameterSelection sel = ParameterSelection.of(q.store, ParameterSelection.Rule.ALL_TRAINABLE);
            double[] w = sel.values();
            double[] dx = Directions.random(sel, w, 1, Normalization.FILTER, Directions.LowRank.IGNORE);
            double[] dy = Directions.random(sel, w, 2, Normalization.FILTER, Directions.LowRank.IGNORE);
            Path f = dir.resolve("d.safetensors");
            new DirectionFile(List.of(dx, dy), Map.of("seed", "1")).write(f, sel);
            DirectionFile back = DirectionFile.read(f, sel);
            assertThat(back.directions().get(0)).containsExactly(dx);
            assertThat(back.directions().get(1)).containsExactly(dy);
            ParameterStore other = new ParameterStore();
            other.parameter("w", Shape.of(3, 5));
            other.parameter("b", Shape.of(4));
            other.allocate(ctx, DType.F64);
            assertThatThrownBy(() -> DirectionFile.read(f, ParameterSelection.of(other, ParameterSelection.Rule.ALL_TRAINABLE)))
                    .hasMessageContaining("shape");
        }
    }
}
