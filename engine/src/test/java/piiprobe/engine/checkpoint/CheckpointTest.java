package piiprobe.engine.checkpoint;

import org.junit.jupiter.api.Test;
import piiprobe.engine.UserError;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");

    @Test
    void opensGoldenModelsInEveryStoredType() {
        try (Checkpoint gpt2 = Checkpoint.open(GOLDEN.resolve("gpt2"));
             Checkpoint f16 = Checkpoint.open(GOLDEN.resolve("gpt2_f16"));
             Checkpoint bf16 = Checkpoint.open(GOLDEN.resolve("qwen2_bf16"))) {
            assertEquals("gpt2", gpt2.config().modelType());
            TensorRef wte = gpt2.tensor("transformer.wte.weight", 50257, 16);
            assertEquals(DType.F32, wte.dtype());
            TensorRef wte16 = f16.tensor("transformer.wte.weight", 50257, 16);
            assertEquals(DType.F16, wte16.dtype());
            // The F16 file holds the F32 weights rounded to half precision.
            for (int i = 0; i < 1000; i += 37) assertEquals(wte.get(i), wte16.get(i), Math.abs(wte.get(i)) * 1e-3 + 1e-4);
            assertEquals(DType.BF16, bf16.tensor("model.embed_tokens.weight").dtype());
            assertArrayEquals(new int[] {50256}, gpt2.config().eosTokenIds());
        }
    }

    @Test
    void parameterCountIsTransformersNumParameters(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        try (Checkpoint gpt2 = Checkpoint.open(GOLDEN.resolve("gpt2"))) {
            long d = 16, layers = 3, positions = 256, vocab = 50257, inner = 4 * d;
            long perLayer = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * inner + inner) + (inner * d + d);
            assertEquals(vocab * d + positions * d + layers * perLayer + 2 * d, gpt2.parameterCount());  // LM head tied to wte
        }
        // buffers that older exports keep are not parameters; weights named like them are
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        float[] six = new float[6];
        new SafeTensorsWriter().add("h.0.attn.c_attn.bias", DType.F32, six, 6).add("h.0.attn.bias", DType.F32, six, 1, 1, 2, 3)
                .add("h.0.attn.masked_bias", DType.F32, six, 6).add("layers.0.attention.bias", DType.F32, six, 2, 3)
                .add("layers.0.attention.dense.bias", DType.F32, six, 6).add("layers.0.attention.rotary_emb.inv_freq", DType.F32, six, 6)
                .write(dir.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(12, c.parameterCount());
        }
    }

    @Test
    void misshapedTensorNamesFileAndTensor() {
        try (Checkpoint c = Checkpoint.open(GOLDEN.resolve("gpt2"))) {
            UserError e = assertThrows(UserError.class, () -> c.tensor("transformer.wte.weight", 50257, 32));
            assertTrue(e.getMessage().contains("model.safetensors: tensor 'transformer.wte.weight' has shape [50257, 16], expected [50257, 32]"), e.getMessage());
            UserError missing = assertThrows(UserError.class, () -> c.tensor("lm_head.weight"));
            assertTrue(missing.getMessage().contains("no tensor 'lm_head.weight'"), missing.getMessage());
        }
    }

    @Test
    void writerRoundTripsEveryDtype(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        float[] v = {1.0f, -2.5f, 3.14159f, 1e-3f, 65504f, -0.0f};
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        new SafeTensorsWriter()
                .add("b", DType.BF16, v, 2, 3)
                .add("a", DType.F32, v, 6)
                .add("c", DType.F16, v, 3, 2)
                .write(dir.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(java.util.List.of("a", "b", "c"), java.util.List.copyOf(c.names()));
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], c.tensor("a", 6).get(i));
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(v[i])), c.tensor("c", 3, 2).get(i));
                assertEquals(v[i], c.tensor("b", 2, 3).get(i), Math.abs(v[i]) / 128);
            }
        }
        byte[] raw = Files.readAllBytes(dir.resolve("model.safetensors"));
        long headerLen = java.nio.ByteBuffer.wrap(raw, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header padded to a multiple of 8");
        assertEquals(' ', (char) raw[(int) (8 + headerLen - 1)], "padding is spaces");
    }
}
