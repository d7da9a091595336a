// The analysis commands share --threads, --device, --matmul and --out through the ComputeOptions and
// OutputOption mixins: the same options, defaults and help everywhere, and the default output folder
// is the command's name beside the checkpoint, as the help says.
package io.tessera.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnalysisMixinsTest {
    private static final Path CHECKPOINT = Path.of("runs", "mae", "checkpoint-3");

    /** Each analysis command, and how to reach its --out mixin once parsed. */
    private static Map<Object, Function<Object, OutputOption>> commands() {
        Map<Object, Function<Object, OutputOption>> m = new LinkedHashMap<>();
        m.put(new HessianCommand(), c -> ((HessianCommand) c).output);
        m.put(new LandscapeCommand(), c -> ((LandscapeCommand) c).output);
        m.put(new OcclusionCommand(), c -> ((OcclusionCommand) c).output);
        m.put(new AnalyzeSpectrumCommand(), c -> ((AnalyzeSpectrumCommand) c).options.output);
        m.put(new AnalyzeAttentionCommand(), c -> ((AnalyzeAttentionCommand) c).options.output);
        m.put(new AnalyzeGradCamCommand(), c -> ((AnalyzeGradCamCommand) c).options.output);
        return m;
    }

    @Test
    void everyAnalysisCommandHasTheSharedOptionsWithOneDefaultAndOneDescription() {
        Map<String, OptionSpec> first = new LinkedHashMap<>();
        for (Object command : commands().keySet()) {
            CommandLine cl = new CommandLine(command);
            for (String name : List.of("--threads", "--device", "--matmul", "--out")) {
                OptionSpec o = cl.getCommandSpec().findOption(name);
                assertThat(o).as(cl.getCommandName() + " " + name).isNotNull();
                OptionSpec seen = first.putIfAbsent(name, o);
                if (seen != null) {
                    assertThat(o.defaultValue()).as(cl.getCommandName() + " " + name + " default").isEqualTo(seen.defaultValue());
                    // --out's description names the command's folder; the others read the same everywhere
                    if (!name.equals("--out")) assertThat(o.description()).as(cl.getCommandName() + " " + name + " description").isEqualTo(seen.description());
                }
            }
        }
        assertThat(first.get("--device").defaultValue()).isEqualTo("cpu");
        assertThat(first.get("--matmul").defaultValue()).isEqualTo("tiled");
    }

    @Test
    void theDefaultOutputFolderIsTheCommandsNameBesideTheCheckpointAsTheHelpSays() {
        Path beside = CHECKPOINT.toAbsolutePath().getParent();
        for (Map.Entry<Object, Function<Object, OutputOption>> e : commands().entrySet()) {
            CommandLine cl = new CommandLine(e.getKey()).setCaseInsensitiveEnumValuesAllowed(true); // as Main builds it
            cl.parseArgs("--checkpoint", CHECKPOINT.toString());
            String name = cl.getCommandName();
            assertThat(e.getValue().apply(e.getKey()).dir(CHECKPOINT)).as(name).isEqualTo(beside.resolve(name));
            assertThat(cl.getCommandSpec().findOption("--out").description())
                    .containsExactly("Output directory (default: " + name + "/ beside the --checkpoint, the first if repeated).");
            cl.parseArgs("--checkpoint", CHECKPOINT.toString(), "--out", "elsewhere");
            assertThat(e.getValue().apply(e.getKey()).dir(CHECKPOINT)).as(name).isEqualTo(Path.of("elsewhere"));
        }
    }

    @Test
    void threadsAreCheckedAndDefaultToEveryCore() {
        ComputeOptions c = new ComputeOptions();
        assertThat(c.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        c.threads = 3;
        assertThat(c.threads()).isEqualTo(3);
        c.threads = 0;
        assertThatThrownBy(c::threads).isInstanceOf(IllegalArgumentException.class).hasMessage("--threads must be ≥ 1, got 0");
    }
}
