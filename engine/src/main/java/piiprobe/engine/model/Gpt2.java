package piiprobe.engine.model;

import piiprobe.engine.checkpoint.HfConfig;
import piiprobe.engine.checkpoint.TensorRef;
import piiprobe.engine.kernel.Activation;
import piiprobe.engine.kernel.Attention;
import piiprobe.engine.kernel.Embedding;
import piiprobe.engine.kernel.Heads;
import piiprobe.engine.kernel.Norm;
import piiprobe.engine.kernel.PackedMatrix;

import java.lang.foreign.Arena;

import static piiprobe.engine.model.Architectures.activation;
import static piiprobe.engine.model.Architectures.divide;
import static piiprobe.engine.model.Architectures.positive;

/**
 * GPT-2 (transformers' GPT2LMHeadModel, 4.40): learned absolute positions; pre-LayerNorm blocks;
 * Conv1D weights stored [in, out]; c_attn's output is [q | k | v]; scores scaled by 1/√head_dim
 * (scale_attn_weights) and by 1/(layer + 1) (scale_attn_by_inverse_layer_idx); MLP of n_inner
 * (default 4·n_embd) with activation_function (default gelu_new); LM head tied to wte unless
 * tie_word_embeddings is false. GPT-Neo runs this same forward pass with its own weights and
 * attention rules ({@link GptNeo}).
 */
public final class Gpt2 extends CausalLm {
    /** One block: ln_1, fused q|k|v projection, attention, output projection, ln_2, MLP. */
    record Block(float[] ln1w, float[] ln1b, PackedMatrix qkv, float[] qkvB, Attention.Spec attention, PackedMatrix proj, float[] projB,
                 float[] ln2w, float[] ln2b, PackedMatrix fc, float[] fcB, PackedMatrix fcProj, float[] fcProjB) {}

    private final int d;
    private final int inner;
    private final float eps;
    private final Activation act;
    private final TensorRef wte;
    private final TensorRef wpe;
    private final Block[] h;
    private final float[] lnFw;
    private final float[] lnFb;
    private final PackedMatrix lmHead;

    Gpt2(Batch.Limits limits, int d, int inner, float eps, Activation act, TensorRef wte, TensorRef wpe, Block[] h,
         float[] lnFw, float[] lnFb, PackedMatrix lmHead, Arena arena) {
        super(limits, h.length, h[0].attention().kvHeads(), h[0].attention().headDim(), arena);
        this.d = d;
        this.inner = inner;
        this.eps = eps;
        this.act = act;
        this.wte = wte;
        this.wpe = wpe;
        this.h = h;
        this.lnFw = lnFw;
        this.lnFb = lnFb;
        this.lmHead = lmHead;
    }

    static Gpt2 load(HfConfig c, Weights w) {
        int vocab = positive(c, "vocab_size", 50257);
        int positions = positive(c, "n_positions", 1024);
        int d = positive(c, "n_embd", 768);
        int layers = positive(c, "n_layer", 12);
        int heads = positive(c, "n_head", 12);
        int headDim = divide(c, "n_embd", d, "n_head", heads);
        int inner = c.has("n_inner") ? positive(c, "n_inner", 0) : 4 * d;
        float eps = (float) c.optDouble("layer_norm_epsilon", 1e-5);
        Activation act = activation(c, "activation_function", "gelu_new");
        boolean scaleWeights = c.optBoolean("scale_attn_weights", true);
        boolean scaleByLayer = c.optBoolean("scale_attn_by_inverse_layer_idx", false);

        TensorRef wte = w.embedding("transformer.wte.weight", vocab, d);
        TensorRef wpe = w.embedding("transformer.wpe.weight", positions, d);
        Block[] h = new Block[layers];
        for (int l = 0; l < layers; l++) {
            String p = "transformer.h." + l + ".";
            float scale = scaleWeights ? (float) (1 / Math.sqrt(headDim)) : 1f;
            if (scaleByLayer) scale /= l + 1;
            h[l] = new Block(
                    w.vector(p + "ln_1.weight", d, Weights.Kind.GAIN), w.vector(p + "ln_1.bias", d, Weights.Kind.BIAS),
                    w.conv1d(p + "attn.c_attn.weight", d, 3 * d), w.vector(p + "attn.c_attn.bias", 3 * d, Weights.Kind.BIAS),
                    new Attention.Spec(heads, heads, headDim, scale, 0),
                    w.conv1d(p + "attn.c_proj.weight", d, d), w.vector(p + "attn.c_proj.bias", d, Weights.Kind.BIAS),
                    w.vector(p + "ln_2.weight", d, Weights.Kind.GAIN), w.vector(p + "ln_2.bias", d, Weights.Kind.BIAS),
                    w.conv1d(p + "mlp.c_fc.weight", d, inner), w.vector(p + "mlp.c_fc.bias", inner, Weights.Kind.BIAS),
                    w.conv1d(p + "mlp.c_proj.weight", inner, d), w.vector(p + "mlp.c_proj.bias", d, Weights.Kind.BIAS));
        }
        PackedMatrix lmHead = c.optBoolean("tie_word_embeddings", true)
                ? w.linear("transformer.wte.weight", vocab, d) : w.linear("lm_head.weight", vocab, d);
        return new Gpt2(new Batch.Limits(vocab, positions, "n_positions"), d, inner, eps, act, wte, wpe, h,
                w.vector("transformer.ln_f.weight", d, Weights.Kind.GAIN), w.vector("transformer.ln_f.bias", d, Weights.Kind.BIAS),
                lmHead, w.arena());
    }

    @Override
    public float[][] forward(KvCache kv, int steps, int[] tokens, int[] positions, boolean[] real, int[] logitSlots) {
        Batch b = Batch.open(this, limits, kv, steps, tokens, positions, real, logitSlots);
        int n = b.tokens(), hd = h[0].attention.headDim();
        float[] x = new float[n * d], a = new float[n * d], qkv = new float[n * 3 * d], att = new float[n * d], ff = new float[n * inner];
        Embedding.gather(wte, tokens, x);
        Embedding.add(wpe, positions, x);
        Heads q = new Heads(qkv, 3 * d, 0, hd), k = new Heads(qkv, 3 * d, d, hd), v = new Heads(qkv, 3 * d, 2 * d, hd);
        for (int l = 0; l < h.length; l++) {
            Block blk = h[l];
            Norm.layerNorm(x, a, n, d, blk.ln1w, blk.ln1b, eps);
            blk.qkv.multiply(a, n, blk.qkvB, qkv);
            Attention.forward(b.cache, l, steps, blk.attention, q, k, v, att);
            blk.proj.multiplyAdd(att, n, blk.projB, x);
            Norm.layerNorm(x, a, n, d, blk.ln2w, blk.ln2b, eps);
            blk.fc.multiply(a, n, blk.fcB, ff);
            act.apply(ff, n * inner);
            blk.fcProj.multiplyAdd(ff, n, blk.fcProjB, x);
        }
        b.commit();
        float[] last = b.wanted(x, d);
        Norm.layerNorm(last, last, b.wantedCount(), d, lnFw, lnFb, eps);
        return b.logits(lmHead, last);
    }
}
