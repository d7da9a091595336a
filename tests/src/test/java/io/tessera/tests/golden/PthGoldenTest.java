package io.tessera.tests.golden;

import io.tessera.nn.checkpoint.LoadReport;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StTensor;
import io.tessera.nn.checkpoint.StateDict;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.nn.checkpoint.UnsafePickleException;
import io.tessera.nn.checkpoint.torch.Pickled;
import io.tessera.nn.checkpoint.torch.TorchCheckpoint;
import io.tessera.nn.VitConfig;
import io.tessera.ssl.lut.LutConfig;
import io.tessera.ssl.lut.LutNetwork;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.mask.RandomMasking;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The .pth reader on files written by PyTorch itself (tests/reference/make_golden_pth.py, Debian's
 * torch 1.13): every dtype and saved view in the zip, legacy and big-endian layouts equals what torch
 * showed; the micro MAE loads from {@code checkpoint['model']} and runs bit for bit as from the
 * safetensors golden; a LUT state dict loads strictly, BatchNorm counters included; plain data
 * decodes; and every malicious pickle is refused by name.
 */
class PthGoldenTest {
    static Path golden(String name) {
        return Path.of("reference", "golden", name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pth_dtypes.pth", "pth_dtypes_legacy.pth", "pth_dtypes_big.pth"})
    void everyDtypeAndViewIsWhatTorchShowed(String file) throws Exception {
        SafeTensors.Contents want = SafeTensors.read(golden("pth_dtypes.safetensors"));
        StateDict sd = StateDict.read(golden(file));
        assertThat(sd.format()).isEqualTo(file.contains("legacy") ? StateDict.Format.TORCH_LEGACY : StateDict.Format.TORCH_ZIP);
        assertThat(sd.keyPath()).isEmpty();
        assertThat(sd.tensors()).extracting(StTensor::name).containsExactlyElementsOf(want.tensors().stream().map(StTensor::name).toList());
        for (StTensor w : want.tensors()) assertThat(sd.get(w.name())).as(file + " " + w.name()).isEqualTo(w);
        assertThat(sd.entries().stream().filter(e -> !e.contiguousInFile()).map(e -> e.tensor().name()))
                .contains("view_transposed", "view_slice", "view_expanded");
        TorchCheckpoint c = TorchCheckpoint.read(golden(file));
        var tensors = c.stateDict(List.of());
        assertThat(tensors.get("shared_0").storageKey()).isEqualTo(tensors.get("shared_1").storageKey());
        assertThat(tensors.get("view_slice").storageOffset()).isEqualTo(6);
        assertThat(tensors.get("param").isParameter()).isTrue();
        assertThat(tensors.get("f32").isParameter()).isFalse();
    }

    @Test
    void theMicroMaeFromPthRunsBitForBitAsFromSafetensors() throws Exception {
        SafeTensors.Contents g = Golden.load("mae_tiny.safetensors");
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            Ops ops = ctx.ops();
            MaskedAutoencoder fromPth = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            MaskedAutoencoder fromSt = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            StateDict sd = StateDict.read(golden("pth_mae_micro.pth"));
            assertThat(sd.keyPath()).as("checkpoint['model'] by default").containsExactly("model");
            LoadReport r = StoreCheckpoint.load(fromPth.store(), sd, StoreCheckpoint.Match.EXACT, n -> n);
            assertThat(r.complete()).isTrue();
            assertThat(r.loaded()).hasSize(fromPth.store().entries().size());
            StoreCheckpoint.load(fromSt.store(), golden("mae_tiny.safetensors"), StoreCheckpoint.Match.STORE_ENTRIES,
                    n -> n.startsWith("weights.") ? n.substring(8) : null);
            assertThat(fromPth.store().values().toFloatArray()).containsExactly(fromSt.store().values().toFloatArray());

            Tensor imgs = Golden.tensor(ops, Golden.get(g, "input.imgs").toDoubles(), DType.F32, 2, 3, 16, 16);
            MaskPlan plan = RandomMasking.fromNoise(ops, Golden.get(g, "input.noise").toFloats(), 2, 16, 0.75);
            try (Scope s = ctx.openScope()) {
                MaskedAutoencoder.Output a = fromPth.forward(ops, imgs, plan), b = fromSt.forward(ops, imgs, plan);
                assertThat(a.pred().toFloatArray()).containsExactly(b.pred().toFloatArray());
                assertThat(a.latent().toFloatArray()).containsExactly(b.latent().toFloatArray());
                assertThat(Float.floatToIntBits((float) a.loss().item())).isEqualTo(Float.floatToIntBits((float) b.loss().item()));
                assertThat(Math.abs(a.loss().item() - Golden.get(g, "output.loss").toDoubles()[0])).as("and it is the official loss").isLessThan(1e-4);
            }
        }
    }

    @Test
    void aPyTorchLutStateDictLoadsAsItIsCountersIncluded() throws Exception {
        LutConfig nano = new LutConfig(new MaeConfig(new VitConfig(8, 4, 3, 8, 1, 2, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
                VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0), 8, 1, 2, 0.75, true), 12, 1.0, 0.25);
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            LutNetwork fromPth = LutNetwork.create(ctx, nano, DType.F32), fromSt = LutNetwork.create(ctx, nano, DType.F32);
            StateDict sd = StateDict.read(golden("pth_lut_nano.pth"));
            StTensor counter = sd.get("head.1.num_batches_tracked");
            assertThat(counter.shape()).as("0-d, as torch saves it").isEmpty();
            assertThat(counter.toLongs()).containsExactly(7L);
            LoadReport r = StoreCheckpoint.load(fromPth.store(), sd, StoreCheckpoint.Match.EXACT, n -> n);
            assertThat(r.converted()).containsExactly("head.1.num_batches_tracked", "predictor.1.num_batches_tracked");
            StoreCheckpoint.load(fromSt.store(), golden("pth_lut_nano.safetensors"), StoreCheckpoint.Match.EXACT, n -> n);
            assertThat(fromPth.store().values().toFloatArray()).containsExactly(fromSt.store().values().toFloatArray());
            assertThat(fromPth.store().bufferValues().toFloatArray()).containsExactly(fromSt.store().bufferValues().toFloatArray());
            assertThat(fromPth.store().tensor("predictor.1.num_batches_tracked").toFloatArray()).containsExactly(7f);
        }
    }

