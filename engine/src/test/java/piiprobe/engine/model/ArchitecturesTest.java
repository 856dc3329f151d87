package piiprobe.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.checkpoint.SafeTensorsWriter;
import piiprobe.engine.checkpoint.TensorRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry and every error a user can cause with a model folder or a forward call. */
class ArchitecturesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A folder with this config.json and an empty model.safetensors: enough for config errors. */
    private UserError loadError(String configJson) throws IOException {
        Files.writeString(dir.resolve("config.json"), configJson);
        new SafeTensorsWriter().write(dir.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(dir)) {
            return assertThrows(UserError.class, () -> Architectures.load(c));
        }
    }

    @Test
    void unsupportedModelTypeNamesConfigAndListsSupported() throws IOException {
        UserError e = loadError("{\"model_type\": \"bert\"}");
        assertEquals(dir.resolve("config.json") + ": model_type 'bert' is not supported; piiprobe runs gpt2, gpt_neo, gpt_neox, llama, mistral, qwen2",
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'model_type': 'gpt2', 'n_embd': 10, 'n_head': 4}|'n_embd' (10) must be divisible by 'n_head' (4)",
            "{'model_type': 'gpt2', 'activation_function': 'swiglu'}|'activation_function' is 'swiglu', which piiprobe does not implement; it has gelu, gelu_new, gelu_pytorch_tanh",
            "{'model_type': 'gpt2', 'n_layer': 0}|'n_layer' must be a positive integer, got 0",
            "{'model_type': 'gpt2', 'n_head': 'four'}|'n_head' must be an integer, got \"four\"",
            "{'model_type': 'gpt_neo', 'num_layers': 2, 'attention_layers': ['global']}|the attention layer types name 1 layers but num_layers is 2",
            "{'model_type': 'gpt_neo', 'num_layers': 1, 'attention_layers': ['sparse']}|attention type 'sparse' is neither 'global' nor 'local'",
            "{'model_type': 'gpt_neo', 'attention_types': [['global', 12]]}|'attention_types' must look like",
            "{'model_type': 'gpt_neox', 'rope_scaling': {'type': 'yarn', 'factor': 2.0}}|rope_scaling type 'yarn' is not supported; piiprobe implements transformers 4.40's 'linear' and 'dynamic'",
            "{'model_type': 'gpt_neox', 'rope_scaling': {'type': 'linear', 'factor': 0.5}}|rope_scaling factor must be > 1, got 0.5",
            "{'model_type': 'gpt_neox', 'rope_scaling': {'factor': 2.0}}|'rope_scaling' must be {\"type\": \"linear\" or \"dynamic\", \"factor\": a number > 1}",
            "{'model_type': 'gpt_neox', 'rotary_pct': 0}|'rotary_pct' must be in (0, 1], got 0.0",
            "{'model_type': 'gpt_neox', 'hidden_size': 64, 'num_attention_heads': 4, 'rotary_pct': 0.1}|the rotary dimension 1 must be even",
            "{'model_type': 'llama', 'num_attention_heads': 4, 'num_key_value_heads': 3}|'num_attention_heads' (4) must be divisible by 'num_key_value_heads' (3)",
            "{'model_type': 'llama', 'hidden_act': 'mystery'}|'hidden_act' is 'mystery', which piiprobe does not implement",
            "{'model_type': 'llama', 'rope_scaling': {'type': 'llama3', 'factor': 8.0}}|rope_scaling type 'llama3' is not supported",
            "{'model_type': 'mistral', 'sliding_window': 0}|'sliding_window' must be a positive integer, got 0",
    })
    void configErrorsNameTheFileAndTheKey(String config, String message) throws IOException {
        UserError e = loadError(config.replace('\'', '"'));
        assertTrue(e.getMessage().startsWith(dir.resolve("config.json") + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    /** A copy of a golden model folder whose config.json is changed by {@code edit}. */
    private Path goldenCopy(String name, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path src = Golden.ROOT.resolve(name);
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        ObjectNode config = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        edit.accept(config);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    @Test
    void untiedHeadWithoutLmHeadNamesTheMissingTensor() throws IOException {
        try (Checkpoint c = Checkpoint.open(goldenCopy("gpt2", cfg -> cfg.put("tie_word_embeddings", false)))) {
            UserError e = assertThrows(UserError.class, () -> Architectures.load(c));
            assertTrue(e.getMessage().startsWith(dir.resolve("model.safetensors") + ": no tensor 'lm_head.weight'"), e.getMessage());
        }
    }

    @Test
    void configThatDisagreesWithTheWeightsNamesTheTensorAndBothShapes() throws IOException {
        try (Checkpoint c = Checkpoint.open(goldenCopy("llama", cfg -> cfg.put("intermediate_size", 81)))) {
            UserError e = assertThrows(UserError.class, () -> Architectures.load(c));
            assertEquals(dir.resolve("model.safetensors") + ": tensor 'model.layers.0.mlp.gate_proj.weight' has shape [80, 32], "
                    + "expected [81, 32] from config.json", e.getMessage());
        }
    }

    /** Hub GPT-2 files are saved from GPT2Model: no "transformer." prefix, plus attn.bias mask buffers. */
    @Test
    void hubGpt2WithoutPrefixLoadsAndMatchesTheGolden() throws IOException {
        Path src = Golden.ROOT.resolve("gpt2");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (Checkpoint c = Checkpoint.open(src)) {
            for (String name : c.names()) {
                TensorRef t = c.tensor(name);
                w.add(name.substring("transformer.".length()), t.dtype(), t.toFloatArray(), t.shape());
            }
        }
        for (int l = 0; l < 3; l++) w.add("h." + l + ".attn.bias", piiprobe.engine.checkpoint.DType.F32, new float[4], 1, 1, 2, 2);
        w.write(dir.resolve("model.safetensors"));
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        try (Golden g = new Golden("gpt2"); Checkpoint c = Checkpoint.open(dir); Transformer m = Architectures.load(c)) {
            int[] ids = g.ids(2);
            float[] got = m.forward(m.newCache(1, ids.length), ids.length, ids, Golden.range(ids.length), Golden.allReal(ids.length),
                    new int[] {ids.length - 1})[0];
            KvCacheTest.assertLogitsEqual("hub gpt2", g.lastLogitsText2(), got);
        }
    }

    @Test
    void forwardRejectsWhatAUserCanGetWrong() {
        try (Golden g = new Golden("gpt2")) {
            Transformer m = g.model;
            UserError vocab = assertThrows(UserError.class,
                    () -> m.forward(m.newCache(1, 1), 1, new int[] {50257}, new int[] {0}, new boolean[] {true}, new int[] {0}));
            assertEquals("token id 50257 is outside the model's vocabulary of 50257 (vocab_size in config.json)", vocab.getMessage());
            UserError position = assertThrows(UserError.class,
                    () -> m.forward(m.newCache(1, 1), 1, new int[] {1}, new int[] {256}, new boolean[] {true}, new int[] {0}));
            assertEquals("position 256 is outside the model's 0..255 (n_positions in config.json)", position.getMessage());
            UserError tooLong = assertThrows(UserError.class, () -> m.newCache(1, 257));
            assertEquals("sequences of up to 257 tokens exceed the model's 256 positions (n_positions in config.json)", tooLong.getMessage());
            assertEquals(256, m.maxPositions());
        }
    }

    @Test
    void forwardRejectsProgrammingErrors() {
        try (Golden g = new Golden("llama"); Golden other = new Golden("qwen2")) {
            Transformer m = g.model;
            assertEquals(Integer.MAX_VALUE, m.maxPositions());
            KvCache foreign = other.model.newCache(1, 4);
            assertThrows(IllegalArgumentException.class,
                    () -> m.forward(foreign, 1, new int[] {1}, new int[] {0}, new boolean[] {true}, new int[] {0}));
            KvCache cache = m.newCache(2, 2);
            assertThrows(IllegalArgumentException.class,
                    () -> m.forward(cache, 1, new int[] {1}, new int[] {0}, new boolean[] {true}, new int[] {0}));
            assertThrows(IllegalArgumentException.class,
                    () -> m.forward(cache, 1, new int[] {1, 2}, new int[] {0, 0}, new boolean[] {true, true}, new int[] {2}));
            assertThrows(IllegalArgumentException.class,
                    () -> m.forward(cache, 3, new int[6], new int[6], new boolean[6], new int[0]));
            assertEquals(0, cache.length(), "a rejected call leaves the cache as it was");
        }
    }
}
