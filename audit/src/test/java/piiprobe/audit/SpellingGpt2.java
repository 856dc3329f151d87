package piiprobe.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.checkpoint.DType;
import piiprobe.engine.checkpoint.SafeTensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A GPT-2 checkpoint whose weights are chosen, not trained, so that its greedy output is known: at
 * position p it predicts the p-th token of a fixed text, whatever the input. Attention and MLP weights
 * are zero, so the residual stream is {@code wte[token] + wpe[p]}; {@code wpe[p]} is a large multiple of
 * the (tied) embedding of the p-th token, and embeddings are random unit vectors with zero mean, nearly
 * orthogonal in {@value #DIM} dimensions, so the final layer norm points at that token.
 *
 * <p>A prompt of n tokens is thus continued with the text's tokens from position n − 1 on: which address
 * a person gets depends on how long their prompt is. Run through the engine, this checks the whole path
 * (tokenizer, checkpoint, left-padded batches whose position ids must come from the mask, decoding, the
 * audit's scoring) with a model that does name addresses, which random weights never do.
 */
final class SpellingGpt2 {
    static final int DIM = 64, POSITIONS = 512, VOCAB = 50257, EOS = 50256;
    /** Token and position tables, one block's norms, attention and MLP, the final norm. */
    static final long PARAMETERS = (long) VOCAB * DIM + (long) POSITIONS * DIM
            + 4L * DIM + (DIM * 3L * DIM + 3 * DIM) + (DIM * DIM + DIM) + (DIM * 4L * DIM + 4 * DIM) + (4L * DIM * DIM + DIM) + 2 * DIM;
    /** How far the position's token stands out: its logit is about √DIM, every other one below ~0.7 of that. */
    private static final float STRENGTH = 16;

    private SpellingGpt2() {}

    /** Writes the model into {@code dir}: from position 0 on it spells {@code text}, then end-of-text forever. */
    static void write(Path dir, Tokenizer tokenizer, String text) throws IOException {
        int[] spelled = tokenizer.encode(text);
        if (spelled.length > POSITIONS) throw new IllegalArgumentException("text longer than " + POSITIONS + " tokens");
        int[] target = Arrays.copyOf(spelled, POSITIONS);
        Arrays.fill(target, spelled.length, POSITIONS, EOS);

        SplittableRandom random = new SplittableRandom(7);
        float[] wte = new float[VOCAB * DIM];
        for (int v = 0; v < VOCAB; v++) unitWithZeroMean(random, wte, v * DIM);
        float[] wpe = new float[POSITIONS * DIM];
        for (int p = 0; p < POSITIONS; p++)
            for (int i = 0; i < DIM; i++) wpe[p * DIM + i] = STRENGTH * wte[target[p] * DIM + i];

        String h = "transformer.h.0.";
        float[] ones = new float[DIM];
        Arrays.fill(ones, 1f);
        SafeTensorsWriter w = new SafeTensorsWriter()
                .add("transformer.wte.weight", DType.F32, wte, VOCAB, DIM)
                .add("transformer.wpe.weight", DType.F32, wpe, POSITIONS, DIM)
                .add(h + "ln_1.weight", DType.F32, ones, DIM).add(h + "ln_1.bias", DType.F32, new float[DIM], DIM)
                .add(h + "attn.c_attn.weight", DType.F32, new float[DIM * 3 * DIM], DIM, 3 * DIM)
                .add(h + "attn.c_attn.bias", DType.F32, new float[3 * DIM], 3 * DIM)
                .add(h + "attn.c_proj.weight", DType.F32, new float[DIM * DIM], DIM, DIM)
                .add(h + "attn.c_proj.bias", DType.F32, new float[DIM], DIM)
                .add(h + "ln_2.weight", DType.F32, ones, DIM).add(h + "ln_2.bias", DType.F32, new float[DIM], DIM)
                .add(h + "mlp.c_fc.weight", DType.F32, new float[DIM * 4 * DIM], DIM, 4 * DIM)
                .add(h + "mlp.c_fc.bias", DType.F32, new float[4 * DIM], 4 * DIM)
                .add(h + "mlp.c_proj.weight", DType.F32, new float[4 * DIM * DIM], 4 * DIM, DIM)
                .add(h + "mlp.c_proj.bias", DType.F32, new float[DIM], DIM)
                .add("transformer.ln_f.weight", DType.F32, ones, DIM).add("transformer.ln_f.bias", DType.F32, new float[DIM], DIM);
        Files.createDirectories(dir);
        w.write(dir.resolve("model.safetensors"));
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), new ObjectMapper().createObjectNode()
                .put("model_type", "gpt2").put("vocab_size", VOCAB).put("n_embd", DIM).put("n_layer", 1).put("n_head", 1)
                .put("n_positions", POSITIONS).put("bos_token_id", EOS).put("eos_token_id", EOS));
    }

    private static void unitWithZeroMean(SplittableRandom random, float[] out, int at) {
        double[] v = new double[DIM];
        double mean = 0, norm = 0;
        for (int i = 0; i < DIM; i++) mean += v[i] = random.nextGaussian();
        mean /= DIM;
        for (int i = 0; i < DIM; i++) norm += (v[i] -= mean) * v[i];
        norm = Math.sqrt(norm);
        for (int i = 0; i < DIM; i++) out[at + i] = (float) (v[i] / norm);
    }
}
