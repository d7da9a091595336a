/**
 * Datasets, augmentations and the mini-batch loader.
 *
 * <p>Readers return {@link io.tessera.ssl.data.Sample}s of (C, H, W) float images in [0, 1]:
 * {@link io.tessera.ssl.data.IdxDataset} (MNIST / Fashion-MNIST, gzip or plain),
 * {@link io.tessera.ssl.data.CifarDataset} (CIFAR-10/100 binary),
 * {@link io.tessera.ssl.data.ImageFolderDataset} (PNG/JPEG, one sub-folder per class) and
 * {@link io.tessera.ssl.data.EmbeddedFashionMnist} (2,000 + 500 images shipped as resources,
 * MIT-licensed, see {@code fashion-mnist-embedded/NOTICE.md}). {@link io.tessera.ssl.data.Datasets}
 * opens them from a spec string. Malformed files raise {@link io.tessera.ssl.data.DataFormatException}
 * with the path and byte offset: sizes are computed without overflow and bounded before anything
 * is allocated, and images go through {@link io.tessera.ssl.data.ImageDecoder} (PNG CRCs and zlib
 * stream, JPEG markers and EOI, decoder warnings as errors).
 *
 * <p>Augmentations are {@link io.tessera.ssl.data.Transform}s, pure functions of (image, Rng):
 * MAE's RandomResizedCrop (torchvision 10-attempt rule, or the TF-style single draw for linear
 * probing), DeiT III's SimpleResizedCrop, HorizontalFlip, ColorJitter, ThreeAugment, Normalize,
 * ToRgb, ResizeCenterCrop. Crops that accept any size ({@link io.tessera.ssl.data.Transform#acceptsAnySize()})
 * get a dataset's decoded image, so on image folders the random resized crop is drawn on the whole
 * file as in MAE. {@link io.tessera.ssl.data.Loader} applies them in worker threads with
 * a bounded prefetch (one or several views per sample, e.g. LUT's two); sample i of epoch e always uses the stream
 * {@code rng.split("epoch-" + e).split("sample").split(i)}, so the worker count never changes a batch.
 *
 * <pre>{@code
 * Dataset train = Datasets.open("fashion-mnist-embedded");
 * Transform aug = Transform.compose(RandomResizedCrop.maePretrain(28), HorizontalFlip.half(),
 *         Normalize.fashionMnist());
 * try (Loader loader = new Loader(train, aug, ctx.rng("data"), Loader.Options.train(256, 4), ctx.ops())) {
 *     for (int e = 0; e < epochs; e++) {
 *         for (Loader.Batch b : loader.epoch(e)) {
 *             // b.images(): (B, 1, 28, 28) F32, b.labels(): (B) I32
 *         }
 *     }
 * }
 * }</pre>
 */
package io.tessera.ssl.data;
