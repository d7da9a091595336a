// The JSON form of a VitConfig, as the probe and fine-tune checkpoints record the network they hold:
// every field of the record, so a checkpoint rebuilds its model without the run that made it. Not a
// model registry; presets stay in VitConfig and MaeConfig.
package io.tessera.eval.downstream;

import io.tessera.nn.VitConfig;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@link VitConfig} ↔ a JSON object with timm's field names. */
public final class EncoderSpec {
    private EncoderSpec() {
    }

    /** Every field: image_size, patch_size, in_chans, embed_dim, depth, num_heads, mlp_ratio, qkv_bias, layer_norm_eps, pooling, pos_embed, num_classes, drop_path_rate. */
    public static Map<String, Object> toMap(VitConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image_size", (long) c.imageSize());
        m.put("patch_size", (long) c.patchSize());
        m.put("in_chans", (long) c.inChannels());
        m.put("embed_dim", (long) c.width());
        m.put("depth", (long) c.depth());
        m.put("num_heads", (long) c.heads());
        m.put("mlp_ratio", c.mlpRatio());
        m.put("qkv_bias", c.qkvBias());
        m.put("layer_norm_eps", c.layerNormEps());
        m.put("pooling", c.pooling().name().toLowerCase(Locale.ROOT));
        m.put("pos_embed", c.posEmbed().name().toLowerCase(Locale.ROOT));
        m.put("num_classes", (long) c.numClasses());
        m.put("drop_path_rate", c.dropPathRate());
        return m;
    }

    /** The config of {@link #toMap}; a missing or mistyped field is an IllegalArgumentException naming it. */
    public static VitConfig fromMap(Map<?, ?> m) {
        return new VitConfig(integer(m, "image_size"), integer(m, "patch_size"), integer(m, "in_chans"), integer(m, "embed_dim"),
                integer(m, "depth"), integer(m, "num_heads"), number(m, "mlp_ratio"), bool(m, "qkv_bias"), number(m, "layer_norm_eps"),
                VitConfig.Pooling.valueOf(text(m, "pooling").toUpperCase(Locale.ROOT)),
                VitConfig.PosEmbed.valueOf(text(m, "pos_embed").toUpperCase(Locale.ROOT)), integer(m, "num_classes"), number(m, "drop_path_rate"));
    }

    private static int integer(Map<?, ?> m, String k) {
        if (!(m.get(k) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException("model description needs an integer '" + k + "', found " + m.get(k));
        }
        return Math.toIntExact(n.longValue());
    }

    private static double number(Map<?, ?> m, String k) {
        if (!(m.get(k) instanceof Number n)) throw new IllegalArgumentException("model description needs a number '" + k + "', found " + m.get(k));
        return n.doubleValue();
    }

    private static boolean bool(Map<?, ?> m, String k) {
        if (!(m.get(k) instanceof Boolean b)) throw new IllegalArgumentException("model description needs a boolean '" + k + "', found " + m.get(k));
        return b;
    }

    private static String text(Map<?, ?> m, String k) {
        if (!(m.get(k) instanceof String s)) throw new IllegalArgumentException("model description needs a string '" + k + "', found " + m.get(k));
        if (!s.equals("cls") && !s.equals("mean") && !s.equals("fixed_sincos") && !s.equals("learnable")) {
            throw new IllegalArgumentException("model description has an unknown " + k + " '" + s + "'");
        }
        return s;
    }
}
