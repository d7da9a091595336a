// A restricted unpickler for torch checkpoints: the data opcodes of pickle protocols 2–5 (numbers,
// strings, bytes, tuples, lists, dicts, memo, marks), globals only through TorchGlobals' allow-list,
// REDUCE only on OrderedDict, torch.Size and the tensor/parameter rebuilds, BUILD only on an
// OrderedDict, persistent ids only for storages — as torch.load(weights_only=True) restricts them.
// Not Python's pickle: object-building opcodes (INST, OBJ, NEWOBJ_EX, EXT*) and the text opcodes
// of protocol 0 are refused, and every length is bounded by the bytes actually present.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.UnsafePickleException;
import io.tessera.nn.checkpoint.SafeTensors;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs one pickle of a buffer and returns its value; every refusal names the file and byte offset. */
final class RestrictedUnpickler {
    /** Resolves a persistent id (a tuple whose first item is "storage") to a storage. */
    @FunctionalInterface
    interface Storages {
        TorchStorage resolve(Pickled.PyTuple pid, long at);
    }

    /** The value of a pickle and the buffer position just after its STOP. */
    record Result(Object value, int end) {
    }

    static final int MAX_RANK = 64;
    static final int MAX_GLOBAL_LINE = 256;
    private static final int MAX_KEY_DEPTH = 16;

    private final Path path;
    private final byte[] buf;
    private final int end;
    private final long fileBase;
    private final String where;
    private final Storages storages;
    private final List<TorchTensor.View> views;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;
    private int op; // position of the opcode being run

    /**
     * An unpickler over {@code buf[start, end)}, whose byte {@code start} is file byte
     * {@code fileBase}; {@code where} prefixes messages ("data.pkl: "); every view a tensor
     * rebuild makes is appended to {@code views}.
     */
    RestrictedUnpickler(Path path, byte[] buf, int start, int end, long fileBase, String where, Storages storages, List<TorchTensor.View> views) {
        this.path = path;
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.fileBase = fileBase - start;
        this.where = where;
        this.storages = storages;
        this.views = views;
    }

