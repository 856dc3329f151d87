package piiprobe.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.checkpoint.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Configurations the golden models do not cover, on random-weight checkpoints: every one loads and
 * runs, and each semantic rule shows as an exact agreement or disagreement between two models that
 * share weights (e.g. a sliding window changes nothing until the first key falls out of it).
 */
class UnseenConfigsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static ObjectNode config(String json) {
        try {
            return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Logits at every position of one sequence of tokens 0..n−1 (times 7, to vary them) with the given positions. */
    private static float[][] run(Path model, int[] positions) {
        int n = positions.length;
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) tokens[i] = (7 * i + 3) % 100;
        try (Checkpoint c = Checkpoint.open(model); Transformer m = Architectures.load(c)) {
            return Golden.forwardAll(m, 1, n, tokens, positions, Golden.allReal(n));
        }
    }

    /**
     * Logits of two models that share random weights and differ only in config: {@code base} closed
     * by {@code a} or by {@code b}, run at positions {@code posA} and {@code posB}.
     */
    private float[][][] twins(String base, String a, String b, long seed, double std, int[] posA, int[] posB) throws IOException {
        Path first = Files.createTempDirectory(dir, "a"), second = Files.createTempDirectory(dir, "b");
        RandomCheckpoint.write(first, config(base + a), DType.F32, seed, std);
        Files.copy(first.resolve("model.safetensors"), second.resolve("model.safetensors"));
        JSON.writeValue(second.resolve("config.json").toFile(), config(base + b));
        return new float[][][] {run(first, posA), run(second, posB)};
    }

