package piiprobe.audit.metrics;

import org.junit.jupiter.api.Test;
import piiprobe.audit.Audit;
import piiprobe.audit.EmailExtractor;
import piiprobe.engine.Decoding;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Soundness on {@link TinyModel}, whose every continuation can be enumerated: the exact probability
 * that the first address is the true one, summed over all continuations with an independent
 * (double precision) implementation of temperature and top-k, lies within the bounds at every budget,
 * and the bounds never loosen as the budget grows.
 *
 * <p>The bounds compute chances from float weights as the engine's sampler does; the enumeration in
 * doubles. Their difference is about 1e-7 of a probability per token, hence the slack of 1e-6.
 */
class SoundBoundsTest {
    private static final double SLACK = 1e-6;
    private static final String PROMPT = "x:";
    private static final String TRUTH = "o@e.cm";

    /** The exact probability, by depth-first enumeration of every continuation of at most {@code maxNew} tokens. */
    static double exact(TinyModel model, Decoding.Sampling s, String truth) {
        return exact(model, s, truth, model.tokenizer().encode(PROMPT), new int[0], 1.0);
    }

    private static double exact(TinyModel model, Decoding.Sampling s, String truth, int[] prompt, int[] path, double mass) {
        int[] prefix = Arrays.copyOf(prompt, prompt.length + path.length);
        System.arraycopy(path, 0, prefix, prompt.length, path.length);
        double[] q = reference(model.fullLogprobs(prefix), s.temperature(), s.topK());
        double total = 0;
        for (int id = 0; id < q.length; id++) {
            int v = id;
            if (q[v] == 0) continue;
            int[] next = Arrays.copyOf(path, path.length + 1);
            next[path.length] = v;
            if (Arrays.stream(model.eosTokenIds()).anyMatch(e -> e == v) || next.length == s.maxNewTokens()) {
                String found = EmailExtractor.firstMatch(Audit.continuation(PROMPT, model.tokenizer(), next));
                if (truth.equals(found)) total += mass * q[v];
            } else {
                total += exact(model, s, truth, prompt, next, mass * q[v]);
            }
        }
        return total;
    }

