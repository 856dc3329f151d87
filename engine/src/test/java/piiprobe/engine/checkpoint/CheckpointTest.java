package piiprobe.engine.checkpoint;

import org.junit.jupiter.api.Test;
import piiprobe.engine.UserError;

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
    void misshapedTensorNamesFileAndTensor() {
        try (Checkpoint c = Checkpoint.open(GOLDEN.resolve("gpt2"))) {
            UserError e = assertThrows(UserError.class, () -> c.tensor("transformer.wte.weight", 50257, 32));
            assertTrue(e.getMessage().contains("model.safetensors: tensor 'transformer.wte.weight' has shape [50257, 16], expected [50257, 32]"), e.getMessage());
            UserError missing = assertThrows(UserError.class, () -> c.tensor("lm_head.weight"));
            assertTrue(missing.getMessage().contains("no tensor 'lm_head.weight'"), missing.getMessage());
        }
    }
}
