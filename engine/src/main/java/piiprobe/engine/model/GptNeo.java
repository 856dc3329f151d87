package piiprobe.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.HfConfig;
import piiprobe.engine.kernel.Activation;
import piiprobe.engine.kernel.Attention;

import java.util.ArrayList;
import java.util.List;

import static piiprobe.engine.model.Architectures.activation;
import static piiprobe.engine.model.Architectures.divide;
import static piiprobe.engine.model.Architectures.positive;

/**
 * GPT-Neo (transformers' GPTNeoForCausalLM, 4.40). The block is GPT-2's, so it runs {@link Gpt2}'s
 * forward pass; what differs is here: nn.Linear weights [out, in]; q/k/v without bias (out_proj has
 * one); scores NOT scaled by 1/√head_dim; and layers alternating global and local attention, a
 * local layer's query at slot i seeing keys j with i − window_size < j ≤ i, counted in slots
 * (padding included) as the model's masked bias buffer counts them. LM head tied to wte.
 */
final class GptNeo {
    private GptNeo() {}

    static Gpt2 load(HfConfig c, Weights w) {
        int vocab = positive(c, "vocab_size", 50257);
        int positions = positive(c, "max_position_embeddings", 2048);
        int d = positive(c, "hidden_size", 2048);
        int layers = positive(c, "num_layers", 24);
        int heads = positive(c, "num_heads", 16);
        int headDim = divide(c, "hidden_size", d, "num_heads", heads);
        int inner = c.has("intermediate_size") ? positive(c, "intermediate_size", 0) : 4 * d;
        float eps = (float) c.optDouble("layer_norm_epsilon", 1e-5);
        Activation act = activation(c, "activation_function", "gelu_new");
        int window = positive(c, "window_size", 256);
        List<String> kinds = attentionLayers(c, layers);

        Gpt2.Block[] h = new Gpt2.Block[layers];
        for (int l = 0; l < layers; l++) {
            String p = "transformer.h." + l + ".";
            String at = p + "attn.attention.";
            h[l] = new Gpt2.Block(
                    w.vector(p + "ln_1.weight", d, Weights.Kind.GAIN), w.vector(p + "ln_1.bias", d, Weights.Kind.BIAS),
                    w.linears(d, new String[] {at + "q_proj.weight", at + "k_proj.weight", at + "v_proj.weight"}, new int[] {d, d, d}), null,
                    new Attention.Spec(heads, heads, headDim, 1f, kinds.get(l).equals("local") ? window : 0),
                    w.linear(at + "out_proj.weight", d, d), w.vector(at + "out_proj.bias", d, Weights.Kind.BIAS),
                    w.vector(p + "ln_2.weight", d, Weights.Kind.GAIN), w.vector(p + "ln_2.bias", d, Weights.Kind.BIAS),
                    w.linear(p + "mlp.c_fc.weight", inner, d), w.vector(p + "mlp.c_fc.bias", inner, Weights.Kind.BIAS),
                    w.linear(p + "mlp.c_proj.weight", d, inner), w.vector(p + "mlp.c_proj.bias", d, Weights.Kind.BIAS));
        }
        return new Gpt2(new Batch.Limits(vocab, positions, "max_position_embeddings"), d, inner, eps, act,
                w.embedding("transformer.wte.weight", vocab, d), w.embedding("transformer.wpe.weight", positions, d), h,
                w.vector("transformer.ln_f.weight", d, Weights.Kind.GAIN), w.vector("transformer.ln_f.bias", d, Weights.Kind.BIAS),
                c.optBoolean("tie_word_embeddings", true) ? w.linear("transformer.wte.weight", vocab, d) : w.linear("lm_head.weight", vocab, d),
                w.arena());
    }

    /**
     * Each layer's "global" or "local": config.json's attention_layers when saved (transformers sets
     * the attribute from it), else attention_types [[kinds, repeat], ...] expanded as GPTNeoConfig
     * does (default: global, local alternating).
     */
    private static List<String> attentionLayers(HfConfig c, int layers) {
        List<String> kinds = new ArrayList<>(c.optStringList("attention_layers"));
        if (kinds.isEmpty()) {
            JsonNode types = c.has("attention_types") ? c.raw().get("attention_types") : null;
            if (types == null) {
                for (int l = 0; l < layers; l++) kinds.add(l % 2 == 0 ? "global" : "local");
            } else {
                for (JsonNode item : types) {
                    if (!item.isArray() || item.size() != 2 || !item.get(0).isArray() || !item.get(1).canConvertToInt())
                        throw new UserError(c.file() + ": 'attention_types' must look like [[[\"global\", \"local\"], 12]], got " + types);
                    for (int rep = 0; rep < item.get(1).intValue(); rep++)
                        for (JsonNode kind : item.get(0)) kinds.add(kind.asText());
                }
            }
        }
        if (kinds.size() != layers)
            throw new UserError(c.file() + ": the attention layer types name " + kinds.size() + " layers but num_layers is " + layers);
        for (String k : kinds)
            if (!k.equals("global") && !k.equals("local"))
                throw new UserError(c.file() + ": attention type '" + k + "' is neither 'global' nor 'local'");
        return kinds;
    }
}
