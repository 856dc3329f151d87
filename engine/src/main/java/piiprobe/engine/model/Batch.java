package piiprobe.engine.model;

import piiprobe.engine.UserError;
import piiprobe.engine.kernel.KvStore;
import piiprobe.engine.kernel.PackedMatrix;

/**
 * The bookkeeping every architecture's {@link Transformer#forward} shares: checks the call, opens
 * the new slots in the cache, and at the end runs the LM head for the requested slots only.
 */
final class Batch {
    final KvStore cache;
    final int rows;
    final int steps;
    final int[] tokens;
    final int[] positions;
    private final int[] logitSlots;

    private Batch(KvStore cache, int steps, int[] tokens, int[] positions, int[] logitSlots) {
        this.cache = cache;
        this.rows = cache.rows();
        this.steps = steps;
        this.tokens = tokens;
        this.positions = positions;
        this.logitSlots = logitSlots;
    }

    /** Limits that come from config.json, named as the user would look them up there. */
    record Limits(int vocab, int maxPositions, String maxPositionsKey) {
        static Limits unbounded(int vocab) {
            return new Limits(vocab, Integer.MAX_VALUE, null);
        }
    }

    static KvStore newCache(Transformer model, Limits limits, int layers, int kvHeads, int headDim, int rows, int capacity) {
        if (capacity > limits.maxPositions)
            throw new UserError("sequences of up to " + capacity + " tokens exceed the model's " + limits.maxPositions
                    + " positions (" + limits.maxPositionsKey + " in config.json)");
        return new KvStore(model, layers, kvHeads, headDim, rows, capacity);
    }

    static Batch open(Transformer model, Limits limits, KvCache kv, int steps, int[] tokens, int[] positions, boolean[] real, int[] logitSlots) {
        if (!(kv instanceof KvStore cache) || cache.owner() != model)
            throw new IllegalArgumentException("the KV cache was not made by this model's newCache");
        int n = cache.rows() * steps;
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (tokens.length != n || positions.length != n || real.length != n)
            throw new IllegalArgumentException("tokens, positions and real must hold rows × steps = " + n + " entries, got "
                    + tokens.length + ", " + positions.length + ", " + real.length);
        for (int s : logitSlots)
            if (s < 0 || s >= n) throw new IllegalArgumentException("logit slot " + s + " is outside 0.." + (n - 1));
        if (cache.length() + steps > limits.maxPositions)
            throw new UserError((cache.length() + steps) + " tokens exceed the model's " + limits.maxPositions
                    + " positions (" + limits.maxPositionsKey + " in config.json)");
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= limits.vocab)
                throw new UserError("token id " + tokens[i] + " is outside the model's vocabulary of " + limits.vocab + " (vocab_size in config.json)");
            if (positions[i] < 0 || positions[i] >= limits.maxPositions)
                throw new UserError("position " + positions[i] + " is outside the model's 0.." + (limits.maxPositions - 1)
                        + " (" + limits.maxPositionsKey + " in config.json)");
        }
        cache.open(steps, real);
        return new Batch(cache, steps, tokens, positions, logitSlots);
    }

    int tokens() {
        return rows * steps;
    }

    /** Slots per row once this step is in: what GPT-NeoX's dynamic rotary scaling keys on. */
    int lengthAfter() {
        return cache.length() + steps;
    }

    /** Makes this step's slots part of the cache; call once every layer has stored its keys and values. */
    void commit() {
        cache.advance(steps);
    }

    /** The hidden states (width {@code d}) of the slots whose logits are wanted, in request order. */
    float[] wanted(float[] hidden, int d) {
        float[] out = new float[logitSlots.length * d];
        for (int i = 0; i < logitSlots.length; i++) System.arraycopy(hidden, logitSlots[i] * d, out, i * d, d);
        return out;
    }

    int wantedCount() {
        return logitSlots.length;
    }

    /** The LM head over the wanted (already final-normed) hidden states, one logit vector each. */
    float[][] logits(PackedMatrix head, float[] wanted) {
        float[][] out = new float[logitSlots.length][head.out()];
        head.multiplyRows(wanted, logitSlots.length, out);
        return out;
    }
}
