package piiprobe.engine.generate;

import piiprobe.engine.model.KvCache;
import piiprobe.engine.model.Transformer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small deterministic language model with a real KV cache, for specifying decoding without a real
 * architecture. The logits after a token depend on the token, its position and every earlier real
 * token with its position, computed in one fixed order, so a batched, padded, cached run gives
 * bit-identical logits to {@link #logitsAfter} on the plain sequence when (and only when) the caller
 * lays out tokens, positions and padding correctly.
 *
 * <p>It also polices the {@link Transformer} contract as decoding must use it: positions are the
 * count of real tokens before the slot, padding never lies between two real slots of a row, logits
 * are asked for real slots only, the cache never overflows. And it counts the work it was given.
 */
public final class ToyTransformer implements Transformer {
    private final int vocab, maxPositions;
    private final float[][] bigram, memory, positional;

    public int forwardCalls, slotsRun, realTokensRun, logitVectors, maxRowsSeen;
    public final List<Integer> rowsPerCall = new ArrayList<>(), logitsPerCall = new ArrayList<>();

    public ToyTransformer(int vocab, long seed) {
        this(vocab, seed, 1 << 20);
    }

    public ToyTransformer(int vocab, long seed, int maxPositions) {
        this.vocab = vocab;
        this.maxPositions = maxPositions;
        Random r = new Random(seed);
        bigram = table(r, vocab, vocab, 2.0f);
        memory = table(r, vocab, vocab, 1.0f);
        positional = table(r, 7, vocab, 0.5f);
    }

    private static float[][] table(Random r, int rows, int cols, float scale) {
        float[][] t = new float[rows][cols];
        for (float[] row : t) for (int j = 0; j < cols; j++) row[j] = (float) r.nextGaussian() * scale;
        return t;
    }

    /** Makes {@code token} likely to follow anything, e.g. to exercise end-of-sequence handling. */
    public ToyTransformer favour(int token, float bonus) {
        for (float[] row : bigram) row[token] += bonus;
        return this;
    }

    /** The reference: logits after the last token of a plain, unpadded sequence (positions 0..n-1). */
    public float[] logitsAfter(int[] seq) {
        return logits(seq, seq.length);
    }

    private float[] logits(int[] realTokens, int count) {
        int last = realTokens[count - 1], pos = count - 1;
        float[] out = new float[vocab];
        for (int v = 0; v < vocab; v++) {
            float acc = bigram[last][v] + positional[pos % positional.length][v];
            for (int j = 0; j < count - 1; j++) acc += memory[realTokens[j]][v] / (2 + j);
            out[v] = acc;
        }
        return out;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public KvCache newCache(int rows, int capacity) {
        check(capacity <= maxPositions, "capacity " + capacity + " > " + maxPositions + " positions"); // as the real models do
        return new Cache(rows, capacity);
    }

    @Override
    public float[][] forward(KvCache kv, int steps, int[] tokens, int[] positions, boolean[] real, int[] logitSlots) {
        Cache cache = (Cache) kv;
        int rows = cache.rows();
        check(tokens.length == rows * steps && positions.length == rows * steps && real.length == rows * steps,
                "arrays must be rows × steps");
        check(cache.length + steps <= cache.capacity, "cache overflow: " + cache.length + " + " + steps + " > " + cache.capacity);
        forwardCalls++;
        rowsPerCall.add(rows);
        maxRowsSeen = Math.max(maxRowsSeen, rows);
        slotsRun += rows * steps;
        for (int r = 0; r < rows; r++) {
            Row row = cache.data[r];
            for (int t = 0; t < steps; t++) {
                int i = r * steps + t;
                if (real[i]) {
                    check(!row.ended, "row " + r + ": a real slot after padding that followed real slots");
                    check(tokens[i] >= 0 && tokens[i] < vocab, "token out of vocabulary: " + tokens[i]);
                    check(positions[i] == row.realCount, "row " + r + ": position " + positions[i] + " for real token number " + row.realCount);
                    row.tokens[row.realCount++] = tokens[i];
                    realTokensRun++;
                } else if (row.realCount > 0) {
                    row.ended = true;
                }
                row.realAt[cache.length + t] = real[i] ? row.realCount : -1;
            }
        }
        cache.length += steps;
        float[][] out = new float[logitSlots.length][];
        for (int j = 0; j < logitSlots.length; j++) {
            int r = logitSlots[j] / steps, t = logitSlots[j] % steps;
            Row row = cache.data[r];
            int count = row.realAt[cache.length - steps + t];
            check(count > 0, "logits asked for padding slot " + logitSlots[j]);
            out[j] = logits(row.tokens, count);
        }
        logitVectors += logitSlots.length;
        logitsPerCall.add(logitSlots.length);
        return out;
    }

    @Override
    public void close() {}

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalStateException("Transformer contract broken: " + message);
    }

    private static final class Row {
        final int[] tokens, realAt; // realAt[slot]: real tokens up to and including it, -1 for padding
        int realCount;
        boolean ended;

        Row(int capacity) {
            tokens = new int[capacity];
            realAt = new int[capacity];
        }

        Row copy() {
            Row c = new Row(tokens.length);
            System.arraycopy(tokens, 0, c.tokens, 0, tokens.length);
            System.arraycopy(realAt, 0, c.realAt, 0, realAt.length);
            c.realCount = realCount;
            c.ended = ended;
            return c;
        }
    }

    private static final class Cache implements KvCache {
        final int capacity;
        Row[] data;
        int length;

        Cache(int rows, int capacity) {
            this.capacity = capacity;
            data = new Row[rows];
            for (int r = 0; r < rows; r++) data[r] = new Row(capacity);
        }

        @Override
        public int rows() {
            return data.length;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public int capacity() {
            return capacity;
        }

        @Override
        public void select(int[] from) {
            Row[] next = new Row[from.length];
            for (int i = 0; i < from.length; i++) next[i] = data[from[i]].copy();
            data = next;
        }
    }
}
