package piiprobe.lab.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.HfConfig;

/**
 * The shape of a GPT-2 the lab trains, and its {@code config.json} as transformers' GPT2Config writes
 * it (4.40): gelu_new, scaled attention, MLP of 4·n_embd, tied LM head, no dropout (the lab trains
 * without it: memorization is what it studies).
 *
 * @param vocabSize ids of the tokenizer, {@code <|endoftext|>} (bos and eos) the last
 * @param positions n_positions: the longest sequence, and the length the trainer trains on
 * @param embd      n_embd
 * @param layers    n_layer
 * @param heads     n_head, which must divide n_embd
 */
public record Gpt2Config(int vocabSize, int positions, int embd, int layers, int heads) {
    /** layer_norm_epsilon, as config.json says it (1e-05) and as the kernels use it (a float). */
    private static final double LAYER_NORM_EPSILON = 1e-5;
    public static final float LAYER_NORM_EPS = (float) LAYER_NORM_EPSILON;
    private static final double INITIALIZER_RANGE = 0.02;

    public Gpt2Config {
        if (vocabSize < 2 || positions < 2 || embd < 1 || layers < 1 || heads < 1)
            throw new IllegalArgumentException("GPT-2 sizes must be positive (vocab and positions at least 2): " + this);
        if (embd % heads != 0) throw new IllegalArgumentException("n_embd " + embd + " is not divisible by n_head " + heads);
    }

    public int headDim() {
        return embd / heads;
    }

    /** The same model with another vocabulary size (that of the tokenizer trained for it). */
    public Gpt2Config withVocabSize(int vocab) {
        return new Gpt2Config(vocab, positions, embd, layers, heads);
    }

    /** Parameters, the tied head counted once. */
    public long parameters() {
        long d = embd;
        return (vocabSize + positions) * d + layers * (12 * d * d + 13 * d) + 2 * d;
    }

    /**
     * config.json as save_pretrained writes it for this model in transformers 4.40: GPT2Config's keys,
     * without those left at PretrainedConfig's defaults (tie_word_embeddings true).
     */
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("activation_function", "gelu_new");
        o.putArray("architectures").add("GPT2LMHeadModel");
        o.put("attn_pdrop", 0.0);
        o.put("bos_token_id", vocabSize - 1);
        o.put("embd_pdrop", 0.0);
        o.put("eos_token_id", vocabSize - 1);
        o.put("initializer_range", INITIALIZER_RANGE);
        o.put("layer_norm_epsilon", LAYER_NORM_EPSILON);
        o.put("model_type", "gpt2");
        o.put("n_embd", embd);
        o.put("n_head", heads);
        o.putNull("n_inner");
        o.put("n_layer", layers);
        o.put("n_positions", positions);
        o.put("reorder_and_upcast_attn", false);
        o.put("resid_pdrop", 0.0);
        o.put("scale_attn_by_inverse_layer_idx", false);
        o.put("scale_attn_weights", true);
        o.put("summary_activation", (String) null);
        o.put("summary_first_dropout", 0.0);
        o.put("summary_proj_to_labels", true);
        o.put("summary_type", "cls_index");
        o.put("summary_use_proj", true);
        o.put("torch_dtype", "float32");
        o.put("transformers_version", "4.40.2");
        o.put("use_cache", true);
        o.put("vocab_size", vocabSize);
        return o;
    }

    /** generation_config.json: what generate() takes as bos and eos. */
    public ObjectNode generationJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("_from_model_config", true);
        o.put("bos_token_id", vocabSize - 1);
        o.put("eos_token_id", vocabSize - 1);
        o.put("transformers_version", "4.40.2");
        return o;
    }

    /**
     * Reads a GPT-2 config.json that this trainer can continue training: any size, but the
     * architecture variant it implements (and that {@link #toJson} writes); anything else is named.
     */
    public static Gpt2Config from(HfConfig c) {
        if (!"gpt2".equals(c.modelType()))
            throw new UserError(c.file() + ": model_type is '" + c.modelType() + "'; the lab trains gpt2 models only");
        require(c, c.optString("activation_function", "gelu_new").equals("gelu_new"), "activation_function gelu_new");
        require(c, c.optBoolean("scale_attn_weights", true), "scale_attn_weights true");
        require(c, !c.optBoolean("scale_attn_by_inverse_layer_idx", false), "scale_attn_by_inverse_layer_idx false");
        require(c, !c.optBoolean("reorder_and_upcast_attn", false), "reorder_and_upcast_attn false");
        require(c, c.optBoolean("tie_word_embeddings", true), "tie_word_embeddings true");
        require(c, (float) c.optDouble("layer_norm_epsilon", 1e-5) == LAYER_NORM_EPS, "layer_norm_epsilon 1e-5");
        int embd = c.optInt("n_embd", 768);
        require(c, !c.has("n_inner") || c.getInt("n_inner") == 4 * embd, "n_inner null (4 · n_embd)");
        try {
            return new Gpt2Config(c.optInt("vocab_size", 50257), c.optInt("n_positions", 1024), embd,
                    c.optInt("n_layer", 12), c.optInt("n_head", 12));
        } catch (IllegalArgumentException e) {
            throw new UserError(c.file() + ": " + e.getMessage());
        }
    }

    private static void require(HfConfig c, boolean ok, String what) {
        if (!ok) throw new UserError(c.file() + ": the lab's trainer implements GPT-2 with " + what + " only");
    }
}