    /** Temperature, then top-k keeping ties with the k-th, then softmax: transformers' rules, in doubles. */
    static double[] reference(float[] logprobs, double temperature, int topK) {
        int n = logprobs.length;
        double[] x = new double[n];
        for (int v = 0; v < n; v++) x[v] = logprobs[v] / temperature;
        if (topK > 0 && topK < n) {
            double[] sorted = x.clone();
            Arrays.sort(sorted);
            double kth = sorted[n - topK];
            for (int v = 0; v < n; v++) if (x[v] < kth) x[v] = Double.NEGATIVE_INFINITY;
        }
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : x) max = Math.max(max, v);
        double[] p = new double[n];
        for (int v = 0; v < n; v++) sum += p[v] = Math.exp(x[v] - max);
        for (int v = 0; v < n; v++) p[v] /= sum;
        return p;
    }

    private static void assertSoundAndMonotone(TinyModel model, Decoding.Sampling s, double exact, int maxBudget) {
        int[] prompt = model.tokenizer().encode(PROMPT);
        FirstMatchEvent event = new FirstMatchEvent(PROMPT, model.tokenizer(), FirstMatchEvent.ADDRESS, TRUTH);
        SoundBounds.Result previous = null;
        for (int budget = 1; budget <= maxBudget; budget++) {
            SoundBounds.Result r = SoundBounds.compute(model, prompt, event, s, budget);
            String where = s + ", budget " + budget + ": [" + r.lower() + ", " + r.upper() + "], exact " + exact;
            assertTrue(r.lower() <= exact + SLACK && exact <= r.upper() + SLACK, where);
            assertTrue(r.expansions() <= budget, where);
            if (previous != null) {
                assertTrue(r.lower() >= previous.lower() && r.upper() <= previous.upper(), "tightens: " + where + " after "
                        + previous);
            }
            previous = r;
        }
    }

    @Test
    void exactProbabilityLiesWithinTheBoundsAtEveryBudget() {
        TinyModel model = new TinyModel(0, 1.5, 4);
        for (Decoding.Sampling s : List.of(
                new Decoding.Sampling(6, 0, 1f, 0, 1f, 0),
                new Decoding.Sampling(7, 0, 0.7f, 4, 1f, 0),
                new Decoding.Sampling(7, 0, 1.6f, 3, 1f, 0),
                new Decoding.Sampling(8, 2, 1f, 2, 1f, 0))) {
            double exact = exact(model, s, TRUTH);
            assertTrue(exact > 0.01 && exact < 0.99, "a probability worth bounding: " + exact + " for " + s);
            assertSoundAndMonotone(model, s, exact, 120);
        }
    }

    @Test
    void boundsMeetAtTheExactProbabilityOnceEveryPrefixIsExpanded() {
        TinyModel model = new TinyModel(0, 1.5, 4);
        Decoding.Sampling s = new Decoding.Sampling(6, 0, 0.7f, 3, 1f, 0);
        double exact = exact(model, s, TRUTH);
        FirstMatchEvent event = new FirstMatchEvent(PROMPT, model.tokenizer(), FirstMatchEvent.ADDRESS, TRUTH);
        SoundBounds.Result r = SoundBounds.compute(model, model.tokenizer().encode(PROMPT), event, s, 10_000);
        assertTrue(r.expansions() < 10_000, "the trie ran out before the budget: " + r);
        assertEquals(exact, r.lower(), SLACK);
        assertEquals(exact, r.upper(), SLACK);
    }

    @Test
    void everyEndOfSequenceIdEndsAContinuation() {
        // 'm' also ends a sequence: "o@e.cm" can then only be followed by the end, never by more characters
        TinyModel model = new TinyModel(0, 1.5, 4).endingAlsoAt('m');
        Decoding.Sampling s = new Decoding.Sampling(8, 0, 0.7f, 3, 1f, 0);
        double exact = exact(model, s, TRUTH), oneEos = exact(new TinyModel(0, 1.5, 4), s, TRUTH);
        assertTrue(Math.abs(exact - oneEos) > 0.01, "the second end changes the probability: " + exact + " vs " + oneEos);
        assertSoundAndMonotone(model, s, exact, 60);
        FirstMatchEvent event = new FirstMatchEvent(PROMPT, model.tokenizer(), FirstMatchEvent.ADDRESS, TRUTH);
        SoundBounds.Result r = SoundBounds.compute(model, model.tokenizer().encode(PROMPT), event, s, 10_000);
        assertEquals(exact, r.lower(), SLACK);
        assertEquals(exact, r.upper(), SLACK);
    }

    @Test
    void servedTopNLogprobsStaySound() {
        // The model answers with its 4 (or 6) likeliest ids only; the bounds must still hold the full model's probability.
        for (int topN : new int[] {4, 6})
            for (Decoding.Sampling s : List.of(
                    new Decoding.Sampling(6, 0, 1f, 0, 1f, 0),
                    new Decoding.Sampling(6, 0, 0.5f, 0, 1f, 0),
                    new Decoding.Sampling(6, 0, 2f, 0, 1f, 0),
                    new Decoding.Sampling(6, 0, 0.7f, 3, 1f, 0),
                    new Decoding.Sampling(6, 0, 1f, 8, 1f, 0))) {
                TinyModel full = new TinyModel(0, 1.5, 4), served = new TinyModel(topN, 1.5, 4);
                assertSoundAndMonotone(served, s, exact(full, s, TRUTH), 60);
            }
    }

    @Test
    void aFlatTreeFillsEachCallAndASurePathGoesOneTokenPerCall() {
        TinyModel flat = new TinyModel(0, 0, 0); // every token alike: siblings are as likely as the likeliest
        FirstMatchEvent event = new FirstMatchEvent(PROMPT, flat.tokenizer(), FirstMatchEvent.ADDRESS, TRUTH);
        Decoding.Sampling s = new Decoding.Sampling(7, 0, 1f, 0, 1f, 0);
        SoundBounds.Result r = SoundBounds.compute(flat, flat.tokenizer().encode(PROMPT), event, s, 40);
        assertEquals(40, r.expansions());
        assertEquals(40, flat.prefixesAsked);
        assertEquals(4, flat.calls, "the root, its 9 open children, then 16 and 14 of theirs");

        TinyModel sure = new TinyModel(0, 0, 12); // the intended character has all but 1e-4 of the mass
        SoundBounds.Result deep = SoundBounds.compute(sure, sure.tokenizer().encode(PROMPT), event, s, 7);
        assertEquals(7, sure.calls, "one prefix per call: the unlikely siblings wait");
        assertTrue(deep.lower() > 0.99, "seven calls spell the address: " + deep);
    }
}
