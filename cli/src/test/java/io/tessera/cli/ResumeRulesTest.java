package io.tessera.cli;

import io.tessera.cli.PretrainRecipe.DataIdentity;
import io.tessera.cli.PretrainRecipe.Optimisation;
import io.tessera.cli.PretrainRecipe.Teacher;
import io.tessera.nn.checkpoint.Json;
import io.tessera.ssl.mae.MaeConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a resume takes from the recorded recipe, what it refuses, and the recipe's sidecar form. */
class ResumeRulesTest {
    private static final String CKPT = "runs/x/checkpoint-40";

    private static PretrainRecipe recipe() {
        MethodSpec spec = new MethodSpec(MethodSpec.Method.LUT, MaeConfig.mini(), 1.0, 0.25, 512, 8, 0.6, 0.1, 0);
        return new PretrainRecipe(spec, "mini", new DataIdentity("cifar10:/data/c", "cifar10 train", 50_000, 3, 32, 32, 10),
                new Optimisation(20, 2, 64, 2, 1.5e-4, 0, 0, 0.05, 0), new Teacher(0.996, PretrainCommand.MomentumKind.COSINE), 0, List.of());
    }

    @Test
    void theSidecarFormReadsBackTheSameRecipe() {
        PretrainRecipe r = recipe().rescheduled(30, 40);
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("method_config", r.method().toMap());
        side.put("pretrain", r.toMap(1000));
        @SuppressWarnings("unchecked") Map<String, Object> parsed = (Map<String, Object>) Json.parse(Json.write(side));
        assertThat(PretrainRecipe.fromSidecar(parsed, Path.of("c.json"))).isEqualTo(r);
        assertThat(r.scheduleChanges()).containsExactly(new PretrainRecipe.ScheduleChange(40, 20, 30));
        parsed.remove("pretrain");
        assertThatThrownBy(() -> PretrainRecipe.fromSidecar(parsed, Path.of("c.json"))).hasMessageContaining("records no pre-training recipe");
    }

    @Test
    void untypedOptionsComeFromTheCheckpointAndEqualOnesAreAccepted() {
        PretrainRecipe r = recipe();
        assertThat(ResumeRules.resolve(r, Map.of(), false, CKPT, 40)).isEqualTo(r);
        Map<String, Object> same = new LinkedHashMap<>(r.flags());
        same.values().removeIf(v -> v == null || Boolean.FALSE.equals(v));
        same.put("--warmup", 2.0);
        same.put("--epochs", 20);
        assertThat(ResumeRules.resolve(r, same, false, CKPT, 40)).isEqualTo(r);
    }

    @Test
    void aDifferentOptionIsRefusedNamingBothValues() {
        PretrainRecipe r = recipe();
        assertThatThrownBy(() -> ResumeRules.resolve(r, Map.of("--seed", 1L), false, CKPT, 40))
                .hasMessage("--seed 1 conflicts with " + CKPT + ", which was trained with --seed 0: leave it out to continue the run as it was trained, "
                        + "or start a new run in another --out");
        Map<String, Object> two = new LinkedHashMap<>();
        two.put("--lr", 2.4e-3);
        two.put("--no-norm-pix", true);
        assertThatThrownBy(() -> ResumeRules.resolve(r, two, false, CKPT, 40))
                .hasMessageStartingWith("--lr 0.0024, --no-norm-pix conflict with " + CKPT + ", which was trained without --lr (with --blr 1.5e-4), without --no-norm-pix: leave them out");
        assertThatThrownBy(() -> ResumeRules.resolve(r, Map.of("--epochs", 30), false, CKPT, 40))
                .hasMessageEndingWith("(--reschedule --epochs N continues on a new N-epoch schedule)");
    }

