package io.tessera.ssl.train;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.optim.LrRule;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.data.ColorJitter;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.HorizontalFlip;
import io.tessera.ssl.data.Image;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.RandomResizedCrop;
import io.tessera.ssl.data.Sample;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.lut.Lut;
import io.tessera.ssl.lut.LutConfig;
import io.tessera.ssl.lut.LutMethod;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.rcmae.RcMae;
import io.tessera.ssl.rcmae.RcMaeMethod;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.ssl.simmim.LutSimMim;
import io.tessera.ssl.simmim.LutSimMimConfig;
import io.tessera.ssl.simmim.LutSimMimMethod;
import io.tessera.ssl.simmim.SimMim;
import io.tessera.ssl.simmim.SimMimConfig;
import io.tessera.ssl.simmim.SimMimMethod;
import io.tessera.ssl.supervised.SupervisedMethod;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.dist.InProcessGroup;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every method, trained by two ranks (two threads of one JVM, {@link InProcessGroup}) at batch 8
 * against one process at batch 16 for three steps: MAE and RC-MAE (masks from the rows of the
 * global noise; RC-MAE's EMA teacher with the student's mask and with an independent one), LUT and
 * LUT-SimMIM (two augmented views, masks from the rows of the global noise, SyncBatchNorm heads), SimMIM (cell permutations) and the supervised ViT with drop path. The
 * networks run in float64 (images cast), so that what is compared is the algorithm, not float32
 * rounding that AdamW's normalisation amplifies: losses and weights agree to 1e-12, except the
 * attention key biases (their gradient is zero but for rounding, so AdamW moves them by up to a
 * step either way), and except SimMIM's 1e-5 in its loss denominator, which each rank adds to its
 * own masked-pixel count as in the official DDP code (a relative 1e-5·(1 − 1/W)/(masked pixels of
 * a rank) ≈ 3e-9 on L_rec; weights to 1e-6 where L_rec and L_bc meet in LUT-SimMIM). Both ranks end
 * bit for bit alike. The float32 check over MPI is {@code PretrainDataParallelTest}.
 */
class DataParallelMethodsTest {
    private static final int STEPS = 3, GLOBAL = 16;
    private static final double BLR = 2e-2, LR = BLR * GLOBAL / 256; // the linear rule
    private static final MaeConfig MODEL = MaeConfig.micro16();

    @TempDir
    Path dir;

    enum Kind { MAE, RC_MAE, RC_MAE_INDEPENDENT_MASK, LUT, LUT_SIMMIM, SIMMIM, SUPERVISED_DROP_PATH }

    private record Trained(List<Double> losses, double[] weights, double[] buffers, List<Parameter> parameters) {
    }

