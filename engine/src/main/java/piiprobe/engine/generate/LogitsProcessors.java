package piiprobe.engine.generate;

import piiprobe.engine.Decoding;
import piiprobe.engine.kernel.Logits;

import java.util.Arrays;

/**
 * transformers 4.40's logits processors and warpers that piiprobe's decodings use, each in place on
 * one row's logits (or log-probabilities), with the same tie and boundary rules. Sampling applies
 * them in transformers' order ({@link #forSampling}): {@link #banTokens} (min-new-tokens),
 * {@link #temperature}, {@link #topK}, {@link #topP}.
 */
public final class LogitsProcessors {
    private LogitsProcessors() {}

    /**
     * Buffers of the vocabulary's size for {@link #forSampling}, one set per thread; {@code weights} is
     * free for the caller once it returns (the sampler computes its draw weights there).
     */
    public record SamplingScratch(float[] weights, float[] heap, long[] keyed) {
        public static SamplingScratch of(Decoding.Sampling d, int vocab) {
            return new SamplingScratch(new float[vocab], new float[Math.max(d.topK(), 0)], d.topP() < 1f ? new long[vocab] : null);
        }
    }

    /**
     * In place, the scores that multinomial sampling draws the next token from, softmax-normalised,
     * when {@code produced} tokens are out: what {@link TokenSearch}'s sampler draws from, so that
     * whoever reasons about the sampler's distribution (sound probability bounds) uses the same rules
     * and ties. The scores may be logits or log-probabilities: they differ by a constant, which no
     * step depends on.
     */
    public static void forSampling(float[] scores, Decoding.Sampling d, int produced, int[] eosIds, SamplingScratch s) {
        if (produced < d.minNewTokens()) banTokens(scores, eosIds);
        temperature(scores, d.temperature());
        topK(scores, d.topK(), s.heap);
        topP(scores, d.topP(), s.keyed, s.weights);
    }

    /** MinNewTokensLengthLogitsProcessor: the end-of-sequence ids get -inf while too few tokens are out. */
    static void banTokens(float[] scores, int[] ids) {
        for (int id : ids) if (id >= 0 && id < scores.length) scores[id] = Float.NEGATIVE_INFINITY;
    }

    /** TemperatureLogitsWarper: divides every score (transformers skips it at exactly 1). */
    static void temperature(float[] scores, float temperature) {
        if (temperature == 1f) return;
        for (int i = 0; i < scores.length; i++) scores[i] /= temperature;
    }

    /**
     * TopKLogitsWarper: scores strictly below the k-th largest become -inf, so ties with the k-th are
     * kept. {@code k <= 0} or {@code k >= vocab}: nothing to do.
     */
    static void topK(float[] scores, int k, float[] heap) {
        if (k <= 0 || k >= scores.length) return;
        float kth = kthLargest(scores, k, heap);
        for (int i = 0; i < scores.length; i++) if (scores[i] < kth) scores[i] = Float.NEGATIVE_INFINITY;
    }

    /** The k-th largest value (1-based), counting repeats, via a size-k min-heap: one pass, k small. */
    private static float kthLargest(float[] x, int k, float[] heap) {
        int size = 0;
        for (float v : x) {
            if (size < k) {
                int i = size++;
                heap[i] = v;
                while (i > 0 && heap[(i - 1) / 2] > heap[i]) {
                    int parent = (i - 1) / 2;
                    float t = heap[parent]; heap[parent] = heap[i]; heap[i] = t;
                    i = parent;
                }
            } else if (v > heap[0]) {
                heap[0] = v;
                int i = 0;
                while (true) {
                    int l = 2 * i + 1, r = l + 1, m = i;
                    if (l < k && heap[l] < heap[m]) m = l;
                    if (r < k && heap[r] < heap[m]) m = r;
                    if (m == i) break;
                    float t = heap[m]; heap[m] = heap[i]; heap[i] = t;
                    i = m;
                }
            }
        }
        return heap[0];
    }

    /**
     * TopPLogitsWarper: sorts ascending, removes every token whose cumulative probability (its own
     * mass plus all smaller ones) is at most {@code 1 - topP}, always keeping the most likely token.
     * {@code topP >= 1}: nothing to do.
     *
     * <p>Only tokens of probability at least (1 − topP)/vocab are sorted: all those below it weigh at
     * most 1 − topP together, so each of them is removed whatever the order, and their mass starts the
     * cumulative sum of the rest. {@code keyed} and {@code weight} are scratch of the vocabulary's size.
     */
    static void topP(float[] scores, float topP, long[] keyed, float[] weight) {
        if (topP >= 1f) return;
        float max = Logits.max(scores);
        double sum = Logits.expShifted(scores, max, weight);
        // torch: softmax in float, cumsum accumulated in double and stored as float, compared with
        // the float (1 - top_p).
        float threshold = (float) (1.0 - topP);
        double negligible = (1.0 - topP) * sum / scores.length, below = 0;
        int n = 0;
        for (int i = 0; i < scores.length; i++) {
            if (weight[i] >= negligible) keyed[n++] = sortKey(scores[i], i);
            else {
                below += weight[i];
                scores[i] = Float.NEGATIVE_INFINITY;
            }
        }
        Arrays.sort(keyed, 0, n);
        double cumulative = below / sum;
        for (int j = 0; j < n - 1; j++) {
            int i = (int) keyed[j];
            cumulative += (float) (weight[i] / sum);
            if ((float) cumulative > threshold) break;
            scores[i] = Float.NEGATIVE_INFINITY;
        }
    }

    /** Orders by value ascending, then by index: the float's bits made monotone, in the high word. */
    private static long sortKey(float v, int index) {
        int bits = Float.floatToIntBits(v);
        bits ^= (bits >> 31) & 0x7fffffff;
        return ((long) bits << 32) | index;
    }
}
