package piiprobe.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.checkpoint.DType;
import piiprobe.engine.checkpoint.HfConfig;
import piiprobe.engine.checkpoint.SafeTensorsWriter;
import piiprobe.engine.checkpoint.TensorRef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a model folder (config.json and model.safetensors) with random weights for any configuration
 * piiprobe runs, for benchmarks and tests. The tensors and their shapes are exactly those the
 * architecture's constructor asks for, so every supported config yields a loadable checkpoint.
 * Matrices and biases are N(0, std²); norm gains 1 + N(0, std²).
 */
public final class RandomCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RandomCheckpoint() {}

    /** GPT-Neo-125M's real configuration (EleutherAI/gpt-neo-125M), the speed yardstick. */
    public static ObjectNode gptNeo125m() {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "gpt_neo").put("vocab_size", 50257).put("hidden_size", 768).put("num_layers", 12)
                .put("num_heads", 12).put("max_position_embeddings", 2048).put("window_size", 256)
                .put("activation_function", "gelu_new").put("layer_norm_epsilon", 1e-5)
                .put("bos_token_id", 50256).put("eos_token_id", 50256);
        c.putArray("attention_types").addArray().add(c.arrayNode().add("global").add("local")).add(6);
        return c;
    }

    /** Pythia-160M's shape (EleutherAI/pythia-160m): GPT-NeoX, parallel residual, 25% rotary. */
    public static ObjectNode pythia160m() {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "gpt_neox").put("vocab_size", 50304).put("hidden_size", 768).put("num_hidden_layers", 12)
                .put("num_attention_heads", 12).put("intermediate_size", 3072).put("rotary_pct", 0.25)
                .put("rotary_emb_base", 10000).put("max_position_embeddings", 2048).put("use_parallel_residual", true)
                .put("hidden_act", "gelu").put("layer_norm_eps", 1e-5).put("tie_word_embeddings", false)
                .put("bos_token_id", 0).put("eos_token_id", 0);
        return c;
    }

    /** A small Llama (about 110M parameters) with grouped-query attention, for BF16 runs. */
    public static ObjectNode smallLlama() {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "llama").put("vocab_size", 32000).put("hidden_size", 768).put("num_hidden_layers", 12)
                .put("num_attention_heads", 12).put("num_key_value_heads", 4).put("intermediate_size", 2048)
                .put("max_position_embeddings", 2048).put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0)
                .put("hidden_act", "silu").put("tie_word_embeddings", false).put("bos_token_id", 1).put("eos_token_id", 2);
        return c;
    }

    /** Writes {@code config} and weights of {@code dtype} drawn with {@code seed} into {@code dir} (created if needed). */
    public static void write(Path dir, ObjectNode config, DType dtype, long seed, double std) {
        Path configJson = dir.resolve("config.json");
        Weights.Recorder recorder = new Weights.Recorder();
        Architectures.build(HfConfig.of(configJson, config), recorder);
        List<Weights.Recorder.Spec> specs = recorder.specs();
        SplittableRandom random = new SplittableRandom(seed);
        SafeTensorsWriter writer = new SafeTensorsWriter();
        for (Weights.Recorder.Spec s : specs) {
            float[] v = new float[Math.toIntExact(TensorRef.numel(s.shape()))];
            double mean = s.kind() == Weights.Kind.GAIN ? 1 : 0;
            for (int i = 0; i < v.length; i++) v[i] = (float) (mean + std * random.nextGaussian());
            writer.add(s.name(), dtype, v, s.shape());
        }
        try {
            Files.createDirectories(dir);
            ObjectNode saved = config.deepCopy();
            saved.put("torch_dtype", switch (dtype) {
                case F32 -> "float32";
                case F16 -> "float16";
                case BF16 -> "bfloat16";
            });
            JSON.writerWithDefaultPrettyPrinter().writeValue(configJson.toFile(), saved);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + configJson, e);
        }
        writer.write(dir.resolve("model.safetensors"));
    }
}
