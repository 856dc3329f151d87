package piiprobe.engine.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Every way a model folder can be broken, each with the one line the user sees. */
class CheckpointErrorsTest {
    @TempDir
    Path dir;

    /** A model folder with config.json and the given model.safetensors contents. */
    Path model(String header, int dataBytes) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        writeRaw(dir.resolve("model.safetensors"), header.getBytes(StandardCharsets.UTF_8), dataBytes);
        return dir.resolve("model.safetensors");
    }

    static void writeRaw(Path file, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Files.write(file, b.array());
    }

    String error(Executable open) {
        return assertThrows(UserError.class, open).getMessage();
    }

    String openError() {
        return error(() -> Checkpoint.open(dir).close());
    }

    @Test
    void missingOrWrongFolder() throws IOException {
        Path nope = dir.resolve("nope");
        assertEquals(nope + ": no such model folder", error(() -> Checkpoint.open(nope)));
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertEquals(file + ": not a folder (give the model folder, which holds config.json and model.safetensors)",
                error(() -> Checkpoint.open(file)));
    }

    @Test
    void missingOrMalformedConfig() throws IOException {
        assertEquals(dir + ": no config.json (a Hugging Face model folder holds config.json and model.safetensors)", openError());
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\",\n  \"n_embd\": 16,,\n}");
        assertEquals(dir.resolve("config.json") + ": malformed JSON: Unexpected character (',' (code 44)): "
                + "was expecting double-quote to start field name (line 2, column 16)", openError());
        Files.writeString(dir.resolve("config.json"), "[1, 2]");
        assertEquals(dir.resolve("config.json") + ": not a JSON object", openError());
        Files.writeString(dir.resolve("config.json"), "{\"n_embd\": 16, \"n_embd\": 32}");
        assertTrue(openError().startsWith(dir.resolve("config.json") + ": malformed JSON: Duplicate field 'n_embd'"));
        Files.writeString(dir.resolve("config.json"), "[".repeat(5000));
        assertTrue(openError().startsWith(dir.resolve("config.json") + ": malformed JSON: Document nesting depth (1001) exceeds"), openError());
        Files.writeString(dir.resolve("config.json"), "{\"n_embd\": 16} {}");
        assertTrue(openError().startsWith(dir.resolve("config.json") + ": malformed JSON: Trailing token"), openError());
    }

    @Test
    void noWeightsOrAmbiguousWeights() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        assertEquals(dir + ": no model.safetensors or model.safetensors.index.json", openError());
        new SafeTensorsWriter().add("a", DType.F32, new float[1], 1).write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafeTensorsWriter().add("b", DType.F32, new float[1], 1).write(dir.resolve("model-00002-of-00002.safetensors"));
        assertEquals(dir + ": 2 .safetensors files but no model.safetensors.index.json to say which tensor lies where", openError());
    }

    @Test
    void pickleIsRefusedSayingWhyAndHowToConvert() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's'});
        assertEquals(dir.resolve("pytorch_model.bin") + ": a PyTorch pickle checkpoint, which piiprobe refuses to load because "
                + "unpickling can run arbitrary code; convert it to safetensors with transformers: "
                + "AutoModelForCausalLM.from_pretrained(DIR).save_pretrained(OUT, safe_serialization=True)", openError());
    }

    @Test
    void missingTensorAndUnsupportedDtype() throws IOException {
        Path f = model("{\"a\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 16]},"
                + " \"b\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [16, 24]},"
                + " \"c\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [24, 28]}}", 28);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(f + ": no tensor 'lm_head.weight' (the checkpoint holds 3 tensors; is config.json's model_type right?)",
                    error(() -> c.tensor("lm_head.weight")));
            assertEquals(f + ": tensor 'a' has dtype F64; piiprobe reads F32, F16 and BF16", error(() -> c.tensor("a")));
            assertEquals(f + ": tensor 'b' has dtype I64; piiprobe reads F32, F16 and BF16", error(() -> c.tensor("b")));
            assertEquals(0f, c.tensor("c", 1).get(0), "the other tensors still read");
        }
    }

    @Test
    void truncatedFiles() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        Path f = Files.write(dir.resolve("model.safetensors"), new byte[] {5, 0, 0});
        assertEquals(f + ": truncated: 3 bytes, shorter than the 8-byte header length", openError());
        writeRaw(f, "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}".getBytes(StandardCharsets.UTF_8), 16);
        byte[] whole = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(whole, 40));
        assertEquals(f + ": header length 62 does not fit a file of 40 bytes (truncated or not a safetensors file)", openError());
        Files.write(f, java.util.Arrays.copyOf(whole, whole.length - 4));
        assertEquals(f + ": tensor 'a': data_offsets [0, 16] lie outside the file's data section (12 bytes)", openError());
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-3L).putLong(0);
        Files.write(f, huge.array());
        assertEquals(f + ": header length 18446744073709551613 does not fit a file of 16 bytes (truncated or not a safetensors file)", openError());
    }

    @Test
    void malformedHeaders() throws IOException {
        Path f = model("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]", 4);
        assertEquals(f + ": header: malformed JSON: Unexpected end-of-input: expected close marker for Object opened at line 1, column 7 "
                + "(line 1, column 60)", openError());
        model("[1, 2, 3]", 0);
        assertEquals(f + ": header: not a JSON object", openError());
        Files.writeString(dir.resolve("config.json"), "{}");
        writeRaw(f, new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'}, 0);
        assertEquals(f + ": malformed header: not UTF-8 text (not a safetensors file?)", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4);
        assertEquals(f + ": tensor 'a' appears twice in the header", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}} {}", 4);
        assertEquals(f + ": header: malformed JSON: more after the object ends", openError());
    }

    @Test
    void headerEntriesMissingParts() throws IOException {
        Path f = model("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4);
        assertEquals(f + ": tensor 'a': no dtype", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4);
        assertEquals(f + ": tensor 'a': no shape", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4);
        assertEquals(f + ": tensor 'a': data_offsets must be [begin, end], two non-negative integers, got null", openError());
        model("{\"a\": [1, 2]}", 4);
        assertEquals(f + ": tensor 'a': header entry is not an object", openError());
    }

    @Test
    void hostileNumbers() throws IOException {
        Path f = model("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4);
        assertEquals(f + ": tensor 'a': bad shape [-1] (dimensions are non-negative integers)", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4);
        assertEquals(f + ": tensor 'a': bad shape [1.5] (dimensions are non-negative integers)", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4611686018427387904], \"data_offsets\": [0, 4]}}", 4);
        assertEquals(f + ": tensor 'a': shape [4611686018427387904, 4611686018427387904] is too large", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [18446744073709551616, 4]}}", 4);
        assertEquals(f + ": tensor 'a': data_offsets must be [begin, end], two non-negative integers, got [18446744073709551616,4]", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", 4);
        assertEquals(f + ": tensor 'a': data_offsets must be [begin, end], two non-negative integers, got [-4,0]", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", 4);
        assertEquals(f + ": tensor 'a': data_offsets [4, 0] lie outside the file's data section (4 bytes)", openError());
    }

    @Test
    void offsetsInconsistentWithShapeOrNotPacked() throws IOException {
        Path f = model("{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 16]}}", 16);
        assertEquals(f + ": tensor 'a': data_offsets span 16 bytes but F32[2, 3] needs 24", openError());
        model("{\"a\": {\"dtype\": \"I64\", \"shape\": [3], \"data_offsets\": [0, 16]}}", 16);
        assertEquals(f + ": tensor 'a': data_offsets span 16 bytes but I64[3] needs 24", openError(), "checked for dtypes piiprobe does not read too");
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12);
        assertEquals(f + ": tensor 'b': data_offsets [4, 12] overlap tensor 'a' (which ends at 8)", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [12, 16]}}", 16);
        assertEquals(f + ": tensor 'b': data_offsets [12, 16] leave a gap after tensor 'a' (which ends at 8)", openError());
        model("{\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8);
        assertEquals(f + ": tensor 'b': data_offsets [4, 8] leave a gap after the start of the data section", openError());
        model("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 12);
        assertEquals(f + ": the tensors cover 4 bytes but the data section holds 12 (trailing bytes: damaged or not a safetensors file)", openError());
    }

    /** Writes a two-shard checkpoint (a in shard 1, b in shard 2) with the given index text. */
    void shards(String weightMap) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        new SafeTensorsWriter().add("a", DType.F32, new float[] {1, 2}, 2).write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafeTensorsWriter().add("b", DType.BF16, new float[] {3}, 1).write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\": {}, \"weight_map\": " + weightMap + "}");
    }

    @Test
    void shardedCheckpoint() throws IOException {
        shards("{\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertArrayEquals(new float[] {1, 2}, c.tensor("a", 2).toFloatArray());
            assertEquals(3f, c.tensor("b", 1).get(0));
            assertEquals(dir.resolve("model.safetensors.index.json") + ": no tensor 'c' (the checkpoint holds 2 tensors; is config.json's model_type right?)",
                    error(() -> c.tensor("c")));
        }
    }

    @Test
    void brokenShardedCheckpoints() throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        shards("{\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00003-of-00002.safetensors\"}");
        assertEquals(index + ": shard file model-00003-of-00002.safetensors is missing", openError());
        shards("{\"a\": \"model-00002-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}");
        assertEquals(index + ": tensor 'a' is listed in model-00002-of-00002.safetensors but not stored there", openError());
        shards("{\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00001-of-00002.safetensors\", \"z\": \"model-00002-of-00002.safetensors\"}");
        assertEquals(index + ": tensor 'b' is listed in model-00001-of-00002.safetensors but stored in model-00002-of-00002.safetensors", openError());
        shards("{\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"../model-00002-of-00002.safetensors\"}");
        assertEquals(index + ": shard '../model-00002-of-00002.safetensors' lies outside the model folder", openError());
        shards("{\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"/etc/passwd\"}");
        assertEquals(index + ": shard '/etc/passwd' lies outside the model folder", openError());
        shards("{\"a\": \"model-00001-of-00002.safetensors\", \"b\": \".\"}");
        assertEquals(index + ": shard '.' lies outside the model folder", openError());
        shards("{\"a\": \"model-00001-of-00002.safetensors\", \"b\": 2}");
        assertEquals(index + ": weight_map['b'] must be a file name, got 2", openError());
        shards("[]");
        assertEquals(index + ": no weight_map object", openError());
        shards("{\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}");
        new SafeTensorsWriter().add("a", DType.F32, new float[1], 1).write(dir.resolve("model-00002-of-00002.safetensors"));
        assertEquals(dir.resolve("model-00002-of-00002.safetensors") + ": tensor 'a' is stored twice (also in "
                + dir.resolve("model-00001-of-00002.safetensors") + ")", openError());
    }

    @Test
    void nonRegularFilesAreRefusedWithoutBlocking() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        Path weights = dir.resolve("model.safetensors");
        mkfifo(weights);
        assertEquals(weights + ": not a regular file (a FIFO, socket or device)", openErrorWithin20s());
        Files.delete(weights);
        assumeTrue(Files.exists(Path.of("/dev/zero")));
        Files.createSymbolicLink(weights, Path.of("/dev/zero"));
        assertEquals(weights + ": not a regular file (a FIFO, socket or device)", openErrorWithin20s());
        Files.delete(weights);
        Files.createDirectory(weights);
        assertEquals(weights + ": not a regular file (a folder)", openErrorWithin20s());
        Files.delete(weights);
        Files.createSymbolicLink(dir.resolve("weights.safetensors"), Path.of("/dev/zero"));
        assertEquals(dir + ": no model.safetensors or model.safetensors.index.json", openErrorWithin20s(), "a listed device is not a candidate");
        Files.delete(dir.resolve("weights.safetensors"));

        Path config = dir.resolve("config.json");
        Files.delete(config);
        mkfifo(config);
        assertEquals(config + ": not a regular file (a FIFO, socket or device)", openErrorWithin20s());
        Files.delete(config);
        Files.writeString(config, "{}");
        mkfifo(dir.resolve("generation_config.json"));
        assertEquals(dir.resolve("generation_config.json") + ": not a regular file (a FIFO, socket or device)", openErrorWithin20s());
    }

    String openErrorWithin20s() {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), this::openError);
    }

    static void mkfifo(Path path) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        } catch (IOException e) {
            abort("no mkfifo on this machine");
            return;
        }
        assumeTrue(p.waitFor() == 0, "mkfifo failed");
    }

    /** File systems known to store holes without writing them. */
    static final Set<String> SPARSE = Set.of("ext4", "ext3", "xfs", "btrfs", "tmpfs", "overlay", "zfs", "f2fs", "bcachefs");

    @Test
    void tensorBeyondTwoGiBInASparseFile() throws IOException {
        assumeTrue(SPARSE.contains(Files.getFileStore(dir).type()), "sparse files on " + Files.getFileStore(dir).type());
        long filler = (1L << 31) + 4; // so the tensor starts past 2^31 and at an offset not a multiple of 8
        String header = "{\"a.filler\": {\"dtype\": \"U8\", \"shape\": [" + filler + "], \"data_offsets\": [0, " + filler + "]},"
                + " \"b.weight\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [" + filler + ", " + (filler + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("config.json"), "{}");
        Path f = dir.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).flip(), 0);
            ByteBuffer values = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(3e-5f).putFloat(7f).flip();
            ch.write(values, 8 + h.length + filler); // the hole before it is never written
        }
        assertEquals(8 + h.length + filler + 16, Files.size(f));
        try (Checkpoint c = Checkpoint.open(dir)) {
            TensorRef w = c.tensor("b.weight", 2, 2);
            assertArrayEquals(new float[] {1.5f, -2f, 3e-5f, 7f}, w.toFloatArray());
            assertEquals(7f, w.get(3));
            assertEquals(f + ": tensor 'a.filler' has dtype U8; piiprobe reads F32, F16 and BF16", error(() -> c.tensor("a.filler")));
        }
    }
}
