package piiprobe.engine.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import piiprobe.engine.UserError;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A Hugging Face model folder: {@code config.json} plus weights in safetensors, one file
 * ({@code model.safetensors}) or shards listed by {@code model.safetensors.index.json}. Files are
 * memory-mapped (any size) and every header is checked against its file before any tensor is read,
 * so a damaged checkpoint fails with one line naming the file and the tensor.
 */
public final class Checkpoint implements AutoCloseable {
    /** The safetensors library's limit: real headers are a few hundred KiB, a larger length means a damaged or foreign file. */
    private static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Bytes per element of every safetensors dtype whose size is whole bytes, to check offsets of tensors piiprobe does not read. */
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1),
            Map.entry("F8_E8M0", 1), Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4), Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("F64", 8));

    /** Lenient about duplicate names only because {@link #readShard} reports them itself, naming the tensor. */
    private static final ObjectMapper HEADER_JSON = new ObjectMapper();

    private record Entry(String name, String dtype, long[] shape, long begin, long end, Shard shard) {}

    private record Shard(Path file, MemorySegment data) {}

    /** The weight files, and the index that lists them (null for a single file). */
    private record Weights(List<Path> files, Path index, JsonNode weightMap) {}

    private final Path dir;
    private final HfConfig config;
    private final Arena arena;
    private final Map<String, Entry> entries;
    /** What a missing tensor's error names: the single weight file or the index. */
    private final Path source;

    private Checkpoint(Path dir, HfConfig config, Arena arena, Map<String, Entry> entries, Path source) {
        this.dir = dir;
        this.config = config;
        this.arena = arena;
        this.entries = entries;
        this.source = source;
    }

    public static Checkpoint open(Path dir) {
        if (!Files.exists(dir)) throw new UserError(dir + ": no such model folder");
        if (!Files.isDirectory(dir))
            throw new UserError(dir + ": not a folder (give the model folder, which holds config.json and model.safetensors)");
        Path configJson = dir.resolve("config.json");
        if (!HfFiles.isRegularFile(configJson))
            throw new UserError(dir + ": no config.json (a Hugging Face model folder holds config.json and model.safetensors)");
        HfConfig config = HfConfig.read(configJson);
        Weights weights = weightFiles(dir);
        Arena arena = Arena.ofShared();
        try {
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (Path f : weights.files) readShard(f, arena, entries);
            if (weights.index != null) checkIndex(dir, weights, entries);
            return new Checkpoint(dir, config, arena, entries, weights.index != null ? weights.index : weights.files.getFirst());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The safetensors files to read, refusing pickle checkpoints. */
    private static Weights weightFiles(Path dir) {
        Path index = dir.resolve("model.safetensors.index.json");
        if (HfFiles.isRegularFile(index)) {
            JsonNode map = HfFiles.readObject(index).get("weight_map");
            if (map == null || !map.isObject()) throw new UserError(index + ": no weight_map object");
            Set<Path> files = new TreeSet<>();
            for (Map.Entry<String, JsonNode> e : map.properties()) {
                JsonNode v = e.getValue();
                if (!v.isTextual()) throw new UserError(index + ": weight_map['" + e.getKey() + "'] must be a file name, got " + v);
                files.add(shardFile(dir, index, v.asText()));
            }
            return new Weights(List.copyOf(files), index, map);
        }
        Path single = dir.resolve("model.safetensors");
        if (HfFiles.isRegularFile(single)) return new Weights(List.of(single), null, null);
        List<Path> regular;
        try (Stream<Path> s = Files.list(dir)) {
            regular = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UserError(dir + ": cannot list the folder: " + UserError.reason(e));
        }
        List<Path> safetensors = regular.stream().filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
        if (safetensors.size() == 1) return new Weights(safetensors, null, null);
        if (safetensors.size() > 1)
            throw new UserError(dir + ": " + safetensors.size() + " .safetensors files but no model.safetensors.index.json to say which tensor lies where");
        for (Path p : regular) {
            String n = p.getFileName().toString();
            if (n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".ckpt")) {
                throw new UserError(p + ": a PyTorch pickle checkpoint, which piiprobe refuses to load because "
                        + "unpickling can run arbitrary code; convert it to safetensors with transformers: "
                        + "AutoModelForCausalLM.from_pretrained(DIR).save_pretrained(OUT, safe_serialization=True)");
            }
        }
        throw new UserError(dir + ": no model.safetensors or model.safetensors.index.json");
    }

    /** A shard named by the index: a file inside the model folder (the index must not point elsewhere). */
    private static Path shardFile(Path dir, Path index, String name) {
        Path f;
        try {
            f = dir.resolve(name).normalize();
        } catch (InvalidPathException e) {
            throw new UserError(index + ": shard name '" + name + "' is not a valid file name");
        }
        Path root = dir.toAbsolutePath().normalize(), abs = f.toAbsolutePath().normalize();
        if (!abs.startsWith(root) || abs.equals(root))
            throw new UserError(index + ": shard '" + name + "' lies outside the model folder");
        if (!HfFiles.isRegularFile(f)) throw new UserError(index + ": shard file " + name + " is missing");
        return f;
    }

    private static void checkIndex(Path dir, Weights weights, Map<String, Entry> entries) {
        for (Map.Entry<String, JsonNode> e : weights.weightMap.properties()) {
            Entry entry = entries.get(e.getKey());
            String listed = e.getValue().asText();
            if (entry == null)
                throw new UserError(weights.index + ": tensor '" + e.getKey() + "' is listed in " + listed + " but not stored there");
            if (!entry.shard.file.equals(dir.resolve(listed).normalize()))
                throw new UserError(weights.index + ": tensor '" + e.getKey() + "' is listed in " + listed
                        + " but stored in " + entry.shard.file.getFileName());
        }
    }

    private static void readShard(Path file, Arena arena, Map<String, Entry> entries) {
        String where = file.toString();
        long size;
        MemorySegment mapped;
        byte[] header;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            if (size < 8) throw new UserError(where + ": truncated: " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8)
                throw new UserError(where + ": header length " + Long.toUnsignedString(headerLen) + " does not fit a file of "
                        + size + " bytes (truncated or not a safetensors file)");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            header = hb.array();
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException e) {
            throw new UserError(where + ": cannot read: " + UserError.reason(e));
        }
        long dataStart = 8 + header.length;
        Shard shard = new Shard(file, mapped.asSlice(dataStart).asReadOnly());
        List<Entry> inFile = parseHeader(header, where, size - dataStart, shard);
        for (Entry e : inFile) {
            Entry before = entries.putIfAbsent(e.name, e);
            if (before != null)
                throw new UserError(where + ": tensor '" + e.name + "' " + (before.shard == shard ? "appears twice in the header"
                        : "is stored twice (also in " + before.shard.file + ")"));
        }
        checkPacked(where, inFile, size - dataStart);
    }

    /**
     * The header's tensor entries. It is read as a stream, one small entry tree at a time: a header may
     * hold 100 MB of entries, which as one JSON tree would need gigabytes of heap. It must be UTF-8, as the
     * format says (Jackson alone would also take UTF-16).
     */
    private static List<Entry> parseHeader(byte[] bytes, String where, long dataSize, Shard shard) {
        List<Entry> out = new ArrayList<>();
        Reader utf8 = new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8.newDecoder());
        try (JsonParser p = HEADER_JSON.createParser(utf8)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new UserError(where + ": header: not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals("__metadata__")) {
                    p.skipChildren();
                    continue;
                }
                out.add(parseEntry(where, name, HEADER_JSON.readTree(p), dataSize, shard));
            }
            if (p.nextToken() != null) throw new UserError(where + ": header: malformed JSON: more after the object ends");
        } catch (CharacterCodingException e) {
            throw new UserError(where + ": malformed header: not UTF-8 text (not a safetensors file?)");
        } catch (IOException e) {
            throw new UserError(where + ": header: malformed JSON: " + HfFiles.describe(e));
        }
        return out;
    }

    /**
     * The format's rule that tensors tile the data section exactly, in offset order, with no gap, overlap
     * or trailing bytes: the safetensors library refuses anything else, and so a damaged file fails here
     * rather than showing one tensor's bytes as another's.
     */
    private static void checkPacked(String where, List<Entry> inFile, long dataSize) {
        List<Entry> sorted = new ArrayList<>(inFile);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin != at)
                throw new UserError(where + ": tensor '" + e.name + "': data_offsets [" + e.begin + ", " + e.end + "] "
                        + (e.begin < at ? "overlap" : "leave a gap after") + " "
                        + (previous == null ? "the start of the data section" : "tensor '" + previous + "' (which ends at " + at + ")"));
            at = e.end;
            previous = e.name;
        }
        if (at != dataSize)
            throw new UserError(where + ": the tensors cover " + at + " bytes but the data section holds " + dataSize
                    + " (trailing bytes: damaged or not a safetensors file)");
    }

    private static Entry parseEntry(String where, String name, JsonNode n, long dataSize, Shard shard) {
        String t = where + ": tensor '" + name + "': ";
        if (!n.isObject()) throw new UserError(t + "header entry is not an object");
        JsonNode dtype = n.get("dtype"), shapeN = n.get("shape"), offs = n.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) throw new UserError(t + "no dtype");
        if (shapeN == null || !shapeN.isArray()) throw new UserError(t + "no shape");
        if (offs == null || !offs.isArray() || offs.size() != 2 || !isCount(offs.get(0)) || !isCount(offs.get(1)))
            throw new UserError(t + "data_offsets must be [begin, end], two non-negative integers, got " + offs);
        long[] shape = new long[shapeN.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeN.get(i);
            if (!isCount(d)) throw new UserError(t + "bad shape " + shapeN + " (dimensions are non-negative integers)");
            shape[i] = d.longValue();
        }
        long begin = offs.get(0).longValue(), end = offs.get(1).longValue();
        if (end < begin || end > dataSize)
            throw new UserError(t + "data_offsets [" + begin + ", " + end + "] lie outside the file's data section (" + dataSize + " bytes)");
        Integer bytes = DTYPE_BYTES.get(dtype.asText());
        if (bytes != null) {
            long expect;
            try {
                expect = Math.multiplyExact(TensorRef.numel(shape), bytes);
            } catch (ArithmeticException ex) {
                throw new UserError(t + "shape " + Arrays.toString(shape) + " is too large");
            }
            if (end - begin != expect)
                throw new UserError(t + "data_offsets span " + (end - begin) + " bytes but " + dtype.asText()
                        + Arrays.toString(shape) + " needs " + expect);
        }
        return new Entry(name, dtype.asText(), shape, begin, end, shard);
    }

    /** A JSON integer in [0, Long.MAX_VALUE] (Jackson would silently wrap a larger one). */
    private static boolean isCount(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    public Path dir() {
        return dir;
    }

    public HfConfig config() {
        return config;
    }

    public boolean has(String name) {
        return entries.containsKey(name);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /**
     * The model's parameter count as transformers' {@code num_parameters()} gives it: the elements of every
     * stored tensor but the buffers some exports keep (causal masks {@code attn.bias} and {@code masked_bias},
     * rotary {@code inv_freq}). Tied weights are stored once, so they count once.
     */
    public long parameterCount() {
        long n = 0;
        for (Entry e : entries.values())
            if (!NOT_PARAMETERS.matcher(e.name).find()) n += TensorRef.numel(e.shape);
        return n;
    }

    private static final java.util.regex.Pattern NOT_PARAMETERS =
            java.util.regex.Pattern.compile("\\.(attn|attention)\\.(bias|masked_bias)$|\\.masked_bias$|\\.inv_freq$");

    /** The tensor called {@code name}; a missing tensor or an unsupported dtype is a {@link UserError}. */
    public TensorRef tensor(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new UserError(source + ": no tensor '" + name + "' (the checkpoint holds " + entries.size()
                    + " tensors; is config.json's model_type right?)");
        }
        DType dt = DType.fromSafetensors(e.dtype);
        if (dt == null)
            throw new UserError(e.shard.file + ": tensor '" + name + "' has dtype " + e.dtype + "; piiprobe reads F32, F16 and BF16");
        return new TensorRef(name, dt, e.shape.clone(), e.shard.data.asSlice(e.begin, e.end - e.begin), e.shard.file);
    }

    /** The tensor called {@code name}, which must have exactly this shape. */
    public TensorRef tensor(String name, long... shape) {
        TensorRef t = tensor(name);
        if (!Arrays.equals(t.shape(), shape))
            throw new UserError(t.file() + ": tensor '" + name + "' has shape " + t.shapeString() + ", expected "
                    + Arrays.toString(shape) + " from config.json");
        return t;
    }

    @Override
    public void close() {
        arena.close();
    }
}
