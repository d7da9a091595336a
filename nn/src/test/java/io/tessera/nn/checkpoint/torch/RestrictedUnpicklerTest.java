// The restricted unpickler on hand-made pickles: tensors rebuilt from storages with their views,
// plain data, and every way a pickle may ask for more than a state dict — globals, object-building
// opcodes, calls on the wrong things, persistent ids that are not storages — refused by name, with
// malformed streams (underflow, missing memo, lengths past the end) as typed errors.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.UnsafePickleException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class RestrictedUnpicklerTest {
    @TempDir
    Path dir;

    private Path file(PickleBytes p, Map<String, byte[]> storages) throws Exception {
        return PickleBytes.pth(dir.resolve("t" + System.nanoTime() + ".pth"), p.op('.').bytes(), storages);
    }

    private Path file(PickleBytes p) throws Exception {
        return file(p, Map.of());
    }

    @Test
    void aStateDictOfViewsIsRebuiltContiguous() throws Exception {
        // storage 0 holds 0..11; "t" is its (3, 4) block transposed, "s" a strided slice from offset 5
        float[] v = new float[12];
        for (int i = 0; i < 12; i++) v[i] = i;
        PickleBytes p = PickleBytes.proto2().orderedDict().op('(')
                .str("t").tensor("FloatStorage", "0", 12, 0, new long[] {4, 3}, new long[] {1, 4})
                .str("s").tensor("FloatStorage", "0", 12, 5, new long[] {2, 2}, new long[] {4, 2})
                .str("e").tensor("FloatStorage", "0", 12, 1, new long[] {2, 3}, new long[] {0, 1})
                .str("scalar").tensor("FloatStorage", "0", 12, 7, new long[] {}, new long[] {})
                .op('u');
        TorchCheckpoint c = TorchCheckpoint.read(file(p, Map.of("0", PickleBytes.floats(v))));
        Map<String, TorchTensor> sd = c.stateDict(List.of());
        assertThat(sd.keySet()).containsExactly("t", "s", "e", "scalar");
        assertThat(sd.get("t").toStTensor("t").toFloats()).containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        assertThat(sd.get("t").contiguousInStorage()).isFalse();
        assertThat(sd.get("s").toStTensor("s").toFloats()).containsExactly(5, 7, 9, 11);
        assertThat(sd.get("e").toStTensor("e").toFloats()).containsExactly(1, 2, 3, 1, 2, 3);
        assertThat(sd.get("scalar").shape()).isEmpty();
        assertThat(sd.get("scalar").toStTensor("x").toFloats()).containsExactly(7);
        assertThat(sd.get("t").storageKey()).isEqualTo("0");
    }

    @Test
    void plainDataAndParametersComeThrough() throws Exception {
        PickleBytes p = PickleBytes.proto2().op('}').op('(')
                .str("lr").op('G').raw(java.nio.ByteBuffer.allocate(8).putDouble(1.5e-4).array())
                .str("big").op(0x8a).op(9).raw(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 1})
                .str("neg").integer(-5)
                .str("none").op('N')
                .str("flag").op(0x88)
                .str("pair").integer(1).str("x").op(0x86)
                .str("list").op(']').integer(1).op('a').op('(').integer(2).integer(3).op('e')
                .str("memo").str("v").op('q').op(0).op('h').op(0).op(0x86)
                .str("w").global("torch._utils", "_rebuild_parameter").op('(')
                .tensor("DoubleStorage", "k", 2, 0, new long[] {2}, new long[] {1}).op(0x88).orderedDict().op('t').op('R')
                .op('u');
        java.nio.ByteBuffer d = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(0.25).putDouble(-2);
        TorchCheckpoint c = TorchCheckpoint.read(file(p, Map.of("k", d.array())));
        Pickled.PyDict root = (Pickled.PyDict) c.root();
        assertThat(root.get("lr")).isEqualTo(1.5e-4);
        assertThat(root.get("big")).isEqualTo(BigInteger.ONE.shiftLeft(64));
        assertThat(root.get("neg")).isEqualTo(-5L);
        assertThat(root.containsKey("none")).isTrue();
        assertThat(root.get("none")).isNull();
        assertThat(root.get("flag")).isEqualTo(true);
        assertThat(((Pickled.PyTuple) root.get("pair")).items()).containsExactly(1L, "x");
        assertThat(((Pickled.PyList) root.get("list")).items()).containsExactly(1L, 2L, 3L);
        assertThat(((Pickled.PyTuple) root.get("memo")).items()).containsExactly("v", "v");
        TorchTensor w = (TorchTensor) root.get("w");
        assertThat(w.isParameter()).isTrue();
        assertThat(w.requiresGrad()).isTrue();
        assertThat(w.dtype()).isEqualTo(StDType.F64);
        assertThat(w.toStTensor("w").toDoubles()).containsExactly(0.25, -2);
        assertThat(Pickled.typeName(w)).isEqualTo("torch.nn.Parameter");
    }

    @Test
    void globalsBeyondTheAllowListAreRefusedByName() throws Exception {
        String[][] refused = {{"posix", "system"}, {"os", "system"}, {"builtins", "eval"}, {"__builtin__", "exec"},
                {"subprocess", "Popen"}, {"torch.nn.modules.linear", "Linear"}, {"argparse", "Namespace"}, {"numpy.core.multiarray", "scalar"},
                {"torch", "load"}, {"torch._utils", "_rebuild_tensor_v2x"}, {"collections", "defaultdict"}};
        for (String[] g : refused) {
            Path f = file(PickleBytes.proto2().global(g[0], g[1]).str("echo hi").op(0x85).op('R'));
            UnsafePickleException e = catchThrowableOfType(UnsafePickleException.class, () -> TorchCheckpoint.read(f));
            assertThat(e).as(g[0] + "." + g[1]).isNotNull();
            assertThat(e.refused()).isEqualTo(g[0] + "." + g[1]);
            assertThat(e.getMessage()).contains("refused global " + g[0] + "." + g[1]).contains("weights_only=True").contains(f.toString());
        }
        Path ns = file(PickleBytes.proto2().global("argparse", "Namespace"));
        assertThatThrownBy(() -> TorchCheckpoint.read(ns)).hasMessageContaining("training script's arguments");
        Path sys = file(PickleBytes.proto2().global("posix", "system"));
        assertThatThrownBy(() -> TorchCheckpoint.read(sys)).hasMessageContaining("run code");
    }

    @Test
    void objectBuildingOpcodesAndWrongCallsAreRefused() throws Exception {
        Map<String, PickleBytes> cases = new java.util.LinkedHashMap<>();
        cases.put("STACK_GLOBAL", PickleBytes.proto2().op(0x8c).op(2).raw("os".getBytes()).op(0x8c).op(6).raw("system".getBytes()).op(0x93));
        cases.put("INST", PickleBytes.proto2().op('(').str("x").op('i').raw("os\nsystem\n".getBytes()));
        cases.put("OBJ", PickleBytes.proto2().op('(').orderedDict().op('o'));
        cases.put("EXT1", PickleBytes.proto2().op(0x82).op(1));
        cases.put("NEWOBJ_EX", PickleBytes.proto2().op(0x92));
        cases.put("NEWOBJ", PickleBytes.proto2().global("collections", "OrderedDict").op(')').op(0x81));
        cases.put("REDUCE", PickleBytes.proto2().str("posix.system").op(')').op('R'));
        cases.put("BUILD", PickleBytes.proto2().op(']').op('}').op('b'));
        cases.put("BINPERSID", PickleBytes.proto2().str("module").str("x").op(0x86).op('Q'));
        for (Map.Entry<String, PickleBytes> c : cases.entrySet()) {
            Path f = file(c.getValue());
            UnsafePickleException e = catchThrowableOfType(UnsafePickleException.class, () -> TorchCheckpoint.read(f));
            assertThat(e).as(c.getKey()).isNotNull();
            if (c.getKey().equals("STACK_GLOBAL")) assertThat(e.refused()).isEqualTo("os.system");
            else assertThat(e.refused()).isEqualTo(c.getKey());
        }
    }

    @Test
    void globalsTorchAllowsButTesseraCannotRepresentAreRefusedAsUnsupported() throws Exception {
        for (String[] g : new String[][] {{"torch._utils", "_rebuild_sparse_tensor"}, {"torch", "ComplexFloatStorage"}, {"torch", "QInt8Storage"},
                {"torch", "FloatTensor"}, {"torch", "device"}}) {
            Path f = file(PickleBytes.proto2().global(g[0], g[1]));
            CheckpointFormatException e = catchThrowableOfType(CheckpointFormatException.class, () -> TorchCheckpoint.read(f));
            assertThat(e).as(g[1]).isNotNull().isNotInstanceOf(UnsafePickleException.class);
            assertThat(e.getMessage()).contains(g[0] + "." + g[1]).containsAnyOf("not supported", "legacy tensor");
        }
    }

    @Test
    void malformedStreamsAreTypedErrorsWithTheirOffset() throws Exception {
        Map<String, byte[]> cases = new java.util.LinkedHashMap<>();
        cases.put("stack underflow", PickleBytes.proto2().op('R').bytes());
        cases.put("memo entry 3 read before", PickleBytes.proto2().op('h').op(3).bytes());
        cases.put("runs past the pickle's end", PickleBytes.proto2().op('X').raw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}).bytes());
        cases.put("2 values on the stack", PickleBytes.proto2().op('N').op('N').bytes());
        cases.put("unclosed MARK", PickleBytes.proto2().op('N').op('(').bytes());
        cases.put("without STOP", PickleBytes.proto2().op('N').bytes());
        cases.put("not valid UTF-8", PickleBytes.proto2().op('X').raw(new byte[] {2, 0, 0, 0, (byte) 0xc3, 0x28}).bytes());
        cases.put("odd number", PickleBytes.proto2().op('}').op('(').op('N').op('u').bytes());
        cases.put("dict key of type list", PickleBytes.proto2().op('}').op(']').op('N').op('s').bytes());
        cases.put("longer than 256", PickleBytes.proto2().global("x".repeat(300), "y").bytes());
        cases.put("protocol 9", new byte[] {(byte) 0x80, 9, 'N'});
        cases.put("protocol-0 text opcode INT", PickleBytes.proto2().raw("I1\n".getBytes()).bytes());
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            byte[] pk = c.getValue();
            if (!c.getKey().equals("without STOP")) {
                pk = java.util.Arrays.copyOf(pk, pk.length + 1);
                pk[pk.length - 1] = '.';
            }
            Path f = PickleBytes.pth(dir.resolve("m" + c.getKey().hashCode() + ".pth"), pk, Map.of());
            CheckpointFormatException e = catchThrowableOfType(CheckpointFormatException.class, () -> TorchCheckpoint.read(f));
            assertThat(e).as(c.getKey()).isNotNull();
            assertThat(e.getMessage()).as(c.getKey()).contains(c.getKey()).contains("data.pkl");
            assertThat(e.byteOffset()).as(c.getKey()).isPositive();
        }
    }

    @Test
    void cyclicAndDeeplyNestedValuesNeverOverflowTheStack() throws Exception {
        // l = []; l.append(l); and 200,000 nested lists
        PickleBytes cyc = PickleBytes.proto2().op('}').str("model").op(']').op('q').op(0).op('h').op(0).op('a').op('s');
        TorchCheckpoint c = TorchCheckpoint.read(file(cyc));
        Pickled.PyList l = (Pickled.PyList) ((Pickled.PyDict) c.root()).get("model");
        assertThat(l.items().get(0)).isSameAs(l);
        assertThat(l.toString()).isEqualTo("list of 1");
        assertThatThrownBy(() -> c.stateDict(c.defaultKeys())).hasMessageContaining("'model' is a list, not a tensor");
        PickleBytes deep = PickleBytes.proto2();
        int n = 200_000;
        for (int i = 0; i < n; i++) deep.op(']');
        for (int i = 0; i < n - 1; i++) deep.op('a');
        TorchCheckpoint d = TorchCheckpoint.read(file(deep));
        assertThat(d.root()).isInstanceOf(Pickled.PyList.class);
    }

    @Test
    void viewsOutsideTheirStorageAndStorageSizesThatDisagreeAreRefused() throws Exception {
        byte[] four = PickleBytes.floats(1, 2, 3, 4);
        Map<String, PickleBytes> cases = new java.util.LinkedHashMap<>();
        cases.put("reaches element 4 of storage 0 holding 4",
                PickleBytes.proto2().tensor("FloatStorage", "0", 4, 1, new long[] {4}, new long[] {1}));
        cases.put("overflows 64 bits", PickleBytes.proto2().tensor("FloatStorage", "0", 4, 0, new long[] {2, 1L << 62}, new long[] {1L << 62, 1}));
        cases.put("larger than one Java array", PickleBytes.proto2().tensor("FloatStorage", "0", 4, 0, new long[] {1L << 30, 1L << 10}, new long[] {0, 0}));
        cases.put("holds 16 bytes, its 1099511627776 elements", PickleBytes.proto2().tensor("FloatStorage", "0", 1L << 40, 0, new long[] {1}, new long[] {1}));
        cases.put("has no record data/9", PickleBytes.proto2().tensor("FloatStorage", "9", 4, 0, new long[] {1}, new long[] {1}));
        cases.put("named as 4 × torch.FloatStorage and as 4 × torch.IntStorage", PickleBytes.proto2()
                .tensor("FloatStorage", "0", 4, 0, new long[] {1}, new long[] {1}).tensor("IntStorage", "0", 4, 0, new long[] {1}, new long[] {1}).op(0x86));
        cases.put("more than 4 times", PickleBytes.proto2().tensor("FloatStorage", "0", 4, 0, new long[] {1000}, new long[] {0}));
        cases.put("size of rank 2 with stride of rank 1", PickleBytes.proto2().tensor("FloatStorage", "0", 4, 0, new long[] {2, 2}, new long[] {1}));
        for (Map.Entry<String, PickleBytes> c : cases.entrySet()) {
            Path f = file(c.getValue(), Map.of("0", four));
            assertThatThrownBy(() -> TorchCheckpoint.read(f)).as(c.getKey()).isInstanceOf(CheckpointFormatException.class).hasMessageContaining(c.getKey());
        }
    }
}
