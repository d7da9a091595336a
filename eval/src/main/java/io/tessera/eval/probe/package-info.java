/**
 * MAE's linear probe (main_linprobe.py): {@link io.tessera.eval.probe.LinearHead} is
 * {@code Sequential(BatchNorm1d(D, affine=False, eps=1e-6), Linear(D, V))} with the weight drawn from
 * timm's trunc_normal_(std 0.01); {@link io.tessera.eval.probe.LinearProbe} trains it with LARS
 * (momentum 0.9, trust 0.001, weight decay 0, 1-D tensors exempt), lr = blr·B/256 under MAE's
 * per-iteration warm-up and cosine, on cached features or on features of augmented images, and reports
 * test top-1/top-5 per epoch. {@link io.tessera.eval.probe.ProbeCheckpoint} saves encoder + head as
 * a verified safetensors checkpoint with a self-describing sidecar; {@link io.tessera.eval.probe.ProbedModel}
 * is what it rebuilds, e.g. for the probe's loss landscape:
 *
 * <pre>{@code
 * ProbedModel probe = ProbeCheckpoint.load(ctx, Path.of("runs/x/probe-linear/probe"));
 * Tensor loss = probe.crossEntropy(ops, images, labels);   // images normalised with probe.normalize()
 * ParameterStore encoderWeights = probe.encoder().store(), head = probe.head().store();
 * }</pre>
 *
 * <p>LARS moves the head by about lr·0.001 of its norm per step, so the distance it travels grows
 * with blr × images × epochs: on a dataset much smaller than ImageNet the MAE value blr 0.1 leaves
 * the head near its initialisation, and a larger blr is needed (the command line suggests one).
 */
package io.tessera.eval.probe;
