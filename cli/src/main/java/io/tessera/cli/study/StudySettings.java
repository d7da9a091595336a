package io.tessera.cli.study;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting that decides a study's numbers. It is written to {@code DIR/study.settings.json}
 * when a study starts, and a study continued in the same directory must have the same settings
 * (device and threads excepted: they do not change CPU results, and they are not recorded here).
 *
 * @param data           dataset spec for pre-training and evaluation (train and test splits)
 * @param seeds          number of seeds, 0 … seeds−1; each seed is one pre-training run per method
 *                       with the same data order, masks drawn from the same seed
 * @param epochs         pre-training epochs of every method
 * @param model          model preset (the same encoder for every method)
 * @param batch          pre-training images per step
 * @param probeEvery     linear probe and k-NN every this many epochs (and at the last)
 * @param probeEpochs    epochs of the linear probe (cached features)
 * @param probeBlr       the probe's base learning rate (lr = blr·256/256 at batch 256)
 * @param grid           points per axis of the 2-D landscapes over [−1, 1]²
 * @param landscapeImages images of the fixed landscape subset
 * @param ratioGrid      points per axis of the eigen-ratio map (first seed only, on the Hessian's images; 0: none)
 * @param hessianBatches batches of 64 images for the Hessian at the minimum
 * @param lanczosSteps   Lanczos steps of each eigen-ratio
 * @param analysisImages test images for attention distance and feature spectra
 * @param propSteps      steps of each Proposition 4.1 run (same mask S and independent mask D)
 */
public record StudySettings(String data, int seeds, int epochs, String model, int batch, int probeEvery, int probeEpochs, double probeBlr,
                            int grid, int landscapeImages, int ratioGrid, int hessianBatches, int lanczosSteps, int analysisImages, int propSteps) {

    /** The schema of the settings file. */
    public static final String SCHEMA = "tessera.study-settings/1";

    public StudySettings {
        if (data == null || data.isBlank()) throw new IllegalArgumentException("--data must name a dataset");
        if (seeds < 1 || seeds > 100) throw new IllegalArgumentException("--seeds must be from 1 to 100, got " + seeds);
        if (epochs < 1 || epochs > 10_000) throw new IllegalArgumentException("--epochs must be from 1 to 10000, got " + epochs);
        if (batch < 2) throw new IllegalArgumentException("--batch must be ≥ 2, got " + batch);
        if (probeEvery < 1) throw new IllegalArgumentException("--probe-every must be ≥ 1 epoch, got " + probeEvery);
        if (probeEpochs < 1) throw new IllegalArgumentException("--probe-epochs must be ≥ 1, got " + probeEpochs);
        if (!(probeBlr > 0 && probeBlr < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("--probe-blr must be a finite number > 0, got " + probeBlr);
        if (grid < 3 || grid % 2 == 0) throw new IllegalArgumentException("--grid must be odd and ≥ 3 (the minimum sits on the centre point), got " + grid);
        if (landscapeImages < 1) throw new IllegalArgumentException("--landscape-images must be ≥ 1, got " + landscapeImages);
        if (ratioGrid != 0 && (ratioGrid < 3 || ratioGrid % 2 == 0)) throw new IllegalArgumentException("--ratio-grid must be 0 (none) or odd and ≥ 3, got " + ratioGrid);
        if (hessianBatches < 1) throw new IllegalArgumentException("--hessian-batches must be ≥ 1, got " + hessianBatches);
        if (lanczosSteps < 4) throw new IllegalArgumentException("--lanczos-steps must be ≥ 4, got " + lanczosSteps);
        if (analysisImages < 1) throw new IllegalArgumentException("--analysis-images must be ≥ 1, got " + analysisImages);
        if (propSteps < 3) throw new IllegalArgumentException("--prop-steps must be ≥ 3, got " + propSteps);
    }

    /** The full study: full Fashion-MNIST, three seeds. */
    public static StudySettings full() {
        return new StudySettings("fashion-mnist", 3, 3, "micro28", 128, 1, 20, 2.0, 11, 512, 3, 2, 16, 1000, 200);
    }

    /** The minutes-long smoke version on the embedded subset. */
    public static StudySettings quick() {
        return new StudySettings("fashion-mnist-embedded", 2, 2, "micro16", 64, 1, 8, 10.0, 5, 64, 3, 1, 6, 128, 12);
    }

    /** The epochs at which the encoders are probed: every {@code probeEvery}-th and the last. */
    public List<Integer> probeEpochsList() {
        List<Integer> e = new ArrayList<>();
        for (int k = probeEvery; k < epochs; k += probeEvery) e.add(k);
        e.add(epochs);
        return e;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("data", data);
        m.put("seeds", (long) seeds);
        m.put("epochs", (long) epochs);
        m.put("model", model);
        m.put("batch", (long) batch);
        m.put("probe_every", (long) probeEvery);
        m.put("probe_epochs", (long) probeEpochs);
        m.put("probe_blr", probeBlr);
        m.put("grid", (long) grid);
        m.put("landscape_images", (long) landscapeImages);
        m.put("ratio_grid", (long) ratioGrid);
        m.put("hessian_batches", (long) hessianBatches);
        m.put("lanczos_steps", (long) lanczosSteps);
        m.put("analysis_images", (long) analysisImages);
        m.put("prop_steps", (long) propSteps);
        return m;
    }

    public static StudySettings fromJson(JsonFields f) {
        if (!SCHEMA.equals(f.has("schema") ? f.string("schema") : null)) throw f.error("schema", "must be \"" + SCHEMA + "\"", f.map().get("schema"));
        return new StudySettings(f.string("data"), f.integer("seeds", 1, 100), f.integer("epochs", 1, 10_000), f.string("model"), f.integer("batch", 2, Integer.MAX_VALUE),
                f.integer("probe_every", 1, Integer.MAX_VALUE), f.integer("probe_epochs", 1, Integer.MAX_VALUE), f.real("probe_blr", 0, Double.MAX_VALUE),
                f.integer("grid", 3, Integer.MAX_VALUE), f.integer("landscape_images", 1, Integer.MAX_VALUE), f.integer("ratio_grid", 0, Integer.MAX_VALUE),
                f.integer("hessian_batches", 1, Integer.MAX_VALUE), f.integer("lanczos_steps", 4, Integer.MAX_VALUE), f.integer("analysis_images", 1, Integer.MAX_VALUE),
                f.integer("prop_steps", 3, Integer.MAX_VALUE));
    }

    /** "epochs 4 → 6, seeds 3 → 2": the settings that differ from {@code other}. */
    public List<String> differences(StudySettings other) {
        List<String> d = new ArrayList<>();
        Map<String, Object> a = other.toMap(), b = toMap();
        for (String k : b.keySet()) if (!String.valueOf(a.get(k)).equals(String.valueOf(b.get(k)))) d.add(k + " " + a.get(k) + " → " + b.get(k));
        return d;
    }
}
