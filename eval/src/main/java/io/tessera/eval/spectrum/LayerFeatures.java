package io.tessera.eval.spectrum;

// Feeds per-layer pooled features of an encoder into one GramAccumulator per layer, batch by batch,
// in one streaming pass per batch (EncoderPass): each layer's tokens are pooled on the device and
// only the (B, K) features come to the host. Runs in inference mode; not a data loader.

import io.tessera.eval.features.EncoderPass;
import io.tessera.nn.VisionTransformer;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Accumulates the features of several layers of one encoder. */
public final class LayerFeatures {
    private final VisionTransformer encoder;
    private final TokenPooling pooling;
    private final Map<FeatureLayer, GramAccumulator> grams = new LinkedHashMap<>();
    private final int lastBlock;

    /**
     * @param layers the layers to accumulate (checked against the encoder's depth)
     */
    public LayerFeatures(VisionTransformer encoder, List<FeatureLayer> layers, TokenPooling pooling) {
        if (layers.isEmpty()) throw new IllegalArgumentException("no layer to take features from");
        this.encoder = encoder;
        this.pooling = pooling;
        int depth = encoder.config().depth(), last = 0;
        for (FeatureLayer l : layers) {
            l.check(depth);
            grams.put(l, new GramAccumulator(encoder.config().width()));
            last = Math.max(last, l.isFinal() ? depth - 1 : l.block());
        }
        this.lastBlock = last;
    }

    /** Adds a batch imgs (B, C, H, W), normalised as the encoder was trained; opens its own scope. */
    public void add(Ops ops, Tensor imgs) {
        boolean training = encoder.isTraining();
        encoder.eval();
        try (Scope s = ops.context().openScope()) {
            EncoderPass.run(ops, encoder, imgs, lastBlock, new EncoderPass.Visitor() {
                @Override
                public void block(int index, Tensor tokens, Tensor probs) {
                    GramAccumulator g = grams.get(FeatureLayer.ofBlock(index));
                    if (g != null) take(ops, g, tokens);
                }

                @Override
                public void output(Tensor tokens) {
                    GramAccumulator g = grams.get(FeatureLayer.output());
                    if (g != null) take(ops, g, tokens);
                }
            });
        } finally {
            encoder.train(training);
        }
    }

    private void take(Ops ops, GramAccumulator g, Tensor tokens) {
        Tensor z = pooling.pool(ops, tokens);                             // (B, K)
        g.add(z.toFloatArray(), z.dim(0));
        ops.drop(z);
    }

    /** N so far (the same for every layer). */
    public long count() {
        return grams.values().iterator().next().count();
    }

    /** The layers, in order. */
    public List<FeatureLayer> layers() {
        return List.copyOf(grams.keySet());
    }

    /** The accumulator of one layer. */
    public GramAccumulator gram(FeatureLayer layer) {
        GramAccumulator g = grams.get(layer);
        if (g == null) throw new IllegalArgumentException("layer " + layer.label() + " was not accumulated");
        return g;
    }

    /** One spectrum per layer, labelled {@code label}. */
    public List<SpectrumResult> spectra(String label, FeatureSpectrum.Settings settings) {
        List<SpectrumResult> out = new ArrayList<>();
        for (Map.Entry<FeatureLayer, GramAccumulator> e : grams.entrySet()) {
            out.add(FeatureSpectrum.compute(label, e.getKey(), pooling, e.getValue(), settings));
        }
        return out;
    }
}
