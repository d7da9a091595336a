package io.tessera.tests.golden;

import io.tessera.eval.downstream.Pooling;
import io.tessera.eval.finetune.FineTuner;
import io.tessera.eval.finetune.LayerDecayGroups;
import io.tessera.nn.Parameter;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.optim.LayerDecay;
import io.tessera.nn.optim.ParamGroups;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The fine-tuning model's parameter groups against MAE's param_groups_lrd run on timm 0.3's
 * VisionTransformer names (tests/reference/make_golden_lrd.py): the same parameters, group names,
 * layer ids, lr scales decay^(L+1−id), weight decays and members; and the optimizer's per-parameter
 * scale and decay agree with the table.
 */
class FinetuneGroupsGoldenTest {
    @Test
    void groupsMatchMaesParamGroupsLrd() throws Exception {
        Map<?, ?> golden = (Map<?, ?>) Json.parse(Files.readString(Path.of("reference", "golden", "lrd_groups.json")));
        List<?> cases = (List<?>) golden.get("cases");
        assertThat(cases).hasSize(3);
        for (Object o : cases) {
            Map<?, ?> c = (Map<?, ?>) o;
            String name = (String) c.get("name");
            int width = num(c, "width"), depth = num(c, "depth"), classes = num(c, "classes");
            double ld = ((Number) c.get("layer_decay")).doubleValue(), wd = ((Number) c.get("weight_decay")).doubleValue();
            boolean avg = (Boolean) c.get("global_pool");
            try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
                VitConfig enc = new VitConfig(num(c, "image"), num(c, "patch"), num(c, "channels"), width, depth, 2, 4.0, true, 1e-6,
                        VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0);
                VisionTransformer model = FineTuner.model(ctx, VisionTransformer.create(ctx, enc, DType.F32), classes, avg ? Pooling.AVG : Pooling.CLS, 0.1, 0);
                Set<String> ours = new HashSet<>();
                for (Parameter p : model.store().parameters()) if (p.trainable()) ours.add(p.name());
                assertThat(ours).as("%s: the parameters of models_vit", name).isEqualTo(new HashSet<>((List<?>) c.get("param_names")));

                List<LayerDecayGroups.Group> groups = LayerDecayGroups.of(model.store(), depth, ld, wd, LayerDecayGroups.NO_WEIGHT_DECAY);
                Map<String, LayerDecayGroups.Group> byName = new LinkedHashMap<>();
                for (LayerDecayGroups.Group g : groups) byName.put(g.name(), g);
                List<?> want = (List<?>) c.get("groups");
                assertThat(byName.keySet()).as("%s: group names", name).hasSameElementsAs(want.stream().map(g -> (String) ((Map<?, ?>) g).get("name")).toList());
                ParamGroups optimizer = ParamGroups.finetune(new LayerDecay(ld, depth));
                for (Object w : want) {
                    Map<?, ?> g = (Map<?, ?>) w;
                    LayerDecayGroups.Group mine = byName.get((String) g.get("name"));
                    assertThat(mine.layerId()).as("%s %s layer id", name, mine.name()).isEqualTo(num(g, "layer_id"));
                    assertThat(mine.lrScale()).as("%s %s lr scale", name, mine.name()).isCloseTo(((Number) g.get("lr_scale")).doubleValue(), within(1e-15));
                    assertThat(mine.weightDecay()).as("%s %s weight decay", name, mine.name()).isEqualTo(((Number) g.get("weight_decay")).doubleValue());
                    assertThat(mine.params()).as("%s %s members", name, mine.name()).hasSameElementsAs(((List<?>) g.get("params")).stream().map(String.class::cast).toList());
                    for (String p : mine.params()) {
                        assertThat(optimizer.lrScale().applyAsDouble(p)).as("optimizer lr scale of %s", p).isCloseTo(mine.lrScale(), within(1e-15));
                        assertThat(optimizer.decays().test(model.store().get(p))).as("optimizer decays %s", p).isEqualTo(mine.weightDecay() > 0);
                    }
                }
            }
        }
    }

    private static int num(Map<?, ?> m, String k) {
        return ((Number) m.get(k)).intValue();
    }
}
