package piiprobe.lab.train;

import java.util.SplittableRandom;

/**
 * Training examples cut from one token stream: windows of {@code seq + 1} tokens (inputs, and the
 * same shifted by one as targets), visited epoch by epoch. Each epoch starts its windows at a random
 * offset, so a document's text falls at other positions from one epoch to the next, and visits them
 * in a random order; both follow from the seed and the epoch number alone, so the batch of any step
 * can be rebuilt without replaying the steps before it (that is what makes resuming exact).
 */
public final class TokenWindows implements Batches {
    private final int[] stream;
    private final int seq;
    private final long seed;
    private final int perEpoch;
    private long cachedEpoch = -1;
    private int cachedOffset;
    private int[] cachedOrder;

    public TokenWindows(int[] stream, int seq, long seed) {
        if (seq < 1) throw new IllegalArgumentException("sequence length must be positive, got " + seq);
        if (stream.length < 2 * seq + 1)
            throw new IllegalArgumentException("a token stream of " + stream.length + " tokens is too short for windows of " + seq + " tokens");
        this.stream = stream;
        this.seq = seq;
        this.seed = seed;
        // the same count for every offset in [0, seq): the last window must end inside the stream
        this.perEpoch = (stream.length - seq) / seq;
    }

    /** Windows in one epoch. */
    public int perEpoch() {
        return perEpoch;
    }

    public int seq() {
        return seq;
    }

    /** The windows of step {@code step}: batch b of a step of B windows is window (step − 1)·B + b, counted across epochs. */
    @Override
    public void fill(int step, int[] inputs, int[] targets) {
        int count = inputs.length / seq;
        long first = (long) (step - 1) * count;
        for (int i = 0; i < count; i++) {
            long w = first + i;
            long epoch = w / perEpoch;
            if (epoch != cachedEpoch) shuffle(epoch);
            int start = cachedOffset + cachedOrder[(int) (w % perEpoch)] * seq;
            System.arraycopy(stream, start, inputs, i * seq, seq);
            System.arraycopy(stream, start + 1, targets, i * seq, seq);
        }
    }

    private void shuffle(long epoch) {
        SplittableRandom rnd = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1)));
        cachedOffset = rnd.nextInt(seq);
        int[] order = new int[perEpoch];
        for (int i = 0; i < perEpoch; i++) order[i] = i;
        for (int i = perEpoch - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        cachedOrder = order;
        cachedEpoch = epoch;
    }

    /**
     * {@code count} windows spread evenly over the stream, in order, for validation: the same ones every
     * time. Windows repeat when the stream holds fewer.
     */
    public static void evenlySpread(int[] stream, int seq, int count, int[] inputs, int[] targets) {
        int windows = (stream.length - 1) / seq;
        if (windows < 1) throw new IllegalArgumentException("a token stream of " + stream.length + " tokens holds no window of " + seq);
        int distinct = Math.min(count, windows);
        for (int i = 0; i < count; i++) {
            int start = (int) ((long) (i % distinct) * (stream.length - 1 - seq) / Math.max(1, distinct - 1));
            System.arraycopy(stream, start, inputs, i * seq, seq);
            System.arraycopy(stream, start + 1, targets, i * seq, seq);
        }
    }
}
