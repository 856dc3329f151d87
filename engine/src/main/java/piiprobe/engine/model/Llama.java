package piiprobe.engine.model;

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
 * Llama and its close kin, as transformers 4.40 runs them: LlamaForCausalLM, MistralForCausalLM,
 * Qwen2ForCausalLM. RMSNorm (no mean subtraction, no bias); rotary embeddings over the whole head in
 * rotate_half form (HF-permuted q/k), base rope_theta; grouped-query attention, query head h reading
 * kv head h / (heads / kv heads); gated MLP down(act(gate(x)) · up(x)). Per model type:
 * <ul>
 * <li>llama: attention_bias puts biases on q, k, v and o; rope_scaling linear or dynamic;</li>
 * <li>mistral: a sliding window, no biases;</li>
 * <li>qwen2: biases on q, k, v only; the sliding window applies even when use_sliding_window is
 *     false, as 4.40's eager attention does.</li>
 * </ul>
 * The sliding window is inclusive in 4.40 (query at slot i sees keys i − sliding_window ≤ j ≤ i).
 * mistral and qwen2 ignore rope_scaling, as their 4.40 classes do. A head_dim key, when present,
 * overrides hidden_size / num_attention_heads.
 */
public final class Llama extends CausalLm {
    private final int d;
    private final int inner;
    private final float eps;
    private final Activation act;
    private final Attention.Spec attention;
    private final Rope rope;
    private final TensorRef embedTokens;
    private final Layer[] layers;
    private final float[] norm;
    private final PackedMatrix lmHead;

    private record Layer(float[] inputNorm, PackedMatrix qkv, float[] qkvB, PackedMatrix o, float[] oB,
                         float[] postNorm, PackedMatrix gateUp, float[] gateUpB, PackedMatrix down, float[] downB) {}

    private record Defaults(int vocab, int inner, int kvHeads, int maxPositions, boolean qkvBias, boolean oBias,
                            boolean window, boolean ropeScaling) {}

