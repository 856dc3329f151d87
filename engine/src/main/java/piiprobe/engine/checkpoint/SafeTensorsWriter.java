package piiprobe.engine.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.util.OwnerOnlyFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Writes a safetensors file the way transformers' {@code save_pretrained} does: tensors sorted by name
 * and packed contiguously, header padded with spaces to a multiple of 8, {@code __metadata__} saying
 * "pt". The file appears whole or not at all, readable by its owner only ({@link OwnerOnlyFiles}): a model
 * trained on people's data may give it back.
 */
public final class SafeTensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor to write: float values converted to {@code dtype} on the way out (round to nearest even). */
    public record Tensor(String name, DType dtype, long[] shape, float[] values) {
        public Tensor {
            if (TensorRef.numel(shape) != values.length)
                throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + java.util.Arrays.toString(shape));
        }
    }

    private final TreeMap<String, Tensor> tensors = new TreeMap<>();

    public SafeTensorsWriter add(String name, DType dtype, float[] values, long... shape) {
        if (tensors.put(name, new Tensor(name, dtype, shape.clone(), values)) != null)
            throw new IllegalArgumentException("tensor " + name + " added twice");
        return this;
    }

    public void write(Path file) {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        List<Tensor> order = new ArrayList<>(tensors.values());
        for (Tensor t : order) {
            long bytes = t.values.length * (long) t.dtype.bytes();
            ObjectNode e = header.putObject(t.name);
            e.put("dtype", t.dtype.name());
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape) shape.add(d);
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        OwnerOnlyFiles.write(file, ch -> {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) head.put((byte) ' ');
            writeAll(ch, head.flip());
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : order) {
                for (float v : t.values) {
                    if (buf.remaining() < 4) writeAll(ch, buf.flip());
                    switch (t.dtype) {
                        case F32 -> buf.putFloat(v);
                        case F16 -> buf.putShort(Float.floatToFloat16(v));
                        case BF16 -> buf.putShort(toBf16(v));
                    }
                }
            }
            writeAll(ch, buf.flip());
        });
    }

    private static void writeAll(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
        buf.clear();
    }

    /** float → bfloat16 with round-to-nearest-even, as torch's {@code .to(torch.bfloat16)}; NaN stays NaN. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
