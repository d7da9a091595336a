package io.tessera.cli;

import io.tessera.nn.VisionTransformer;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.Split;
import io.tessera.tensor.ExecutionContext;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

// What a probe, k-NN or fine-tuning run starts from: a pre-training checkpoint rebuilt and verified
// (RunCheckpoint), the encoder of its evaluation role, and the train/test splits of the data with the
// normalisation pre-training used — checked against the encoder's input before anything runs.

/**
 * @param run     the pre-training run
 * @param encoder its evaluation encoder (inside the run's stores)
 * @param spec    the dataset spec
 */
record DownstreamSource(RunCheckpoint run, VisionTransformer encoder, String spec, Dataset train, Dataset test, Normalize normalize) {

    /** Opens {@code checkpoint} and the data ({@code data}, or the run's own); {@code classes} (nullable) must match the data. */
    static DownstreamSource open(ExecutionContext ctx, Path checkpoint, String data, Integer classes) throws IOException {
        RunCheckpoint run = RunCheckpoint.open(ctx, checkpoint);
        VisionTransformer enc = EvaluationEncoder.of(run.method());
        String spec = data != null ? data : run.data();
        Dataset train = Datasets.open(spec, Split.TRAIN), test = Datasets.open(spec, Split.TEST);
        var c = enc.config();
        for (Dataset d : new Dataset[] {train, test}) {
            if (d.height() != c.imageSize() || d.width() != c.imageSize() || d.channels() != c.inChannels()) {
                throw new IllegalArgumentException(d.name() + " has " + d.shapeString() + " images; the checkpoint's encoder takes "
                        + c.inChannels() + "×" + c.imageSize() + "×" + c.imageSize());
            }
        }
        if (train.numClasses() != test.numClasses()) {
            throw new IllegalArgumentException(train.name() + " has " + train.numClasses() + " classes but " + test.name() + " has " + test.numClasses());
        }
        if (classes != null && classes != train.numClasses()) {
            throw new IllegalArgumentException("--classes " + classes + " does not match the " + train.numClasses() + " classes of " + train.name());
        }
        if (train.numClasses() < 2) throw new IllegalArgumentException(train.name() + " has " + train.numClasses() + " class; classification needs at least 2");
        return new DownstreamSource(run, enc, spec, train, test, Recipes.normalizeFor(spec, train));
    }

    /** Where the encoder came from, for eval.json and the checkpoints' sidecars. */
    Map<String, Object> provenance() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checkpoint", run.base().toAbsolutePath().toString());
        m.put("weights_sha256", String.valueOf(run.sidecar().get("weights_sha256")));
        m.put("method", run.spec().method().toString());
        m.put("role", run.method().evaluationRole());
        m.put("model", run.spec().describe());
        m.put("pretrain_data", run.data());
        return m;
    }

    /** The data section of eval.json. */
    Map<String, Object> dataMap(String evalGeometry) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", spec);
        m.put("train", train.name());
        m.put("test", test.name());
        m.put("train_size", (long) train.size());
        m.put("test_size", (long) test.size());
        m.put("classes", (long) train.numClasses());
        m.put("normalize", io.tessera.eval.probe.ProbeCheckpoint.normalizeMap(normalize));
        m.put("eval_geometry", evalGeometry);
        return m;
    }
}
