/**
 * Neural-network building blocks on top of the {@code io.tessera.tensor.Ops} autograd facade:
 * the flat {@link io.tessera.nn.ParameterStore} (values, gradients, buffers as views of three
 * flat tensors), the {@link io.tessera.nn.Module} contract, layers (Linear, LayerNorm, Mlp,
 * Attention, DropPath, Block, PatchEmbed, BatchNorm1d), the 2-D sin-cos position table and the
 * {@link io.tessera.nn.VisionTransformer} with its {@link io.tessera.nn.VitConfig} presets.
 *
 * <p>Typical use: {@code VisionTransformer vit = VisionTransformer.create(ctx, VitConfig.tiny32().withClasses(10), DType.F32);}
 * then, in a scope with a tape, {@code tape.backward(loss)} and read {@code vit.store().grad("blocks.0.attn.qkv.weight")}.
 */
package io.tessera.nn;
