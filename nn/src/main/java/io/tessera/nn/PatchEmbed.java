package io.tessera.nn;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

/**
 * Patch embedding: Conv2d(C, D, kernel = stride = P) computed as patch extraction followed by
 * a matrix product. The weight is stored as PyTorch's conv weight (D, C, P, P) and used
 * through its (D, C·P·P) view, so patches are extracted in the conv order (c, py, px) — not
 * MAE's patchify order (py, px, c). Output tokens are row-major over the grid: token k ↔ grid
 * row k / gw, column k mod gw.
 */
public final class PatchEmbed extends Module {
    private final int imageSize;
    private final int patch;
    private final int channels;
    private final int width;
    private final Parameter weight; // (D, C, P, P)
    private final Parameter bias;   // (D)

    /** Registers {@code prefix.proj.weight} (D, C, P, P) and {@code prefix.proj.bias} (D). */
    public PatchEmbed(ParameterStore store, String prefix, int imageSize, int patch, int channels, int width) {
        super(prefix);
        if (patch <= 0 || imageSize % patch != 0 || channels <= 0 || width <= 0) {
            throw new IllegalArgumentException("PatchEmbed " + prefix + ": image " + imageSize + " must be a multiple of patch " + patch
                    + " (channels " + channels + ", width " + width + ")");
        }
        this.imageSize = imageSize;
        this.patch = patch;
        this.channels = channels;
        this.width = width;
        this.weight = store.parameter(name("proj.weight"), Shape.of(width, channels, patch, patch));
        this.bias = store.parameter(name("proj.bias"), Shape.of(width));
    }

    /** Patches per side. */
    public int gridSize() { return imageSize / patch; }

    /** Number of patches L = (image / P)². */
    public int numPatches() { return gridSize() * gridSize(); }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    /** imgs (B, C, H, W) → tokens (B, L, D). */
    public Tensor forward(Ops ops, Tensor imgs) {
        if (imgs.rank() != 4 || imgs.dim(1) != channels || imgs.dim(2) != imageSize || imgs.dim(3) != imageSize) {
            throw new IllegalArgumentException("PatchEmbed " + prefix() + " expects images (B, " + channels + ", " + imageSize + ", " + imageSize
                    + "), got " + imgs.describe());
        }
        int b = imgs.dim(0), g = gridSize(), k = channels * patch * patch;
        Tensor x = ops.reshape(imgs, b, channels, g, patch, g, patch); // (B, C, gh, P, gw, P)
        x = ops.permute(x, 0, 2, 4, 1, 3, 5);                          // (B, gh, gw, C, P, P)
        x = ops.reshape(x, b, g * g, k);                                // (B, L, C·P·P)
        Tensor w = ops.reshape(weight.tensor(), width, k);              // (D, C·P·P)
        return ops.linear(x, w, bias.tensor());
    }

    /**
     * MAE init: weight xavier-uniform on its (D, C·P·P) view, bound √(6/(C·P² + D)); bias keeps
     * PyTorch's Conv2d default U(±1/√(C·P²)).
     */
    @Override
    public void init(Rng rng) {
        int k = channels * patch * patch;
        Init.xavierUniform(weight.tensor(), rng, width, k);
        Init.uniform(bias.tensor(), rng, 1 / Math.sqrt(k));
    }
}
