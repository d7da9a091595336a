package io.tessera.cli;

import io.tessera.ssl.mae.MaeConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The models {@code --model} names: presets adapted to the data, and the official MAE names as the exact official models. */
class RecipesTest {

    @Test
    void officialNamesAreTheOfficialModels() {
        assertThat(Recipes.model("mae_vit_base_patch16", 224, 3, null)).isEqualTo(MaeConfig.base());
        assertThat(Recipes.model("mae_vit_large_patch16", 224, 3, null)).isEqualTo(MaeConfig.large());
        assertThat(Recipes.model("mae_vit_huge_patch14", 224, 3, null)).isEqualTo(MaeConfig.huge());
        assertThat(Recipes.canonicalPreset("mae_vit_huge_patch14")).isEqualTo("huge");
        assertThat(Recipes.model("mae_vit_base_patch16", 32, 1, 16).encoder().patchSize()).isEqualTo(16);
    }

    @Test
    void anOfficialNameKeepsItsPatch() {
        assertThatThrownBy(() -> Recipes.model("mae_vit_base_patch16", 28, 1, null))
                .hasMessage("--model mae_vit_base_patch16 has 16-pixel patches, which do not divide the image size 28; give --input-size 224 or --model base");
        assertThatThrownBy(() -> Recipes.model("mae_vit_base_patch16", 224, 3, 8)).hasMessageContaining("--patch 8 contradicts it (use --model base --patch 8)");
    }

    @Test
    void presetsFollowTheImagesAndBadValuesAreNamed() {
        assertThat(Recipes.model("base", 28, 1, null).encoder().patchSize()).isEqualTo(4); // 16 does not divide 28
        assertThat(Recipes.model("base", 32, 3, null).encoder().patchSize()).isEqualTo(16);
        assertThat(Recipes.model("mini", 56, 1, null).encoder().imageSize()).isEqualTo(56);
        assertThatThrownBy(() -> Recipes.model("mini", 28, 1, 0)).hasMessage("--patch must be from 1 to the image size 28, got 0");
        assertThatThrownBy(() -> Recipes.model("mini", 30, 1, null)).hasMessageContaining("patch 4 does not divide the image size 30; give --patch or --input-size");
        assertThatThrownBy(() -> Recipes.canonicalPreset("vit_gigantic")).hasMessageContaining("unknown --model 'vit_gigantic'")
                .hasMessageContaining("mae_vit_base_patch16, mae_vit_huge_patch14, mae_vit_large_patch16");
    }
}