    @Test
    void rescheduleTakesANewLengthOnly() {
        PretrainRecipe r = recipe();
        PretrainRecipe longer = ResumeRules.resolve(r, Map.of("--epochs", 30), true, CKPT, 40);
        assertThat(longer.optim().epochs()).isEqualTo(30);
        assertThat(longer.optim().warmup()).isEqualTo(2.0);
        assertThat(longer.scheduleChanges()).containsExactly(new PretrainRecipe.ScheduleChange(40, 20, 30));
        assertThatThrownBy(() -> ResumeRules.resolve(r, Map.of(), true, CKPT, 40)).hasMessageContaining("--reschedule needs an --epochs other than the 20");
        assertThatThrownBy(() -> ResumeRules.resolve(r, Map.of("--epochs", 1), true, CKPT, 40)).hasMessageContaining("shorter than the run's warm-up of 2 epochs");
        assertThatThrownBy(() -> ResumeRules.resolve(r, Map.of("--epochs", 30, "--seed", 4L), true, CKPT, 40)).hasMessageStartingWith("--seed 4 conflicts");
    }

    @Test
    void aResumeThatWouldTrainNothingIsRefused() {
        PretrainRecipe r = recipe(); // 20 epochs
        ResumeRules.requireStepsLeft(r, 40, 10, 0, CKPT);
        assertThatThrownBy(() -> ResumeRules.requireStepsLeft(r, 40, 10, 40, CKPT)).hasMessageStartingWith("--max-steps 40 does not go beyond " + CKPT + " (step 40)");
        assertThatThrownBy(() -> ResumeRules.requireStepsLeft(r, 200, 10, 0, CKPT))
                .hasMessageContaining("is the end of its 20-epoch run (step 200 of 200)").hasMessageContaining("--reschedule --epochs N with N > 20");
        assertThatThrownBy(() -> ResumeRules.requireStepsLeft(r.rescheduled(3, 40), 40, 10, 0, CKPT))
                .hasMessage("--epochs 3 ends at step 30, not after " + CKPT + " (step 40); give more --epochs");
    }

    @Test
    void recipeValuesAreValidatedWithTheirFlags() {
        assertThatThrownBy(() -> new Optimisation(0, 0, 64, 1, 1e-4, 0, 0, 0, 0)).hasMessage("--epochs must be from 1 to 1000000, got 0");
        assertThatThrownBy(() -> new Optimisation(1, 0, 0, 1, 1e-4, 0, 0, 0, 0)).hasMessageContaining("--batch must be from 1");
        assertThatThrownBy(() -> new Optimisation(1, 0, 64, 0, 1e-4, 0, 0, 0, 0)).hasMessageContaining("--accum must be from 1");
        assertThatThrownBy(() -> new Optimisation(1, 0, 64, 1, Double.POSITIVE_INFINITY, 0, 0, 0, 0)).hasMessageContaining("--blr must be a finite number > 0");
        assertThatThrownBy(() -> new Optimisation(1, 0, 64, 1, 0, Double.NaN, 0, 0, 0)).hasMessageContaining("--lr must be a finite number > 0");
        assertThatThrownBy(() -> new Optimisation(1, 0, 64, 1, 1e-4, 1e-3, 0, 0, 0)).hasMessageContaining("give --blr or --lr, not both");
        assertThatThrownBy(() -> new Optimisation(1, 2, 64, 1, 1e-4, 0, 0, 0, 0)).hasMessageContaining("--warmup must be from 0 to --epochs 1");
        assertThatThrownBy(() -> new Optimisation(1, 0, 1 << 20, 2, 1e-4, 0, 0, 0, 0)).hasMessageContaining("more than the 1048576 images");
        assertThatThrownBy(() -> new Teacher(1.5, PretrainCommand.MomentumKind.COSINE)).hasMessageContaining("--momentum must be in [0, 1]");
        assertThatThrownBy(() -> new MethodSpec(MethodSpec.Method.RCMAE, MaeConfig.mini(), Double.POSITIVE_INFINITY, 0.25, 512, 8, 0.6, 0.1, 0))
                .hasMessageContaining("--gamma");
    }
}
