package piiprobe.engine.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
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
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Real headers are a few hundred KiB; a larger length means a damaged or foreign file. */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private record Entry(String name, String dtype, long[] shape, long begin, long end, Shard shard) {}

    private record Shard(Path file, MemorySegment data) {}

    private final Path dir;
    private final HfConfig config;
    private final Arena arena;
    private final Map<String, Entry> entries;

    private Checkpoint(Path dir, HfConfig config, Arena arena, Map<String, Entry> entries) {
        this.dir = dir;
        this.config = config;
        this.arena = arena;
        this.entries = entries;
    }

    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) throw new UserError(dir + ": no such model folder");
        Path configJson = dir.resolve("config.json");
        if (!Files.isRegularFile(configJson))
            throw new UserError(dir + ": no config.json (a Hugging Face model folder holds config.json and model.safetensors)");
        HfConfig config = HfConfig.read(configJson);
        List<Path> files = weightFiles(dir);
        Arena arena = Arena.ofShared();
        try {
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (Path f : files) readShard(f, arena, entries);
            Path index = dir.resolve("model.safetensors.index.json");
            if (Files.isRegularFile(index)) checkIndex(index, entries);
            return new Checkpoint(dir, config, arena, entries);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The safetensors files to read, refusing pickle checkpoints. */
    private static List<Path> weightFiles(Path dir) {
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            Set<String> shards = new TreeSet<>();
            for (Iterator<JsonNode> it = weightMap(index).elements(); it.hasNext(); ) {
                JsonNode v = it.next();
                if (!v.isTextual()) throw new UserError(index + ": weight_map values must be file names");
                shards.add(v.asText());
            }
            List<Path> files = new ArrayList<>();
            for (String s : shards) {
                Path f = dir.resolve(s).normalize();
                if (!f.startsWith(dir.normalize())) throw new UserError(index + ": shard '" + s + "' lies outside the model folder");
                if (!Files.isRegularFile(f)) throw new UserError(index + ": shard file " + s + " is missing");
                files.add(f);
            }
            return files;
        }
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(single)) return List.of(single);
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UserError(dir + ": cannot list the folder: " + e.getMessage());
        }
        List<Path> safetensors = names.stream().filter(n -> n.endsWith(".safetensors")).map(dir::resolve).toList();
        if (safetensors.size() == 1) return safetensors;
        for (String n : names) {
            if (n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".ckpt")) {
                throw new UserError(dir.resolve(n) + ": a PyTorch pickle checkpoint, which piiprobe refuses to load because "
                        + "unpickling can run arbitrary code; convert it to safetensors with transformers: "
                        + "AutoModelForCausalLM.from_pretrained(DIR).save_pretrained(OUT, safe_serialization=True)");
            }
        }
        throw new UserError(dir + ": no model.safetensors or model.safetensors.index.json");
    }

    private static JsonNode weightMap(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new UserError(index + ": malformed JSON: " + HfConfig.firstLine(e.getMessage()));
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new UserError(index + ": no weight_map object");
        return map;
    }

    private static void checkIndex(Path index, Map<String, Entry> entries) {
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap(index).fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Entry entry = entries.get(e.getKey());
            if (entry == null)
                throw new UserError(index + ": tensor '" + e.getKey() + "' is listed in " + e.getValue().asText() + " but not stored there");
            if (!entry.shard.file.getFileName().toString().equals(e.getValue().asText()))
                throw new UserError(index + ": tensor '" + e.getKey() + "' is listed in " + e.getValue().asText()
                        + " but stored in " + entry.shard.file.getFileName());
        }
    }

    private static void readShard(Path file, Arena arena, Map<String, Entry> entries) {
        String where = file.toString();
        long size;
        MemorySegment mapped;
        JsonNode header;
        long headerLen;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            if (size < 8) throw new UserError(where + ": truncated: " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8)
                throw new UserError(where + ": header length " + Long.toUnsignedString(headerLen) + " does not fit a file of "
                        + size + " bytes (truncated or not a safetensors file)");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            try {
                header = JSON.readTree(hb.array());
            } catch (IOException e) {
                throw new UserError(where + ": malformed header: " + HfConfig.firstLine(e.getMessage()));
            }
            if (header == null || !header.isObject()) throw new UserError(where + ": malformed header: not a JSON object");
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException e) {
            throw new UserError(where + ": cannot read: " + e.getMessage());
        }
        long dataStart = 8 + headerLen;
        Shard shard = new Shard(file, mapped.asSlice(dataStart).asReadOnly());
        long dataSize = size - dataStart;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            if (name.equals("__metadata__")) continue;
            Entry e = parseEntry(where, name, f.getValue(), dataSize, shard);
            if (entries.putIfAbsent(name, e) != null)
                throw new UserError(where + ": tensor '" + name + "' is stored twice (also in " + entries.get(name).shard.file + ")");
        }
    }

    private static Entry parseEntry(String where, String name, JsonNode n, long dataSize, Shard shard) {
        String t = where + ": tensor '" + name + "': ";
        if (!n.isObject()) throw new UserError(t + "header entry is not an object");
        JsonNode dtype = n.get("dtype"), shapeN = n.get("shape"), offs = n.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) throw new UserError(t + "no dtype");
        if (shapeN == null || !shapeN.isArray()) throw new UserError(t + "no shape");
        if (offs == null || !offs.isArray() || offs.size() != 2 || !offs.get(0).isIntegralNumber() || !offs.get(1).isIntegralNumber())
            throw new UserError(t + "data_offsets must be [begin, end]");
        long[] shape = new long[shapeN.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeN.get(i);
            if (!d.isIntegralNumber() || d.longValue() < 0) throw new UserError(t + "bad shape " + shapeN);
            shape[i] = d.longValue();
        }
        long begin = offs.get(0).longValue(), end = offs.get(1).longValue();
        if (begin < 0 || end < begin || end > dataSize)
            throw new UserError(t + "data_offsets [" + begin + ", " + end + "] lie outside the file's data section (" + dataSize + " bytes)");
        DType dt = DType.fromSafetensors(dtype.asText());
        if (dt != null) {
            long expect;
            try {
                expect = Math.multiplyExact(TensorRef.numel(shape), dt.bytes());
            } catch (ArithmeticException ex) {
                throw new UserError(t + "shape " + Arrays.toString(shape) + " is too large");
            }
            if (end - begin != expect)
                throw new UserError(t + "data_offsets span " + (end - begin) + " bytes but " + dtype.asText()
                        + Arrays.toString(shape) + " needs " + expect);
        }
        return new Entry(name, dtype.asText(), shape, begin, end, shard);
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

    /** The tensor called {@code name}; a missing tensor or an unsupported dtype is a {@link UserError}. */
    public TensorRef tensor(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            Path where = entries.isEmpty() ? dir : entries.values().iterator().next().shard.file;
            throw new UserError(where + ": no tensor '" + name + "' (the checkpoint holds " + entries.size()
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
