package piiprobe.lab.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.checkpoint.DType;
import piiprobe.engine.checkpoint.SafeTensorsWriter;
import piiprobe.engine.kernel.AttentionTraining;
import piiprobe.engine.kernel.EmbeddingTraining;
import piiprobe.engine.kernel.GeluTraining;
import piiprobe.engine.kernel.Gemm;
import piiprobe.engine.kernel.LayerNormTraining;
import piiprobe.engine.util.OwnerOnlyFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * GPT-2 (transformers' GPT2LMHeadModel) with a backward pass, for the lab to train: token and learned
 * position embeddings, pre-LayerNorm blocks of causal self-attention and a gelu_new MLP, a final
 * LayerNorm and an LM head tied to the token embeddings. Read top to bottom like llm.c's train_gpt2.c:
 * all parameters live in one flat array (gradients in another of the same layout), each tensor at an
 * offset and under its transformers name; {@link #forward} keeps every activation that
 * {@link #backward} needs.
 *
 * <p>The model saves as a standard Hugging Face folder ({@link #save}) and loads from one
 * ({@link #load}), so training can go on from any checkpoint it wrote (unlearning does).
 */
public final class TrainableGpt2 {
    /**
     * One parameter tensor: its transformers name, where it starts in the flat arrays, its shape as
     * the checkpoint stores it (Conv1D weights [in, out]), and whether weight decay applies to it.
     */
    public record Tensor(String name, int offset, int[] shape, boolean decay) {
        public int size() {
            int n = 1;
            for (int s : shape) n *= s;
            return n;
        }

        long[] longShape() {
            return Arrays.stream(shape).asLongStream().toArray();
        }
    }

    /** Offsets of one block's tensors. */
    private record Block(int ln1w, int ln1b, int attnW, int attnB, int projW, int projB,
                         int ln2w, int ln2b, int fcW, int fcB, int fcProjW, int fcProjB) {}

    private final Gpt2Config config;
    private final List<Tensor> tensors = new ArrayList<>();
    private final int wte, wpe, lnfW, lnfB;
    private final Block[] blocks;
    private final float[] params;
    private final float[] grads;
    private Activations acts;

    private TrainableGpt2(Gpt2Config c) {
        this.config = c;
        int d = c.embd(), v = c.vocabSize();
        wte = add("transformer.wte.weight", false, v, d);
        wpe = add("transformer.wpe.weight", false, c.positions(), d);
        blocks = new Block[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "transformer.h." + l + ".";
            blocks[l] = new Block(add(p + "ln_1.weight", false, d), add(p + "ln_1.bias", false, d),
                    add(p + "attn.c_attn.weight", true, d, 3 * d), add(p + "attn.c_attn.bias", false, 3 * d),
                    add(p + "attn.c_proj.weight", true, d, d), add(p + "attn.c_proj.bias", false, d),
                    add(p + "ln_2.weight", false, d), add(p + "ln_2.bias", false, d),
                    add(p + "mlp.c_fc.weight", true, d, 4 * d), add(p + "mlp.c_fc.bias", false, 4 * d),
                    add(p + "mlp.c_proj.weight", true, 4 * d, d), add(p + "mlp.c_proj.bias", false, d));
        }
        lnfW = add("transformer.ln_f.weight", false, d);
        lnfB = add("transformer.ln_f.bias", false, d);
        long total = c.parameters();
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(c + " has too many parameters for the lab's trainer");
        params = new float[(int) total];
        grads = new float[(int) total];
    }

    private int add(String name, boolean decay, int... shape) {
        int offset = tensors.isEmpty() ? 0 : tensors.getLast().offset() + tensors.getLast().size();
        tensors.add(new Tensor(name, offset, shape, decay));
        return offset;
    }

    /**
     * A new model initialized as transformers' GPT2PreTrainedModel._init_weights does: weights and
     * embeddings N(0, 0.02²), the residual projections (c_proj) N(0, (0.02/√(2·n_layer))²), biases 0,
     * LayerNorm gains 1. The same seed gives the same weights.
     */
    public static TrainableGpt2 initialized(Gpt2Config config, long seed) {
        TrainableGpt2 m = new TrainableGpt2(config);
        SplittableRandom rnd = new SplittableRandom(seed);
        double std = 0.02, projStd = std / Math.sqrt(2.0 * config.layers());
        for (Tensor t : m.tensors) {
            boolean gain = t.name.endsWith("ln_1.weight") || t.name.endsWith("ln_2.weight") || t.name.endsWith("ln_f.weight");
            double s = t.name.endsWith("c_proj.weight") ? projStd : std;
            for (int i = t.offset; i < t.offset + t.size(); i++) {
                if (t.shape.length == 2) m.params[i] = (float) (rnd.nextGaussian() * s);
                else m.params[i] = gain ? 1f : 0f;
            }
        }
        return m;
    }

    public Gpt2Config config() {
        return config;
    }

    /** Every parameter tensor, in the order of the flat arrays. */
    public List<Tensor> tensors() {
        return List.copyOf(tensors);
    }

    /** The flat parameter array (changed in place by the optimizer). */
    public float[] params() {
        return params;
    }

    /** The flat gradient array, same layout; {@link #backward} adds to it. */
    public float[] grads() {
        return grads;
    }

    public void zeroGrads() {
        Arrays.fill(grads, 0f);
    }

    /** What the forward pass keeps for the backward pass, for one batch shape. */
    private static final class Activations {
        final int batch, seq, n;
        int[] tokens;
        final float[] x0, lnf, lnfMean, lnfRstd, logits;
        final Layer[] layers;
        // gradients flowing back, reused from layer to layer
        final float[] dres, dln, dqkv, datty, dfch;

        Activations(Gpt2Config c, int batch, int seq) {
            this.batch = batch;
            this.seq = seq;
            n = batch * seq;
            int d = c.embd();
            long biggest = Math.max((long) n * c.vocabSize(), (long) batch * c.heads() * seq * seq);
            if (biggest > Integer.MAX_VALUE - 8)
                throw new IllegalArgumentException("a batch of " + batch + " × " + seq + " tokens is too large for the lab's trainer");
            x0 = new float[n * d];
            lnf = new float[n * d];
            lnfMean = new float[n];
            lnfRstd = new float[n];
            logits = new float[n * c.vocabSize()];
            layers = new Layer[c.layers()];
            for (int l = 0; l < layers.length; l++) layers[l] = new Layer(n, d, batch * c.heads() * seq * seq);
            dres = new float[n * d];
            dln = new float[n * d];
            dqkv = new float[n * 3 * d];
            datty = new float[n * d];
            dfch = new float[n * 4 * d];
        }
    }

    /** One block's kept activations. */
    private static final class Layer {
        final float[] ln1, ln1Mean, ln1Rstd, qkv, probs, atty, res2, ln2, ln2Mean, ln2Rstd, fch, fchGelu, res3;

        Layer(int n, int d, int probsSize) {
            ln1 = new float[n * d];
            ln1Mean = new float[n];
            ln1Rstd = new float[n];
            qkv = new float[n * 3 * d];
            probs = new float[probsSize];
            atty = new float[n * d];
            res2 = new float[n * d];
            ln2 = new float[n * d];
            ln2Mean = new float[n];
            ln2Rstd = new float[n];
            fch = new float[n * 4 * d];
            fchGelu = new float[n * 4 * d];
            res3 = new float[n * d];
        }
    }

    /**
     * Runs {@code batch} sequences of equal length (tokens row-major, each sequence from position 0)
     * and returns the logits, one row of vocab_size per token. The array belongs to the model: the
     * caller reads it, then writes the loss gradient over it before calling {@link #backward}.
     */
    public float[] forward(int[] tokens, int batch) {
        int seq = tokens.length / batch;
        if (batch < 1 || seq < 1 || seq * batch != tokens.length)
            throw new IllegalArgumentException(tokens.length + " tokens do not split into " + batch + " equal sequences");
        if (seq > config.positions())
            throw new IllegalArgumentException("sequences of " + seq + " tokens exceed n_positions " + config.positions());
        for (int t : tokens)
            if (t < 0 || t >= config.vocabSize()) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary");
        if (acts == null || acts.batch != batch || acts.seq != seq) acts = new Activations(config, batch, seq);
        Activations a = acts;
        a.tokens = tokens.clone();
        int n = a.n, d = config.embd(), h = config.heads(), hd = config.headDim();
        float eps = Gpt2Config.LAYER_NORM_EPS, scale = (float) (1 / Math.sqrt(hd));

        EmbeddingTraining.forward(params, wte, params, wpe, a.tokens, seq, d, a.x0);
        float[] residual = a.x0;
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            Layer s = a.layers[l];
            LayerNormTraining.forward(residual, 0, s.ln1, 0, s.ln1Mean, s.ln1Rstd, 0, n, d, params, b.ln1w, params, b.ln1b, eps);
            Gemm.nn(s.ln1, 0, params, b.attnW, params, b.attnB, s.qkv, 0, n, d, 3 * d, false);
            AttentionTraining.forward(s.qkv, s.atty, s.probs, batch, seq, h, hd, scale);
            System.arraycopy(residual, 0, s.res2, 0, n * d);
            Gemm.nn(s.atty, 0, params, b.projW, params, b.projB, s.res2, 0, n, d, d, true);
            LayerNormTraining.forward(s.res2, 0, s.ln2, 0, s.ln2Mean, s.ln2Rstd, 0, n, d, params, b.ln2w, params, b.ln2b, eps);
            Gemm.nn(s.ln2, 0, params, b.fcW, params, b.fcB, s.fch, 0, n, d, 4 * d, false);
            GeluTraining.forward(s.fch, s.fchGelu, n * 4 * d);
            System.arraycopy(s.res2, 0, s.res3, 0, n * d);
            Gemm.nn(s.fchGelu, 0, params, b.fcProjW, params, b.fcProjB, s.res3, 0, n, 4 * d, d, true);
            residual = s.res3;
        }
        LayerNormTraining.forward(residual, 0, a.lnf, 0, a.lnfMean, a.lnfRstd, 0, n, d, params, lnfW, params, lnfB, eps);
        Gemm.nt(a.lnf, 0, params, wte, a.logits, 0, n, d, config.vocabSize(), false);
        return a.logits;
    }

    /**
     * Backpropagates the gradient that the caller wrote into the array {@link #forward} returned
     * (dLoss/dlogits) through the last forward pass, adding every parameter's gradient to
     * {@link #grads()}.
     */
    public void backward() {
        Activations a = acts;
        if (a == null) throw new IllegalStateException("backward() before forward()");
        int n = a.n, d = config.embd(), v = config.vocabSize(), h = config.heads(), hd = config.headDim();
        float scale = (float) (1 / Math.sqrt(hd));

        // LM head, tied to wte: logits = lnf · wteᵀ
        Gemm.nn(a.logits, 0, params, wte, null, 0, a.dln, 0, n, v, d, false);
        Gemm.tn(a.logits, 0, a.lnf, 0, grads, wte, n, v, d, true);
        Arrays.fill(a.dres, 0f);
        float[] last = blocks.length == 0 ? a.x0 : a.layers[blocks.length - 1].res3;
        LayerNormTraining.backward(a.dln, 0, last, 0, a.lnfMean, a.lnfRstd, 0, params, lnfW, n, d, a.dres, 0, grads, lnfW, grads, lnfB);

        for (int l = blocks.length - 1; l >= 0; l--) {
            Block b = blocks[l];
            Layer s = a.layers[l];
            float[] residual = l == 0 ? a.x0 : a.layers[l - 1].res3;
            // MLP: res3 = res2 + gelu(ln2(res2) · Wfc + bfc) · Wproj + bproj; dres holds dL/dres3
            Gemm.nt(a.dres, 0, params, b.fcProjW, a.dfch, 0, n, d, 4 * d, false);
            Gemm.tn(s.fchGelu, 0, a.dres, 0, grads, b.fcProjW, n, 4 * d, d, true);
            Gemm.addColumnSums(a.dres, 0, n, d, grads, b.fcProjB);
            GeluTraining.backward(s.fch, a.dfch, a.dfch, n * 4 * d);
            Gemm.nt(a.dfch, 0, params, b.fcW, a.dln, 0, n, 4 * d, d, false);
            Gemm.tn(s.ln2, 0, a.dfch, 0, grads, b.fcW, n, d, 4 * d, true);
            Gemm.addColumnSums(a.dfch, 0, n, 4 * d, grads, b.fcB);
            LayerNormTraining.backward(a.dln, 0, s.res2, 0, s.ln2Mean, s.ln2Rstd, 0, params, b.ln2w, n, d, a.dres, 0,
                    grads, b.ln2w, grads, b.ln2b);
            // attention: res2 = residual + attn(ln1(residual)) · Wproj + bproj; dres now holds dL/dres2
            Gemm.nt(a.dres, 0, params, b.projW, a.datty, 0, n, d, d, false);
            Gemm.tn(s.atty, 0, a.dres, 0, grads, b.projW, n, d, d, true);
            Gemm.addColumnSums(a.dres, 0, n, d, grads, b.projB);
            AttentionTraining.backward(a.datty, s.qkv, s.probs, a.dqkv, a.batch, a.seq, h, hd, scale);
            Gemm.nt(a.dqkv, 0, params, b.attnW, a.dln, 0, n, 3 * d, d, false);
            Gemm.tn(s.ln1, 0, a.dqkv, 0, grads, b.attnW, n, d, 3 * d, true);
            Gemm.addColumnSums(a.dqkv, 0, n, 3 * d, grads, b.attnB);
            LayerNormTraining.backward(a.dln, 0, residual, 0, s.ln1Mean, s.ln1Rstd, 0, params, b.ln1w, n, d, a.dres, 0,
                    grads, b.ln1w, grads, b.ln1b);
        }
        EmbeddingTraining.backward(a.dres, a.tokens, a.seq, d, grads, wte, grads, wpe);
    }

    /**
     * Floating-point operations of one forward and backward pass over {@code batch} sequences of
     * {@code seq} tokens: every matrix product (twice over in the backward pass) and attention's
     * products over the causal triangle; norms, activations and the optimizer are not counted.
     */
    public long trainingFlops(int batch, int seq) {
        long n = (long) batch * seq, d = config.embd(), v = config.vocabSize();
        long matmul = config.layers() * Gemm.flops(n, 12 * d, d) + Gemm.flops(n, v, d);
        long attention = config.layers() * AttentionTraining.forwardFlops(batch, seq, config.heads(), config.headDim());
        return 3 * matmul + 3 * attention;
    }

    /**
     * Writes the model as transformers saves a GPT2LMHeadModel: config.json, generation_config.json
     * and model.safetensors (F32, {@code transformer.}-prefixed names, the tied head not stored),
     * each file whole or not at all. The tokenizer's files are the caller's to add.
     */
    public void save(Path dir) {
        saveConfig(dir);
        SafeTensorsWriter w = new SafeTensorsWriter();
        addTo(w, "", params);
        w.write(dir.resolve("model.safetensors"));
    }

    /** Writes config.json and generation_config.json into {@code dir}. */
    void saveConfig(Path dir) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try {
            OwnerOnlyFiles.write(dir.resolve("config.json"), json.writeValueAsBytes(config.toJson()));
            OwnerOnlyFiles.write(dir.resolve("generation_config.json"), json.writeValueAsBytes(config.generationJson()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);  // trees of strings and numbers always serialize
        }
    }

    /** Adds every tensor of {@code values} (laid out as the parameters) to {@code w}, its name prefixed. */
    void addTo(SafeTensorsWriter w, String prefix, float[] values) {
        for (Tensor t : tensors)
            w.add(prefix + t.name, DType.F32, Arrays.copyOfRange(values, t.offset, t.offset + t.size()), t.longShape());
    }

    /** Reads a GPT-2 folder (one this class saved, or any of the same architecture variant) to train it further. */
    public static TrainableGpt2 load(Path dir) {
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            TrainableGpt2 m = new TrainableGpt2(Gpt2Config.from(ckpt.config()));
            m.readFrom(ckpt, "", m.params);
            return m;
        }
    }

    /** Fills {@code values} (laid out as the parameters) from the checkpoint's tensors, names prefixed. */
    void readFrom(Checkpoint ckpt, String prefix, float[] values) {
        for (Tensor t : tensors) {
            float[] v = ckpt.tensor(prefix + t.name, t.longShape()).toFloatArray();
            System.arraycopy(v, 0, values, t.offset, v.length);
        }
    }
}
