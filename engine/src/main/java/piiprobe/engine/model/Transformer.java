package piiprobe.engine.model;

/**
 * The forward pass of one decoder-only architecture over a batch of rows, with a KV cache. Each
 * architecture (GPT-2, GPT-Neo, GPT-NeoX, Llama/Qwen2/Mistral) implements it in one file; decoding and
 * scoring are written once, against this interface.
 */
public interface Transformer extends AutoCloseable {

    /** Size of the logit vectors this model produces (the LM head's rows). */
    int vocabSize();

    /** Longest sequence (prompt plus new tokens) the model accepts; Integer.MAX_VALUE if unbounded. */
    int maxPositions();

    /** An empty cache for {@code rows} sequences of up to {@code capacity} tokens each. */
    KvCache newCache(int rows, int capacity);

    /**
     * Appends {@code steps} slots to every row of {@code cache} and runs them through the model.
     * All arrays are rows × steps, row-major (index {@code r * steps + t}).
     *
     * @param tokens     token ids; a padding slot holds any valid id
     * @param positions  position ids, as transformers' {@code generate()} computes them
     *                   (cumsum(mask) − 1 with padding set to 1; the next step continues per row)
     * @param real       false marks a padding slot: no query, now or later, attends to it. Decoding and
     *                   scoring put padding only before a row's first real slot or after its last (a
     *                   row that ended), never between real slots, so a local-attention window may
     *                   count slots as transformers does with left padding
     * @param logitSlots the flat slot indices whose logits are wanted, in the order returned; the LM head
     *                   runs for these slots only
     * @return one {@link #vocabSize()}-long logit vector per entry of {@code logitSlots}
     */
    float[][] forward(KvCache cache, int steps, int[] tokens, int[] positions, boolean[] real, int[] logitSlots);

    @Override
    void close();
}