    @Test
    void plainDataDecodesAsPythonHadIt() throws Exception {
        TorchCheckpoint c = TorchCheckpoint.read(golden("pth_plain_data.pth"));
        Pickled.PyDict d = (Pickled.PyDict) c.root();
        assertThat(d.get("lr")).isEqualTo(1.5e-4);
        assertThat(((Pickled.PyTuple) d.get("betas")).items()).containsExactly(0.9, 0.95);
        assertThat(d.get("big")).isEqualTo(BigInteger.TWO.pow(70));
        assertThat(d.get("neg")).isEqualTo(-5L);
        assertThat(d.get("zero")).isEqualTo(0L);
        assertThat(d.get("large")).isEqualTo(1L << 40);
        assertThat(d.containsKey("none")).isTrue();
        assertThat(d.get("none")).isNull();
        assertThat(d.get("flag")).isEqualTo(false);
        assertThat(d.get("name")).isEqualTo("ünïcode ✓");
        List<Object> list = ((Pickled.PyList) d.get("list")).items();
        assertThat(list.subList(0, 2)).containsExactly(1L, 2L);
        assertThat(((Pickled.PyList) list.get(2)).items()).containsExactly(3L, "x");
        assertThat(((Pickled.PyDict) ((Pickled.PyDict) d.get("nested")).get("a")).get("b")).isEqualTo(1L);
        assertThat(((Pickled.PyDict) d.get("int_keys")).get(7L)).isEqualTo("seven");
        assertThat(((Pickled.PyDict) d.get("tuple_key")).get(new Pickled.PyTuple(List.of(1L, 2L)))).isEqualTo("pair");
        assertThat(c.defaultKeys()).containsExactly("model");
        assertThat(c.stateDict(c.defaultKeys()).get("w").toStTensor("w").toFloats()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThatThrownBy(() -> StateDict.read(golden("pth_plain_data.pth"), StateDict.KeyPath.TOP))
                .hasMessageContaining("is not a state dict: 'model' is a collections.OrderedDict, not a tensor")
                .hasMessageContaining("keys: model, lr, betas").hasMessageContaining("try the key path 'model'");
        assertThatThrownBy(() -> StateDict.read(golden("pth_plain_data.pth"), StateDict.KeyPath.of("state_dict")))
                .hasMessageContaining("has no key 'state_dict'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pth_evil_reduce.pth:posix.system", "pth_evil_eval.pth:__builtin__.eval", "pth_evil_legacy.pth:posix.system",
            "pth_evil_module.pth:torch.nn.modules.linear.Linear", "pth_evil_numpy.pth:numpy.core.multiarray.scalar",
            "pth_evil_stack_global.pth:os.system", "pth_evil_inst.pth:INST", "pth_evil_persid.pth:BINPERSID"})
    void maliciousPicklesAreRefusedByName(String fileAndGlobal) {
        String[] fg = fileAndGlobal.split(":");
        UnsafePickleException e = catchThrowableOfType(UnsafePickleException.class, () -> StateDict.read(golden(fg[0])));
        assertThat(e).as(fg[0]).isNotNull();
        assertThat(e.refused()).isEqualTo(fg[1]);
        assertThat(e.getMessage()).contains(fg[0]).doesNotContain("\n");
        assertThatThrownBy(() -> TorchCheckpoint.read(golden(fg[0]))).isInstanceOf(UnsafePickleException.class);
    }
}
