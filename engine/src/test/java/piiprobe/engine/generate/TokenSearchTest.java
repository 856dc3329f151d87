package piiprobe.engine.generate;

import org.junit.jupiter.api.Test;
import piiprobe.engine.Decoding;
import piiprobe.engine.StopRule;
import piiprobe.engine.UserError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenSearchTest {
    static final int VOCAB = 17, EOS = 16;
    static final int[] EOS_IDS = {EOS};

    static final List<int[]> PROMPTS = List.of(
            new int[] {3, 1, 4, 1, 5, 9, 2, 6},
            new int[] {7},
            new int[] {2, 7, 1, 8},
            new int[] {3, 1, 4, 1, 5, 9, 2, 6}, // a repeat
            new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5});

    /** Greedy decoding written plainly: no batch, no cache, the whole sequence every step. */
    static int[] referenceGreedy(ToyTransformer m, int[] prompt, int max, int min, double[] score) {
        List<Integer> out = new ArrayList<>();
        int[] seq = prompt.clone();
        double sum = 0;
        for (int step = 0; step < max; step++) {
            float[] x = m.logitsAfter(seq);
            if (step < min) x[EOS] = Float.NEGATIVE_INFINITY;
            int best = 0;
            for (int v = 1; v < x.length; v++) if (x[v] > x[best]) best = v;
            sum += x[best] - logSumExp(x);
            out.add(best);
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = best;
            if (best == EOS) break;
        }
        score[0] = sum;
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static double logSumExp(float[] x) {
        double max = Double.NEGATIVE_INFINITY, s = 0;
        for (float v : x) max = Math.max(max, v);
        for (float v : x) s += Math.exp(v - max);
        return max + Math.log(s);
    }

    static int[] rowIds(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        return ids;
    }

    @Test
    void batchedGreedyEqualsPlainGreedyForEveryPrompt() {
        for (int min : new int[] {0, 4}) {
            ToyTransformer m = new ToyTransformer(VOCAB, 11).favour(EOS, 2.5f);
            var results = TokenSearch.run(m, PROMPTS, new Decoding.Greedy(12, min), EOS_IDS, StopRule.NEVER,
                    rowIds(PROMPTS.size()), null);
            boolean sawEos = false;
            for (int p = 0; p < PROMPTS.size(); p++) {
                double[] score = new double[1];
                int[] expected = referenceGreedy(m, PROMPTS.get(p), 12, min, score);
                assertArrayEquals(expected, results.get(p).newIds(), "prompt " + p + ", min " + min);
                assertEquals(score[0], results.get(p).score(), 1e-4, "prompt " + p);
                sawEos |= expected[expected.length - 1] == EOS;
                if (expected[expected.length - 1] == EOS) assertTrue(expected.length > min, "EOS is banned for the first min tokens");
            }
            assertTrue(sawEos, "the test should exercise end-of-sequence");
        }
    }

    @Test
    void minNewTokensBansEndOfSequenceThenItEndsTheRow() {
        ToyTransformer m = new ToyTransformer(VOCAB, 5).favour(EOS, 30f); // EOS is always the argmax
        var r = TokenSearch.run(m, List.of(new int[] {1, 2}), new Decoding.Greedy(20, 3), EOS_IDS, StopRule.NEVER,
                rowIds(1), null).getFirst();
        assertEquals(4, r.newIds().length);
        assertEquals(EOS, r.newIds()[3]);
        for (int i = 0; i < 3; i++) assertNotEquals(EOS, r.newIds()[i]);
    }

    @Test
    void everyEndOfSequenceIdEndsARow() {
        ToyTransformer m = new ToyTransformer(VOCAB, 5).favour(9, 30f);
        var r = TokenSearch.run(m, List.of(new int[] {1, 2}), new Decoding.Greedy(20, 0), new int[] {EOS, 9},
                StopRule.NEVER, rowIds(1), null).getFirst();
        assertArrayEquals(new int[] {9}, r.newIds());
    }

    @Test
    void maxNewTokensBoundsEveryRowAndNoEndIdMeansNoEarlyEnd() {
        ToyTransformer m = new ToyTransformer(VOCAB, 5).favour(EOS, 30f);
        var results = TokenSearch.run(m, PROMPTS, new Decoding.Greedy(7, 0), new int[0], StopRule.NEVER,
                rowIds(PROMPTS.size()), null);
        for (var r : results) assertEquals(7, r.newIds().length);
    }

    @Test
    void stopRuleEndsOnlyItsRowSeesTheCallersRowIdsAndEndedRowsLeaveTheBatch() {
        ToyTransformer m = new ToyTransformer(VOCAB, 3);
        int[] ids = {40, 41, 42, 43, 44};
        List<String> asked = Collections.synchronizedList(new ArrayList<>());
        StopRule stop = (row, newIds) -> {
            asked.add(row + ":" + newIds.length);
            return (row == 41 || row == 43) && newIds.length == 2;
        };
        var results = TokenSearch.run(m, PROMPTS, new Decoding.Greedy(10, 0), new int[0], stop, ids, null);
        assertEquals(2, results.get(1).newIds().length);
        assertEquals(2, results.get(3).newIds().length);
        assertEquals(10, results.get(0).newIds().length);
        assertTrue(asked.contains("41:1") && asked.contains("41:2") && !asked.contains("41:3"));
        assertTrue(asked.contains("40:9"), "asked after every token");
        double[] score = new double[1];
        assertArrayEquals(Arrays.copyOf(referenceGreedy(m, PROMPTS.get(1), 10, 0, score), 2), results.get(1).newIds());
        // prefill + 9 steps; two of five rows ended after step 2, so later steps ran 3 rows
        assertEquals(10, m.forwardCalls);
        assertEquals(List.of(5, 5, 3, 3, 3, 3, 3, 3, 3, 3), m.rowsPerCall);
    }

    @Test
    void samplingIsReproducibleAndIndependentOfBatchingAndOrder() {
        ToyTransformer m = new ToyTransformer(VOCAB, 21);
        Decoding.Sampling d = new Decoding.Sampling(15, 2, 0.9f, 8, 0.95f, 1234);
        long[] seeds = TokenSearch.streamSeeds(d.seed(), PROMPTS);
        var together = TokenSearch.run(m, PROMPTS, d, EOS_IDS, StopRule.NEVER, rowIds(PROMPTS.size()), seeds);
        for (int p = 0; p < PROMPTS.size(); p++) {
            var alone = TokenSearch.run(m, List.of(PROMPTS.get(p)), d, EOS_IDS, StopRule.NEVER, rowIds(1),
                    new long[] {seeds[p]}).getFirst();
            assertArrayEquals(together.get(p).newIds(), alone.newIds(), "prompt " + p);
            assertEquals(together.get(p).score(), alone.score(), 1e-5);
        }
        var again = TokenSearch.run(m, PROMPTS, d, EOS_IDS, StopRule.NEVER, rowIds(PROMPTS.size()), seeds);
        for (int p = 0; p < PROMPTS.size(); p++) assertArrayEquals(together.get(p).newIds(), again.get(p).newIds());
        // The two copies of prompt 0 draw from different streams.
        assertFalse(Arrays.equals(together.get(0).newIds(), together.get(3).newIds()));

        List<int[]> reordered = List.of(PROMPTS.get(3), PROMPTS.get(2), PROMPTS.get(0));
        long[] reseeds = TokenSearch.streamSeeds(d.seed(), reordered);
        assertEquals(seeds[0], reseeds[0], "first occurrence of the repeated prompt");
        assertEquals(seeds[3], reseeds[2], "second occurrence");
        assertEquals(seeds[2], reseeds[1]);
        assertNotEquals(seeds[0], TokenSearch.streamSeeds(d.seed() + 1, PROMPTS)[0]);
    }

    /** The processed distribution of the first new token, written plainly in double precision. */
    static double[] referenceDistribution(float[] logits, float temperature, int topK, float topP) {
        int n = logits.length;
        double[] x = new double[n];
        for (int v = 0; v < n; v++) x[v] = (float) (logits[v] / temperature);
        if (topK > 0 && topK < n) {
            double[] sorted = x.clone();
            Arrays.sort(sorted);
            double kth = sorted[n - topK];
            for (int v = 0; v < n; v++) if (x[v] < kth) x[v] = Double.NEGATIVE_INFINITY;
        }
        if (topP < 1) {
            Integer[] asc = new Integer[n];
            for (int v = 0; v < n; v++) asc[v] = v;
            double[] y = x;
            Arrays.sort(asc, (a, b) -> Double.compare(y[a], y[b]));
            double[] p = softmax(x);
            double cumulative = 0;
            for (int j = 0; j < n - 1; j++) {
                cumulative += p[asc[j]];
                if (cumulative <= 1 - topP) x[asc[j]] = Double.NEGATIVE_INFINITY;
            }
        }
        return softmax(x);
    }

    static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY, s = 0;
        for (double v : x) max = Math.max(max, v);
        double[] p = new double[x.length];
        for (int v = 0; v < x.length; v++) s += p[v] = Math.exp(x[v] - max);
        for (int v = 0; v < x.length; v++) p[v] /= s;
        return p;
    }

    @Test
    void samplingDrawsFromTheProcessedDistribution() {
        ToyTransformer m = new ToyTransformer(VOCAB, 8);
        int[] prompt = {4, 2};
        float[] logits = m.logitsAfter(prompt);
        int n = 20_000;
        List<int[]> prompts = Collections.nCopies(n, prompt);
        for (float[] setting : new float[][] {{1f, 0, 1f}, {0.7f, 5, 1f}, {1.3f, 0, 0.8f}, {1f, 9, 0.6f}}) {
            Decoding.Sampling d = new Decoding.Sampling(1, 0, setting[0], (int) setting[1], setting[2], 99);
            double[] expected = referenceDistribution(logits, d.temperature(), d.topK(), d.topP());
            var results = TokenSearch.run(m, prompts, d, new int[0], StopRule.NEVER, rowIds(n), TokenSearch.streamSeeds(99, prompts));
            int[] counts = new int[VOCAB];
            for (var r : results) counts[r.newIds()[0]]++;
            for (int v = 0; v < VOCAB; v++) {
                if (expected[v] == 0) {
                    assertEquals(0, counts[v], "token " + v + " was filtered out, setting " + Arrays.toString(setting));
                    continue;
                }
                double mean = n * expected[v], sd = Math.sqrt(n * expected[v] * (1 - expected[v]));
                assertEquals(mean, counts[v], 5 * sd + 1, "token " + v + ", setting " + Arrays.toString(setting));
            }
            // The score is the chosen token's log-probability under that distribution.
            var first = results.getFirst();
            assertEquals(Math.log(expected[first.newIds()[0]]), first.score(), 1e-4);
        }
    }

    @Test
    void badPromptsAreUserErrorsNamingThePrompt() {
        ToyTransformer m = new ToyTransformer(VOCAB, 1, 20);
        var greedy = new Decoding.Greedy(5, 0);
        var e = assertThrows(UserError.class, () -> TokenSearch.run(m, List.of(new int[] {1}, new int[0]), greedy,
                EOS_IDS, StopRule.NEVER, rowIds(2), null));
        assertEquals("prompt 1 is empty: there is nothing to condition on", e.getMessage());
        e = assertThrows(UserError.class, () -> TokenSearch.run(m, List.of(new int[] {1, VOCAB}), greedy,
                EOS_IDS, StopRule.NEVER, rowIds(1), null));
        assertEquals("prompt 0: token id 17 at 1 is outside the model's vocabulary (0..16)", e.getMessage());
        e = assertThrows(UserError.class, () -> TokenSearch.run(m, List.of(new int[16]), greedy,
                EOS_IDS, StopRule.NEVER, rowIds(1), null));
        assertEquals("prompt 0 has 16 tokens and 5 more are asked for: the model has only 20 positions", e.getMessage());
        assertEquals(0, m.forwardCalls);
    }
}
