package piiprobe.engine.model;

import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.HfConfig;
import piiprobe.engine.checkpoint.TensorRef;
import piiprobe.engine.kernel.Activation;
import piiprobe.engine.kernel.Attention;
import piiprobe.engine.kernel.Embedding;
import piiprobe.engine.kernel.Heads;
import piiprobe.engine.kernel.Norm;
import piiprobe.engine.kernel.PackedMatrix;
import piiprobe.engine.kernel.Rope;

import static piiprobe.engine.model.Architectures.activation;
import static piiprobe.engine.model.Architectures.divide;
import static piiprobe.engine.model.Architectures.positive;

/**
 * GPT-NeoX / Pythia (transformers' GPTNeoXForCausalLM, 4.40). query_key_value's output is laid out
 * per head, [h0: q k v][h1: q k v]…, not as [Q; K; V]. Rotary embeddings cover only the first
 * int(head_dim · rotary_pct) dims of q and k (rotate_half within those). Scores scaled by 1/√head_dim.
 * use_parallel_residual: x + attn(ln1(x)) + mlp(ln2(x)); otherwise x′ = x + attn(ln1(x)), then
 * x′ + mlp(ln2(x′)). hidden_act defaults to exact gelu; embed_out is untied unless
 * tie_word_embeddings says so; attention_bias (default true) puts biases on query_key_value and dense.
 */
public final class GptNeoX extends CausalLm {
    private final int d;
    private final int inner;
    private final float eps;
    private final boolean parallelResidual;
    private final Activation act;
    private final Attention.Spec attention;
    private final Rope rope;
    private final TensorRef embedIn;
    private final Layer[] layers;
    private final float[] lnFw;
    private final float[] lnFb;
    private final PackedMatrix embedOut;

    private record Layer(float[] ln1w, float[] ln1b, PackedMatrix qkv, float[] qkvB, PackedMatrix dense, float[] denseB,
                         float[] ln2w, float[] ln2b, PackedMatrix up, float[] upB, PackedMatrix down, float[] downB) {}

    GptNeoX(HfConfig c, Weights w) {
        int vocab = positive(c, "vocab_size", 50432);
        int hidden = positive(c, "hidden_size", 6144);
        int n = positive(c, "num_hidden_layers", 44);
        int heads = positive(c, "num_attention_heads", 64);
        int headDim = divide(c, "hidden_size", hidden, "num_attention_heads", heads);
        super(Batch.Limits.unbounded(vocab), n, heads, headDim, w.arena());
        d = hidden;
        inner = positive(c, "intermediate_size", 24576);
        eps = (float) c.optDouble("layer_norm_eps", 1e-5);
        parallelResidual = c.optBoolean("use_parallel_residual", true);
        act = activation(c, "hidden_act", "gelu");
        double pct = c.optDouble("rotary_pct", 0.25);
        if (!(pct > 0 && pct <= 1)) throw new UserError(c.file() + ": 'rotary_pct' must be in (0, 1], got " + pct);
        rope = Architectures.rope(c, (int) (headDim * pct), Architectures.positiveNumber(c, "rotary_emb_base", 10000),
                positive(c, "max_position_embeddings", 2048));
        attention = new Attention.Spec(heads, heads, headDim, (float) (1 / Math.sqrt(headDim)), 0);
        boolean bias = c.optBoolean("attention_bias", true);

        embedIn = w.embedding("gpt_neox.embed_in.weight", vocab, d);
        layers = new Layer[n];
        for (int l = 0; l < n; l++) {
            String p = "gpt_neox.layers." + l + ".";
            layers[l] = new Layer(
                    w.vector(p + "input_layernorm.weight", d, Weights.Kind.GAIN), w.vector(p + "input_layernorm.bias", d, Weights.Kind.BIAS),
                    w.linear(p + "attention.query_key_value.weight", 3 * d, d),
                    bias ? w.vector(p + "attention.query_key_value.bias", 3 * d, Weights.Kind.BIAS) : null,
                    w.linear(p + "attention.dense.weight", d, d), bias ? w.vector(p + "attention.dense.bias", d, Weights.Kind.BIAS) : null,
                    w.vector(p + "post_attention_layernorm.weight", d, Weights.Kind.GAIN),
                    w.vector(p + "post_attention_layernorm.bias", d, Weights.Kind.BIAS),
                    w.linear(p + "mlp.dense_h_to_4h.weight", inner, d), w.vector(p + "mlp.dense_h_to_4h.bias", inner, Weights.Kind.BIAS),
                    w.linear(p + "mlp.dense_4h_to_h.weight", d, inner), w.vector(p + "mlp.dense_4h_to_h.bias", d, Weights.Kind.BIAS));
        }
        lnFw = w.vector("gpt_neox.final_layer_norm.weight", d, Weights.Kind.GAIN);
        lnFb = w.vector("gpt_neox.final_layer_norm.bias", d, Weights.Kind.BIAS);
        embedOut = c.optBoolean("tie_word_embeddings", false) ? w.linear("gpt_neox.embed_in.weight", vocab, d) : w.linear("embed_out.weight", vocab, d);
    }

    @Override
    public float[][] forward(KvCache kv, int steps, int[] tokens, int[] positions, boolean[] real, int[] logitSlots) {
        Batch b = Batch.open(this, limits, kv, steps, tokens, positions, real, logitSlots);
        int n = b.tokens(), hd = attention.headDim(), heads = attention.heads();
        float[] x = new float[n * d], a = new float[n * d], a2 = parallelResidual ? new float[n * d] : a;
        float[] qkv = new float[n * 3 * d], att = new float[n * d], ff = new float[n * inner];
        Embedding.gather(embedIn, tokens, x);
        Heads q = new Heads(qkv, 3 * d, 0, 3 * hd), k = new Heads(qkv, 3 * d, hd, 3 * hd), v = new Heads(qkv, 3 * d, 2 * hd, 3 * hd);
        Rope.Angles angles = rope.angles(positions, b.lengthAfter());
        for (int l = 0; l < layers.length; l++) {
            Layer ly = layers[l];
            Norm.layerNorm(x, a, n, d, ly.ln1w, ly.ln1b, eps);
            if (parallelResidual) Norm.layerNorm(x, a2, n, d, ly.ln2w, ly.ln2b, eps);
            ly.qkv.multiply(a, n, ly.qkvB, qkv);
            Rope.rotate(q, n, heads, angles);
            Rope.rotate(k, n, heads, angles);
            Attention.forward(b.cache, l, steps, attention, q, k, v, att);
            ly.dense.multiplyAdd(att, n, ly.denseB, x);
            if (!parallelResidual) Norm.layerNorm(x, a2, n, d, ly.ln2w, ly.ln2b, eps);
            ly.up.multiply(a2, n, ly.upB, ff);
            act.apply(ff, n * inner);
            ly.down.multiplyAdd(ff, n, ly.downB, x);
        }
        b.commit();
        float[] last = b.wanted(x, d);
        Norm.layerNorm(last, last, b.wantedCount(), d, lnFw, lnFb, eps);
        return b.logits(embedOut, last);
    }
}