    /** Runs opcodes up to and including STOP. */
    Result load() {
        while (true) {
            op = pos;
            int code = u8();
            switch (code) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) throw error("pickle protocol " + v + " (torch.save writes 2; 2 to 5 are read)");
                }
                case 0x95 -> { // FRAME
                    long n = u64();
                    if (n < 0 || n > end - pos) throw error("frame of " + Long.toUnsignedString(n) + " bytes runs past the pickle's end");
                }
                case '.' -> {
                    if (!marks.isEmpty()) throw error("STOP inside an unclosed MARK");
                    if (stack.size() != 1) throw error("STOP with " + stack.size() + " values on the stack (1 expected)");
                    return new Result(stack.get(0), pos);
                }
                case '(' -> marks.add(stack.size());
                case '0' -> { // POP
                    if (!marks.isEmpty() && stack.size() == marks.get(marks.size() - 1)) popMark();
                    else pop();
                }
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) i32());
                case 'K' -> push((long) u8());
                case 'M' -> push((long) (u8() | u8() << 8));
                case 0x8a -> push(longValue(bytes(u8())));
                case 0x8b -> push(longValue(bytes(length(i32()))));
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 'X' -> push(utf8(bytes(length(u32()))));
                case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(bytes(length(u64())))); // BINUNICODE8
                case 'U' -> push(utf8(bytes(u8()))); // SHORT_BINSTRING (Python 2 str, read as UTF-8 as torch.load does)
                case 'T' -> push(utf8(bytes(length(i32())))); // BINSTRING
                case 'B' -> push(new Pickled.PyBytes(bytes(length(u32()))));
                case 'C' -> push(new Pickled.PyBytes(bytes(u8())));
                case 0x8e -> push(new Pickled.PyBytes(bytes(length(u64()))));
                case ')' -> push(new Pickled.PyTuple(List.of()));
                case 't' -> push(new Pickled.PyTuple(popMark()));
                case 0x85 -> tuple(1);
                case 0x86 -> tuple(2);
                case 0x87 -> tuple(3);
                case ']' -> push(new Pickled.PyList());
                case 'l' -> {
                    Pickled.PyList l = new Pickled.PyList();
                    for (Object o : popMark()) l.add(o);
                    push(l);
                }
                case 'a' -> {
                    Object item = pop();
                    list(peek()).add(item);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    Pickled.PyList l = list(peek());
                    for (Object o : items) l.add(o);
                }
                case '}' -> push(new Pickled.PyDict(false));
                case 'd' -> {
                    Pickled.PyDict d = new Pickled.PyDict(false);
                    setItems(d, popMark());
                    push(d);
                }
                case 's' -> {
                    Object v = pop(), k = pop();
                    setItems(dict(peek()), java.util.Arrays.asList(k, v));
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    setItems(dict(peek()), items);
                }
                case 'q' -> memo.put((long) u8(), peek());
                case 'r' -> memo.put(u32(), peek());
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8()));
                case 'j' -> push(memoGet(u32()));
                case 'c' -> {
                    String module = line(), name = line();
                    push(TorchGlobals.resolve(module, name, path, at(), where));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw unsafe("STACK_GLOBAL", "STACK_GLOBAL with a " + Pickled.typeName(module) + " and a " + Pickled.typeName(name) + " (two str expected)");
                    }
                    push(TorchGlobals.resolve(m, n, path, at(), where));
                }
                case 'R' -> {
                    Object args = pop();
                    Object f = peek();
                    stack.set(stack.size() - 1, call(f, args, "REDUCE"));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop(), cls = pop();
                    if (cls != TorchGlobals.Function.PARAMETER) {
                        throw unsafe("NEWOBJ", "NEWOBJ may only create torch.nn.Parameter, not a " + describe(cls));
                    }
                    push(call(cls, args, "NEWOBJ"));
                }
                case 'b' -> build();
                case 'Q' -> {
                    Object pid = pop();
                    if (!(pid instanceof Pickled.PyTuple t) || t.size() == 0 || !isStorageTag(t.get(0))) {
                        throw unsafe("BINPERSID", "persistent id " + describe(pid) + " is not a storage ('storage', …); only storages may be loaded");
                    }
                    push(storages.resolve(t, at()));
                }
                case 'i', 'o', 0x92, 0x82, 0x83, 0x84 -> throw unsafe(opName(code),
                        "opcode " + opName(code) + " builds arbitrary objects and is refused (torch.save never writes it for a state dict)");
                case 'P', 'I', 'L', 'F', 'S', 'V', 'g', 'p' -> throw error("protocol-0 text opcode " + opName(code)
                        + " is not read (torch.save writes protocol 2)");
                default -> throw error(String.format("unknown or unsupported opcode 0x%02x", code));
            }
        }
    }

    private void tuple(int n) {
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < n; i++) items.add(0, pop());
        push(new Pickled.PyTuple(items));
    }

    private void build() {
        Object state = pop();
        Object inst = peek();
        if (inst instanceof Pickled.PyDict d && d.ordered()) {
            if (!(state instanceof Pickled.PyDict s)) throw error("BUILD of an OrderedDict with a " + Pickled.typeName(state) + " state (a dict expected)");
            for (Map.Entry<Object, Object> e : s.entries().entrySet()) {
                if (!(e.getKey() instanceof String k)) throw error("BUILD of an OrderedDict with a non-str attribute name");
                d.setAttribute(k, e.getValue());
            }
            return;
        }
        if (inst instanceof TorchTensor) throw error("BUILD on a tensor (a legacy set_ pickle or Python attributes on a tensor) is not supported");
        throw unsafe("BUILD", "BUILD may only set an OrderedDict's attributes, not build a " + describe(inst));
    }

    /** REDUCE / NEWOBJ of an allowed function on an argument tuple. */
    private Object call(Object f, Object args, String how) {
        if (!(f instanceof TorchGlobals.Function fn)) {
            if (f instanceof StorageType || f instanceof Pickled.TorchDType) throw error(how + " on " + describe(f) + ", which is not callable here");
            throw unsafe(how, how + " on a " + describe(f) + ": only allowed torch functions may be called");
        }
        if (!(args instanceof Pickled.PyTuple a)) throw error(how + " of " + fn + " with a " + Pickled.typeName(args) + " (a tuple of arguments expected)");
        return switch (fn) {
            case ORDERED_DICT -> {
                if (a.size() != 0) throw error("collections.OrderedDict called with " + a.size() + " arguments (0 expected)");
                yield new Pickled.PyDict(true);
            }
            case SIZE -> {
                if (a.size() != 1 || !(a.get(0) instanceof Pickled.PyTuple dims)) throw error("torch.Size called without one tuple of sizes");
                dims(dims, "torch.Size");
                yield dims;
            }
            case REBUILD_TENSOR_V2, REBUILD_TENSOR -> rebuildTensor(fn, a);
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE, PARAMETER -> rebuildParameter(fn, a);
        };
    }

    private TorchTensor rebuildTensor(TorchGlobals.Function fn, Pickled.PyTuple a) {
        boolean v2 = fn == TorchGlobals.Function.REBUILD_TENSOR_V2;
        if (v2 ? (a.size() != 6 && a.size() != 7) : a.size() != 4) {
            throw error(fn + " with " + a.size() + " arguments (" + (v2 ? "6 or 7" : "4") + " expected)");
        }
        if (!(a.get(0) instanceof TorchStorage st)) throw error(fn + ": first argument is a " + describe(a.get(0)) + ", not a storage");
        if (!(a.get(1) instanceof Long offset) || offset < 0) throw error(fn + ": storage offset " + describe(a.get(1)) + " is not an int ≥ 0");
        if (!(a.get(2) instanceof Pickled.PyTuple sizeT) || !(a.get(3) instanceof Pickled.PyTuple strideT)) {
            throw error(fn + ": size and stride must be tuples, got " + describe(a.get(2)) + " and " + describe(a.get(3)));
        }
        long[] size = dims(sizeT, "size"), stride = dims(strideT, "stride");
        if (size.length != stride.length) throw error(fn + ": size of rank " + size.length + " with stride of rank " + stride.length);
        boolean grad = false;
        if (v2) {
            if (!(a.get(4) instanceof Boolean g)) throw error(fn + ": requires_grad is a " + describe(a.get(4)) + ", not a bool");
            grad = g;
            emptyDictOrNone(a.get(5), fn + ": backward hooks");
            if (a.size() == 7) emptyDictOrNone(a.get(6), fn + ": tensor metadata");
        }
        TorchTensor.View view = new TorchTensor.View(st, offset, size, stride);
        checkView(view, fn.toString());
        views.add(view);
        return new TorchTensor(view, false, grad);
    }

    private TorchTensor rebuildParameter(TorchGlobals.Function fn, Pickled.PyTuple a) {
        int want = switch (fn) {
            case REBUILD_PARAMETER -> 3;
            case REBUILD_PARAMETER_WITH_STATE -> 4;
            default -> a.size() == 1 ? 1 : 2;
        };
        if (a.size() != want || a.size() == 0) throw error(fn + " with " + a.size() + " arguments (" + want + " expected)");
        if (!(a.get(0) instanceof TorchTensor data)) throw error(fn + ": data is a " + describe(a.get(0)) + ", not a tensor");
        boolean grad = true;
        if (a.size() > 1) {
            if (!(a.get(1) instanceof Boolean g)) throw error(fn + ": requires_grad is a " + describe(a.get(1)) + ", not a bool");
            grad = g;
        }
        if (a.size() > 2) emptyDictOrNone(a.get(2), fn + ": backward hooks");
        if (a.size() > 3) emptyDictOrNone(a.get(3), fn + ": parameter state (Python attributes on a parameter)");
        return new TorchTensor(data.view(), true, grad);
    }

    /** Refuses a view that reaches outside its storage or is too large to hold. */
    private void checkView(TorchTensor.View v, String fn) {
        TorchStorage st = v.storage;
        long n;
        try {
            n = v.elements();
            long bytes = Math.multiplyExact(n, st.type.dtype.bytes());
            if (bytes > SafeTensors.MAX_TENSOR_BYTES) throw error(fn + ": a tensor of " + bytes + " bytes is larger than one Java array holds");
            long last = v.offset;
            for (int d = 0; d < v.shape.length; d++) if (v.shape[d] > 0) last = Math.addExact(last, Math.multiplyExact(v.shape[d] - 1, v.stride[d]));
            boolean inside = n == 0 ? v.offset <= st.numel : last < st.numel;
            if (!inside) {
                throw error(fn + ": view (offset " + v.offset + ", size " + java.util.Arrays.toString(v.shape) + ", stride "
                        + java.util.Arrays.toString(v.stride) + ") reaches element " + last + " of storage " + TorchGlobals.shown(st.key) + " holding " + st.numel);
            }
        } catch (ArithmeticException e) {
            throw error(fn + ": size " + java.util.Arrays.toString(v.shape) + " with stride " + java.util.Arrays.toString(v.stride) + " overflows 64 bits");
        }
    }

    private long[] dims(Pickled.PyTuple t, String what) {
        if (t.size() > MAX_RANK) throw error(what + " of rank " + t.size() + " (at most " + MAX_RANK + ")");
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long x) || x < 0) throw error(what + " holds " + describe(t.get(i)) + " (ints ≥ 0 expected)");
            out[i] = x;
        }
        return out;
    }

    private void emptyDictOrNone(Object o, String what) {
        if (o == null || (o instanceof Pickled.PyDict d && d.size() == 0 && d.attributes().isEmpty())) return;
        throw error(what + " must be empty, found " + describe(o));
    }

    private void setItems(Pickled.PyDict d, List<Object> items) {
        if (items.size() % 2 != 0) throw error("SETITEMS with an odd number (" + items.size() + ") of keys and values");
        for (int i = 0; i < items.size(); i += 2) {
            Object k = items.get(i);
            if (!hashable(k, 0)) throw error("dict key of type " + Pickled.typeName(k) + " is not a str, number, bool, None, bytes or tuple of them");
            d.put(k, items.get(i + 1));
        }
    }

    private static boolean hashable(Object k, int depth) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Double
                || k instanceof Boolean || k instanceof Pickled.PyBytes) return true;
        if (k instanceof Pickled.PyTuple t && depth < MAX_KEY_DEPTH) {
            for (Object o : t.items()) if (!hashable(o, depth + 1)) return false;
            return true;
        }
        return false;
    }

    private static boolean isStorageTag(Object o) {
        return "storage".equals(o) || (o instanceof Pickled.PyBytes b && new String(b.value(), StandardCharsets.ISO_8859_1).equals("storage"));
    }

    private static Object longValue(byte[] le) {
        if (le.length == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String describe(Object o) {
        if (o instanceof TorchGlobals.Function f) return f.qualified;
        if (o instanceof StorageType t) return t.toString();
        if (o instanceof Pickled.TorchDType d) return d.name();
        if (o instanceof TorchStorage) return "storage";
        if (o instanceof Long || o instanceof Boolean) return Pickled.typeName(o) + " " + o;
        if (o instanceof String s) return "str '" + TorchGlobals.shown(s) + "'";
        return Pickled.typeName(o);
    }

    private Pickled.PyList list(Object o) {
        if (o instanceof Pickled.PyList l) return l;
        throw error("APPEND to a " + describe(o) + " (only lists can be appended to)");
    }

    private Pickled.PyDict dict(Object o) {
        if (o instanceof Pickled.PyDict d) return d;
        throw error("SETITEM on a " + describe(o) + " (only dicts take items)");
    }

    private Object memoGet(long i) {
        if (!memo.containsKey(i)) throw error("memo entry " + i + " read before it was written");
        return memo.get(i);
    }

    private void push(Object o) {
        stack.add(o);
    }

    private int floor() {
        return marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    }

    private Object pop() {
        if (stack.size() <= floor()) throw error("stack underflow");
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.size() <= floor()) throw error("stack underflow");
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw error("no MARK to pop to");
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private int u8() {
        if (pos >= end) throw error("pickle ends without STOP");
        return buf[pos++] & 0xff;
    }

    private byte[] bytes(int n) {
        if (n > end - pos) throw error("an opcode needs " + n + " bytes, " + (end - pos) + " remain in the pickle");
        byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return b;
    }

    private int i32() {
        return ByteBuffer.wrap(bytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private long u32() {
        return i32() & 0xffffffffL;
    }

    private long u64() {
        return ByteBuffer.wrap(bytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private int length(long n) {
        if (n < 0 || n > end - pos) throw error("length " + Long.toUnsignedString(n) + " runs past the pickle's end (" + (end - pos) + " bytes remain)");
        return (int) n;
    }

    private String line() {
        int start = pos;
        while (pos < end && buf[pos] != '\n') {
            if (pos - start >= MAX_GLOBAL_LINE) throw error("GLOBAL name longer than " + MAX_GLOBAL_LINE + " bytes");
            pos++;
        }
        if (pos >= end) throw error("GLOBAL name runs past the pickle's end");
        String s = utf8(java.util.Arrays.copyOfRange(buf, start, pos));
        pos++;
        return s;
    }

    private String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error("string of " + b.length + " bytes is not valid UTF-8");
        }
    }

    private long at() {
        return fileBase + op;
    }

    private CheckpointFormatException error(String problem) {
        return new CheckpointFormatException(path, at(), where + problem);
    }

    private UnsafePickleException unsafe(String refused, String problem) {
        return new UnsafePickleException(path, at(), refused, where + problem);
    }

    private static String opName(int code) {
        return switch (code) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 0x82 -> "EXT1";
            case 0x83 -> "EXT2";
            case 0x84 -> "EXT4";
            case 'P' -> "PERSID";
            case 'I' -> "INT";
            case 'L' -> "LONG";
            case 'F' -> "FLOAT";
            case 'S' -> "STRING";
            case 'V' -> "UNICODE";
            case 'g' -> "GET";
            case 'p' -> "PUT";
            default -> String.format("0x%02x", code);
        };
    }
}