    private static double diff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'model_type': 'gpt2', 'vocab_size': 100, 'n_positions': 32, 'n_embd': 24, 'n_layer': 2, 'n_head': 3, 'n_inner': 40, 'activation_function': 'relu', 'scale_attn_by_inverse_layer_idx': true, 'tie_word_embeddings': false}|F32",
            "{'model_type': 'gpt_neo', 'vocab_size': 100, 'max_position_embeddings': 32, 'hidden_size': 24, 'num_layers': 3, 'num_heads': 2, 'attention_types': [[['local', 'global', 'local'], 1]], 'window_size': 3, 'intermediate_size': 50}|F16",
            "{'model_type': 'gpt_neox', 'vocab_size': 100, 'hidden_size': 32, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'intermediate_size': 64, 'rotary_pct': 1.0, 'use_parallel_residual': false, 'attention_bias': false, 'tie_word_embeddings': true, 'hidden_act': 'gelu_new'}|BF16",
            "{'model_type': 'llama', 'vocab_size': 100, 'hidden_size': 48, 'num_hidden_layers': 2, 'num_attention_heads': 6, 'num_key_value_heads': 2, 'intermediate_size': 40, 'attention_bias': true, 'mlp_bias': true, 'tie_word_embeddings': true, 'rope_scaling': {'type': 'dynamic', 'factor': 2.0}, 'max_position_embeddings': 8}|BF16",
            "{'model_type': 'llama', 'vocab_size': 100, 'hidden_size': 32, 'head_dim': 16, 'num_hidden_layers': 1, 'num_attention_heads': 4, 'num_key_value_heads': 1, 'intermediate_size': 40}|F32",
            "{'model_type': 'mistral', 'vocab_size': 100, 'hidden_size': 32, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'intermediate_size': 40, 'sliding_window': 3}|F16",
            "{'model_type': 'qwen2', 'vocab_size': 100, 'hidden_size': 32, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 4, 'intermediate_size': 40, 'sliding_window': null}|F32",
    })
    void everyArchitectureLoadsAndRunsFromARandomCheckpoint(String json, DType dtype) {
        RandomCheckpoint.write(dir, config(json), dtype, 1, 0.5);
        float[][] logits = run(dir, Golden.range(12));
        assertEquals(12, logits.length);
        for (float[] row : logits) {
            assertEquals(100, row.length);
            for (float v : row) assertTrue(Float.isFinite(v));
        }
        assertTrue(diff(logits[0], logits[11]) > 1e-3, "positions see different contexts");
    }

    /** Mistral's window is inclusive in transformers 4.40: slot i sees i − sliding_window .. i. */
    @Test
    void mistralSlidingWindowKeepsWindowPlusOneKeys() throws IOException {
        String base = "{'vocab_size': 100, 'hidden_size': 32, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'intermediate_size': 40";
        float[][][] pair = twins(base, ", 'model_type': 'mistral', 'sliding_window': 4}", ", 'model_type': 'llama'}", 2, 0.5, Golden.range(9), Golden.range(9));
        float[][] windowed = pair[0], full = pair[1];
        for (int t = 0; t <= 4; t++) assertEquals(0, diff(windowed[t], full[t]), 1e-6, "position " + t + " sees all its keys");
        for (int t = 5; t < 9; t++) assertTrue(diff(windowed[t], full[t]) > 1e-3, "position " + t + " lost key " + (t - 5));
    }

    /** Qwen2 in 4.40's eager attention applies sliding_window even with use_sliding_window false. */
    @Test
    void qwen2AppliesItsSlidingWindowRegardless() throws IOException {
        String base = "{'model_type': 'qwen2', 'vocab_size': 100, 'hidden_size': 32, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'intermediate_size': 40, 'use_sliding_window': false";
        float[][][] pair = twins(base, ", 'sliding_window': 2}", ", 'sliding_window': null}", 3, 0.5, Golden.range(6), Golden.range(6));
        float[][] a = pair[0], b = pair[1];
        assertEquals(0, diff(a[2], b[2]), 1e-6);
        assertTrue(diff(a[3], b[3]) > 1e-3);
    }

    /** GPT-Neo's local window is window_size slots including the query's own: i − window < j ≤ i. */
    @Test
    void gptNeoLocalLayersSeeWindowSizeKeys() throws IOException {
        String base = "{'model_type': 'gpt_neo', 'vocab_size': 100, 'max_position_embeddings': 32, 'hidden_size': 16, 'num_layers': 2, 'num_heads': 2, 'window_size': 4";
        // Small weights: GPT-Neo's unscaled scores would otherwise make attention one-hot and the lost key irrelevant.
        float[][][] pair = twins(base, ", 'attention_layers': ['local', 'local']}", ", 'attention_layers': ['global', 'global']}", 4, 0.1,
                Golden.range(7), Golden.range(7));
        float[][] a = pair[0], b = pair[1];
        for (int t = 0; t <= 3; t++) assertEquals(0, diff(a[t], b[t]), 1e-6, "position " + t);
        assertTrue(diff(a[4], b[4]) > 1e-4);
    }

    /** Linear rope scaling divides positions by the factor: positions 0, 2, 4, … scaled equal 0, 1, 2, … unscaled. */
    @Test
    void linearRopeScalingDividesPositions() throws IOException {
        String base = "{'model_type': 'llama', 'vocab_size': 100, 'hidden_size': 32, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'intermediate_size': 40";
        float[][][] pair = twins(base, ", 'rope_scaling': {'type': 'linear', 'factor': 2.0}}", "}", 5, 0.5, new int[] {0, 2, 4, 6, 8, 10}, Golden.range(6));
        float[][] a = pair[0], b = pair[1];
        for (int t = 0; t < 6; t++) assertEquals(0, diff(a[t], b[t]), 1e-5, "position " + t);
    }

    /** Dynamic NTK scaling changes nothing up to max_position_embeddings and everything past it. */
    @Test
    void dynamicRopeScalingStartsPastMaxPositions() throws IOException {
        String base = "{'model_type': 'llama', 'vocab_size': 100, 'hidden_size': 32, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'intermediate_size': 40, 'max_position_embeddings': 8";
        String dynamic = ", 'rope_scaling': {'type': 'dynamic', 'factor': 2.0}}";
        float[][][] shorter = twins(base, dynamic, "}", 6, 0.5, Golden.range(8), Golden.range(8));
        for (int t = 0; t < 8; t++) assertEquals(0, diff(shorter[0][t], shorter[1][t]), 1e-6);
        float[][][] longer = twins(base, dynamic, "}", 6, 0.5, Golden.range(12), Golden.range(12));
        float[][] longA = longer[0], longB = longer[1];
        assertTrue(diff(longA[11], longB[11]) > 1e-3);
        assertTrue(diff(longA[3], longB[3]) > 1e-4, "the grown base applies to the whole call, as in transformers");
    }
}
