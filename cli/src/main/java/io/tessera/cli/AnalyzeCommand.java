package io.tessera.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code tessera analyze}: representation and attention analyses of pre-training checkpoints. Each
 * analysis is a subcommand class; a new one is added by naming its class in {@code subcommands}.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"Analyses of the encoders of tessera pretrain checkpoints on full, unmasked images: feature spectra (covariance",
                "spectrum, RankMe, α-ReQ), attention (mean distance, NMI, cls maps, rollout), occlusion robustness of a probed or fine-tuned model and Grad-CAM. Each writes JSON, figures",
                "and an HTML page."},
        subcommands = {AnalyzeSpectrumCommand.class, AnalyzeAttentionCommand.class, AnalyzeGradCamCommand.class, OcclusionCommand.class})
public final class AnalyzeCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