    Llama(HfConfig c, Weights w) {
        String type = c.modelType();
        Defaults def = switch (type) {
            case "mistral" -> new Defaults(32000, 14336, 8, 4096 * 32, false, false, true, false);
            case "qwen2" -> new Defaults(151936, 22016, 32, 32768, true, false, true, false);
            default -> {
                boolean bias = c.optBoolean("attention_bias", false);
                yield new Defaults(32000, 11008, -1, 2048, bias, bias, false, true);
            }
        };
        int vocab = positive(c, "vocab_size", def.vocab);
        int hidden = positive(c, "hidden_size", 4096);
        int n = positive(c, "num_hidden_layers", 32);
        int heads = positive(c, "num_attention_heads", 32);
        int kvHeads = positive(c, "num_key_value_heads", def.kvHeads > 0 ? def.kvHeads : heads);
        divide(c, "num_attention_heads", heads, "num_key_value_heads", kvHeads);
        int headDim = c.has("head_dim") ? positive(c, "head_dim", 0) : divide(c, "hidden_size", hidden, "num_attention_heads", heads);
        super(Batch.Limits.unbounded(vocab), n, kvHeads, headDim, w.arena());
        d = hidden;
        inner = positive(c, "intermediate_size", def.inner);
        eps = (float) c.optDouble("rms_norm_eps", 1e-6);
        act = activation(c, "hidden_act", "silu");
        int maxPositions = positive(c, "max_position_embeddings", def.maxPositions);
        double theta = Architectures.positiveNumber(c, "rope_theta", 10000);
        rope = def.ropeScaling ? Architectures.rope(c, headDim, theta, maxPositions)
                : new Rope(headDim, theta, Rope.Scaling.NONE, 1, maxPositions);
        int window = 0;
        if (def.window && !(c.raw().has("sliding_window") && c.raw().get("sliding_window").isNull()))
            window = positive(c, "sliding_window", 4096) + 1;
        attention = new Attention.Spec(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)), window);
        boolean mlpBias = c.optBoolean("mlp_bias", false);

        embedTokens = w.embedding("model.embed_tokens.weight", vocab, d);
        layers = new Layer[n];
        int q = heads * headDim, kv = kvHeads * headDim;
        for (int l = 0; l < n; l++) {
            String p = "model.layers." + l + ".";
            String sa = p + "self_attn.", mlp = p + "mlp.";
            layers[l] = new Layer(
                    w.vector(p + "input_layernorm.weight", d, Weights.Kind.GAIN),
                    w.linears(d, new String[] {sa + "q_proj.weight", sa + "k_proj.weight", sa + "v_proj.weight"}, new int[] {q, kv, kv}),
                    def.qkvBias ? concat(w.vector(sa + "q_proj.bias", q, Weights.Kind.BIAS), w.vector(sa + "k_proj.bias", kv, Weights.Kind.BIAS),
                            w.vector(sa + "v_proj.bias", kv, Weights.Kind.BIAS)) : null,
                    w.linear(sa + "o_proj.weight", d, q), def.oBias ? w.vector(sa + "o_proj.bias", d, Weights.Kind.BIAS) : null,
                    w.vector(p + "post_attention_layernorm.weight", d, Weights.Kind.GAIN),
                    w.linears(d, new String[] {mlp + "gate_proj.weight", mlp + "up_proj.weight"}, new int[] {inner, inner}),
                    mlpBias ? concat(w.vector(mlp + "gate_proj.bias", inner, Weights.Kind.BIAS), w.vector(mlp + "up_proj.bias", inner, Weights.Kind.BIAS)) : null,
                    w.linear(mlp + "down_proj.weight", d, inner), mlpBias ? w.vector(mlp + "down_proj.bias", d, Weights.Kind.BIAS) : null);
        }
        norm = w.vector("model.norm.weight", d, Weights.Kind.GAIN);
        lmHead = c.optBoolean("tie_word_embeddings", false) ? w.linear("model.embed_tokens.weight", vocab, d) : w.linear("lm_head.weight", vocab, d);
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    @Override
    public float[][] forward(KvCache kv, int steps, int[] tokens, int[] positions, boolean[] real, int[] logitSlots) {
        Batch b = Batch.open(this, limits, kv, steps, tokens, positions, real, logitSlots);
        int n = b.tokens(), hd = attention.headDim();
        int qd = attention.heads() * hd, kvd = attention.kvHeads() * hd, width = qd + 2 * kvd;
        float[] x = new float[n * d], a = new float[n * d], qkv = new float[n * width], att = new float[n * qd];
        float[] gu = new float[n * 2 * inner], m = new float[n * inner];
        Embedding.gather(embedTokens, tokens, x);
        Heads q = new Heads(qkv, width, 0, hd), k = new Heads(qkv, width, qd, hd), v = new Heads(qkv, width, qd + kvd, hd);
        int maxPosition = 0;
        for (int p : positions) maxPosition = Math.max(maxPosition, p);
        Rope.Angles angles = rope.angles(positions, maxPosition + 1);
        for (int l = 0; l < layers.length; l++) {
            Layer ly = layers[l];
            Norm.rmsNorm(x, a, n, d, ly.inputNorm, eps);
            ly.qkv.multiply(a, n, ly.qkvB, qkv);
            Rope.rotate(q, n, attention.heads(), angles);
            Rope.rotate(k, n, attention.kvHeads(), angles);
            Attention.forward(b.cache, l, steps, attention, q, k, v, att);
            ly.o.multiplyAdd(att, n, ly.oB, x);
            Norm.rmsNorm(x, a, n, d, ly.postNorm, eps);
            ly.gateUp.multiply(a, n, ly.gateUpB, gu);
            act.gated(gu, n, inner, m);
            ly.down.multiplyAdd(m, n, ly.downB, x);
        }
        b.commit();
        float[] last = b.wanted(x, d);
        Norm.rmsNorm(last, last, b.wantedCount(), d, norm, eps);
        return b.logits(lmHead, last);
    }
}