    /** 48 smooth 3 × 16 × 16 patterns with five labels. */
    private static Dataset patterns() {
        return new Dataset() {
            public int size() { return 48; }
            public int channels() { return 3; }
            public int height() { return 16; }
            public int width() { return 16; }
            public int numClasses() { return 5; }
            public Optional<List<String>> classNames() { return Optional.empty(); }
            public String name() { return "patterns"; }
            public Sample get(int i) {
                checkIndex(i);
                Rng r = new Rng(i);
                double fx = 0.3 + r.nextDouble(), fy = 0.3 + r.nextDouble(), ph = 6.283 * r.nextDouble();
                float[] d = new float[3 * 16 * 16];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 16; y++) {
                        for (int x = 0; x < 16; x++) d[(c * 16 + y) * 16 + x] = (float) (0.5 + 0.4 * Math.sin(fx * x + ph + c) * Math.cos(fy * y - ph));
                    }
                }
                return new Sample(new Image(3, 16, 16, d), i % 5);
            }
        };
    }

    /** {@code m} on batches whose views are cast to float64 (m's networks are built in float64). */
    private record InDouble(PretrainMethod m) implements PretrainMethod {
        public String name() { return m.name(); }
        public ParameterStore trainable() { return m.trainable(); }
        public Map<String, ParameterStore> stores() { return m.stores(); }
        public String evaluationRole() { return m.evaluationRole(); }
        public StepLosses forward(Ops ops, Batch b, Rng rng) {
            List<Tensor> extra = b.extraViews().stream().map(t -> ops.cast(t, DType.F64)).toList();
            return m.forward(ops, new Batch(ops.cast(b.images(), DType.F64), b.labels(), extra, b.firstSample(), b.globalSize()), rng);
        }
        public boolean drawsRowsFromFirstSample() { return m.drawsRowsFromFirstSample(); }
        public void useProcessGroup(Collective g) { m.useProcessGroup(g); }
        public void afterOptimizerStep(long it) { m.afterOptimizerStep(it); }
        public void train(boolean on) { m.train(on); }
    }

    private static PretrainMethod build(Kind kind, ExecutionContext ctx) {
        return new InDouble(networks(kind, ctx));
    }

    private static PretrainMethod networks(Kind kind, ExecutionContext ctx) {
        MomentumSchedule momentum = MomentumSchedule.cosine(0.996, STEPS);
        var encoder = MODEL.encoder();
        return switch (kind) {
            case MAE -> new MaeMethod(MaskedAutoencoder.create(ctx, MODEL, DType.F64));
            case RC_MAE -> new RcMaeMethod(RcMae.create(ctx, MODEL, DType.F64, 1.0, RcMae.TeacherMask.SAME), momentum);
            case RC_MAE_INDEPENDENT_MASK -> new RcMaeMethod(RcMae.create(ctx, MODEL, DType.F64, 1.0, RcMae.TeacherMask.INDEPENDENT), momentum);
            case LUT -> new LutMethod(Lut.create(ctx, new LutConfig(MODEL, 48, 1.0, 0.25), DType.F64), momentum);
            case LUT_SIMMIM -> new LutSimMimMethod(LutSimMim.create(ctx, new LutSimMimConfig(new SimMimConfig(encoder, 8, 0.6), 48, 1.0, 0.25), DType.F64), momentum);
            case SIMMIM -> new SimMimMethod(SimMim.create(ctx, new SimMimConfig(encoder, 8, 0.6), DType.F64));
            case SUPERVISED_DROP_PATH -> new SupervisedMethod(VisionTransformer.create(ctx, encoder.withClasses(5).withDropPath(0.3), DType.F64), 0.1);
        };
    }

    private static List<Transform> views(Kind kind) {
        Transform view1 = Transform.compose(RandomResizedCrop.maePretrain(16), HorizontalFlip.half(), Normalize.imagenet());
        if (kind != Kind.LUT && kind != Kind.LUT_SIMMIM) return List.of(view1);
        return List.of(view1, Transform.compose(RandomResizedCrop.maePretrain(16), HorizontalFlip.half(), ColorJitter.lut(), Normalize.imagenet()));
    }

    /** One rank of {@code group} at batch {@code GLOBAL / W} for three steps; its losses, weights and buffers. */
    private Trained train(Kind kind, Collective group, Path out) throws IOException {
        int world = group.worldSize();
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 5);
             LoaderSource src = new LoaderSource(patterns(), views(kind), new Rng(11).split("data"), GLOBAL / world, 0, ctx.ops(), group.rank(), world)) {
            PretrainMethod m = build(kind, ctx);
            TrainerConfig cfg = new TrainerConfig(1, 0, BLR, LrRule.LINEAR, 0, 0.05, 0.95, 1, 3.0, 0, STEPS, out, 42);
            Trainer t = new Trainer(ctx, m, src, cfg, Map.of(), new PrintStream(new ByteArrayOutputStream()), false, group);
            List<Double> losses = t.run().losses();
            var store = m.trainable();
            return new Trained(losses, store.values().toDoubleArray(), store.bufferCount() > 0 ? store.bufferValues().toDoubleArray() : new double[0],
                    store.parameters());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoRanksAtBatch8TrainAsOneProcessAtBatch16(Kind kind) throws IOException {
        Trained one = train(kind, Collective.single(), dir.resolve("one"));
        List<Trained> two = InProcessGroup.run(2, g -> train(kind, g, dir.resolve("rank" + g.rank())));
        assertThat(two.get(1).weights()).as("both ranks apply the same all-reduced step").containsExactly(two.get(0).weights());
        assertThat(two.get(1).buffers()).as("BatchNorm's running statistics are the group's on every rank").containsExactly(two.get(0).buffers());
        Trained r0 = two.get(0);
        boolean simmimLoss = kind == Kind.SIMMIM || kind == Kind.LUT_SIMMIM;
        double lossTol = simmimLoss ? 1e-8 : 1e-12, weightTol = kind == Kind.LUT_SIMMIM ? 1e-6 : 1e-12;
        assertThat(r0.losses()).hasSize(STEPS);
        for (int i = 0; i < STEPS; i++) {
            double a = one.losses().get(i);
            assertThat(r0.losses().get(i)).as("%s loss of step %d", kind, i + 1).isCloseTo(a, within(lossTol * Math.abs(a)));
        }
        double worst = 0, keyBias = 0;
        String where = "";
        for (Parameter p : one.parameters()) {
            boolean qkvBias = p.name().endsWith(".qkv.bias");
            for (int i = 0; i < p.size(); i++) {
                double d = Math.abs(one.weights()[p.offset() + i] - r0.weights()[p.offset() + i]);
                if (qkvBias && i >= p.size() / 3 && i < 2 * p.size() / 3) {
                    keyBias = Math.max(keyBias, d);
                } else if (d > worst) {
                    worst = d;
                    where = p.name() + "[" + i + "]";
                }
            }
        }
        assertThat(worst).as("%s: largest weight difference, at %s", kind, where).isLessThan(weightTol);
        assertThat(keyBias).isLessThanOrEqualTo(2 * STEPS * LR * 1.01);
        assertThat(r0.buffers()).as("%s buffers", kind).containsExactly(one.buffers(), within(weightTol));
    }
}
