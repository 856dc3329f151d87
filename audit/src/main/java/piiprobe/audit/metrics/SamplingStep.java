package piiprobe.audit.metrics;

import piiprobe.engine.Decoding;
import piiprobe.engine.generate.LogitsProcessors;
import piiprobe.engine.kernel.Logits;

import java.util.Arrays;

/**
 * One step of multinomial sampling seen from the model's next-token log-probabilities: for each token,
 * a lower bound on the chance that the sampler picks it.
 *
 * <p>The scores go through the engine's own processors ({@link LogitsProcessors#forSampling}:
 * min-new-tokens, temperature, top-k with its ties), and a token's chance is its weight
 * {@code exp(score − max)}, as the sampler computes it, over the sum of the weights. With the whole
 * vocabulary known that is the sampler's distribution (the sampler starts from logits, which differ
 * from log-probabilities by a constant; float rounding of the two paths differs by about 1e-7 of a
 * probability).
 *
 * <p>A served model may return only its top N log-probabilities, the others being -inf. Their mass
 * R = 1 − Σ known p is unknown, and after the temperature it weighs Σ p_j^(1/T) over unknown ids j,
 * which is at most R^(1/T) and R·p_min^(1/T−1) for T ≤ 1 (every unknown p_j ≤ p_min, the smallest
 * returned one), and at most n^(1−1/T)·R^(1/T) and n·p_min^(1/T) for T > 1 (n unknown ids). That
 * bound joins the normaliser, so each known token's chance is a lower bound; when top-k removed a
 * returned token, every unknown one (less likely still) is removed too and the bound is 0.
 * Top-p is not supported: its cut depends on the unknown mass's order.
 */
final class SamplingStep {
    /** Tokens with a positive chance, most likely first (ties: lower id first), and their chances' lower bounds. */
    record Children(int[] ids, double[] chance) {}

    private final Decoding.Sampling sampling;
    private final int[] eosIds;
    private LogitsProcessors.SamplingScratch scratch;
    private float[] scores = new float[0];

    SamplingStep(Decoding.Sampling sampling, int[] eosIds) {
        if (sampling.topP() < 1f) throw new IllegalArgumentException("sound bounds do not support top-p, got " + sampling.topP());
        this.sampling = sampling;
        this.eosIds = eosIds.clone();
    }

    /** The children of a prefix after which {@code produced} tokens are out, given the log-probabilities after it. */
    Children children(float[] logprobs, int produced) {
        int n = logprobs.length;
        if (scores.length != n) {
            scores = new float[n];
            scratch = LogitsProcessors.SamplingScratch.of(sampling, n);
        }
        System.arraycopy(logprobs, 0, scores, 0, n);
        LogitsProcessors.forSampling(scores, sampling, produced, eosIds, scratch);
        float max = Logits.max(scores);
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) return new Children(new int[0], new double[0]);
        float[] weights = scratch.weights();
        double sum = Logits.expShifted(scores, max, weights);
        double normaliser = sum + unknownWeight(logprobs, produced) * Math.exp(-(double) max);
        int count = 0;
        for (int v = 0; v < n; v++) if (weights[v] > 0f) count++;
        long[] keyed = new long[count];
        for (int v = 0, j = 0; v < n; v++) // positive floats order as their bits: ~bits puts the heaviest first
            if (weights[v] > 0f) keyed[j++] = ((long) ~Float.floatToIntBits(weights[v]) << 32) | v;
        Arrays.sort(keyed);
        int[] ids = new int[count];
        double[] chance = new double[count];
        for (int j = 0; j < count; j++) {
            ids[j] = (int) keyed[j];
            chance[j] = weights[ids[j]] / normaliser;
        }
        return new Children(ids, chance);
    }

    /**
     * An upper bound on Σ p_j^(1/T) over the ids whose log-probability was not returned (-inf) and that
     * the processors would keep; 0 when every id is known.
     */
    private double unknownWeight(float[] logprobs, int produced) {
        int unknown = 0;
        for (float lp : logprobs) if (lp == Float.NEGATIVE_INFINITY) unknown++;
        if (unknown == 0) return 0;
        double known = 0;
        float minKnown = Float.POSITIVE_INFINITY;
        boolean topKRemovedKnown = false;
        for (int v = 0; v < logprobs.length; v++) {
            if (logprobs[v] == Float.NEGATIVE_INFINITY) continue;
            known += Math.exp(logprobs[v]);
            minKnown = Math.min(minKnown, logprobs[v]);
            if (scores[v] == Float.NEGATIVE_INFINITY && !(produced < sampling.minNewTokens() && isEos(v)))
                topKRemovedKnown = true;
        }
        if (topKRemovedKnown) return 0;
        double r = Math.max(0, 1 - known), a = 1.0 / sampling.temperature(), pMin = Math.exp(minKnown);
        if (r == 0) return 0;
        if (a >= 1) return Math.min(Math.pow(r, a), r * Math.pow(pMin, a - 1));
        return Math.min(Math.pow(unknown, 1 - a) * Math.pow(r, a), unknown * Math.pow(pMin, a));
    }

    private boolean isEos(int id) {
        for (int e : eosIds) if (e == id) return true;
        return false;
    }
}
