package piiprobe.engine.generate;

import org.junit.jupiter.api.Test;
import piiprobe.engine.Decoding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static piiprobe.engine.generate.TokenSearchTest.PROMPTS;

class BeamSearchTest {

    record Scored(int[] ids, double score) {}

    /** log_softmax in double, rounded to float as torch returns it, then the min-new-tokens ban. */
    static float[] logprobs(ToyTransformer m, int[] seq, boolean banEos, int[] eos) {
        float[] x = m.logitsAfter(seq);
        double lse = TokenSearchTest.logSumExp(x);
        float[] lp = new float[x.length];
        for (int v = 0; v < x.length; v++) lp[v] = (float) (x[v] - lse);
        if (banEos) for (int e : eos) lp[e] = Float.NEGATIVE_INFINITY;
        return lp;
    }

    static int[] append(int[] a, int v) {
        int[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }

    static boolean isEos(int[] eos, int v) {
        for (int e : eos) if (e == v) return true;
        return false;
    }

    /**
     * transformers 4.40's beam search for one prompt, transcribed step by step with plain lists: every
     * beam recomputed from scratch, all candidates sorted.
     */
    static List<Scored> referenceBeam(ToyTransformer m, int[] prompt, Decoding.Beam d, int[] eos) {
        int nb = d.numBeams(), vocab = m.vocabSize();
        int[][] beams = new int[nb][0];
        float[] beamScores = new float[nb];
        Arrays.fill(beamScores, 1, nb, -1e9f);
        List<Scored> hyps = new ArrayList<>();
        double[] worst = {1e9};
        boolean done = false;
        int cur = 0;
        while (cur < d.maxNewTokens()) {
            record Cand(float score, int beam, int token) {}
            List<Cand> all = new ArrayList<>();
            for (int b = 0; b < nb; b++) {
                float[] lp = logprobs(m, concat(prompt, beams[b]), cur < d.minNewTokens(), eos);
                for (int v = 0; v < vocab; v++) all.add(new Cand(lp[v] + beamScores[b], b, v));
            }
            all.sort(Comparator.comparingDouble((Cand c) -> -c.score).thenComparingInt(c -> c.beam * vocab + c.token));
            List<Cand> top = all.subList(0, Math.max(2, 1 + eos.length) * nb);
            cur++;
            int[][] nextBeams = new int[nb][];
            float[] nextScores = new float[nb];
            int filled = 0;
            for (int rank = 0; rank < top.size(); rank++) {
                Cand c = top.get(rank);
                if (isEos(eos, c.token)) {
                    if (rank < nb) addHypothesis(hyps, worst, nb, d.lengthPenalty(), append(beams[c.beam], c.token), c.score, cur);
                } else {
                    nextBeams[filled] = append(beams[c.beam], c.token);
                    nextScores[filled++] = c.score;
                }
                if (filled == nb) break;
            }
            beams = nextBeams;
            beamScores = nextScores;
            if (hyps.size() >= nb) {
                double best = top.getFirst().score / Math.pow(cur, d.lengthPenalty());
                if (d.earlyStopping() || worst[0] >= best) {
                    done = true;
                    break;
                }
            }
        }
        if (!done) for (int b = 0; b < nb; b++) addHypothesis(hyps, worst, nb, d.lengthPenalty(), beams[b], beamScores[b], cur);
        List<Scored> sorted = new ArrayList<>(hyps);
        sorted.sort(Comparator.comparingDouble(Scored::score));
        List<Scored> out = new ArrayList<>();
        for (int j = 0; j < d.numReturnSequences(); j++) out.add(sorted.get(sorted.size() - 1 - j));
        return out;
    }

    static void addHypothesis(List<Scored> hyps, double[] worst, int nb, float lengthPenalty, int[] ids, float sum, int length) {
        double score = sum / Math.pow(length, lengthPenalty);
        if (hyps.size() < nb || score > worst[0]) {
            hyps.add(new Scored(ids, score));
            if (hyps.size() > nb) {
                int worstAt = 0;
                for (int i = 1; i < hyps.size(); i++) if (hyps.get(i).score < hyps.get(worstAt).score) worstAt = i;
                hyps.remove(worstAt);
                worst[0] = hyps.stream().mapToDouble(Scored::score).min().orElseThrow();
            } else {
                worst[0] = Math.min(score, worst[0]);
            }
        }
    }

    static int[] concat(int[] a, int[] b) {
        int[] ab = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        return ab;
    }

    static void assertSame(List<Scored> expected, List<BeamSearch.Result> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int j = 0; j < expected.size(); j++) {
            assertArrayEquals(expected.get(j).ids, actual.get(j).newIds(), what + ", beam " + j);
            assertEquals(expected.get(j).score, actual.get(j).score(), 1e-5, what + ", beam " + j);
        }
    }

    @Test
    void batchedBeamSearchFollowsTransformersStepByStep() {
        int[] eos = {TokenSearchTest.EOS};
        int cases = 0, endedByEos = 0;
        for (float bonus : new float[] {0f, 2.5f})
            for (int beams : new int[] {2, 3, 5})
                for (float lengthPenalty : new float[] {1f, 0.5f, 2f, -1f})
                    for (boolean early : new boolean[] {false, true})
                        for (int min : new int[] {0, 2}) {
                            ToyTransformer m = new ToyTransformer(TokenSearchTest.VOCAB, 31 + beams).favour(eos[0], bonus);
                            var d = new Decoding.Beam(8, min, beams, lengthPenalty, early, beams);
                            var results = BeamSearch.run(m, PROMPTS, d, eos);
                            for (int p = 0; p < PROMPTS.size(); p++) {
                                var expected = referenceBeam(m, PROMPTS.get(p), d, eos);
                                assertSame(expected, results.get(p), d + ", prompt " + p);
                                for (Scored s : expected) if (s.ids[s.ids.length - 1] == eos[0]) endedByEos++;
                                cases++;
                            }
                        }
        assertEquals(2 * 3 * 4 * 2 * 2 * PROMPTS.size(), cases);
        assertTrue(endedByEos > 100, "finished hypotheses must be exercised, got " + endedByEos);
    }

    @Test
    void withBeamsForEverySequenceItReturnsTheExactRanking() {
        // vocab 4 (3 = end), 3 new tokens: 1 + 3 + 9 sequences ending early and 27 running to the end,
        // all kept by 64 beams. Their ranking is sum of log-probs / length^penalty, enumerated here.
        int[] eos = {3};
        int[] prompt = {1, 0, 2};
        for (float lengthPenalty : new float[] {1f, 0f, 2f}) {
            for (int min : new int[] {0, 1}) {
                ToyTransformer m = new ToyTransformer(4, 77).favour(3, 1f);
                List<Scored> all = new ArrayList<>();
                enumerate(m, prompt, new int[0], 0, 3, min, eos, lengthPenalty, all);
                all.sort(Comparator.comparingDouble((Scored s) -> -s.score));
                var d = new Decoding.Beam(3, min, 64, lengthPenalty, false, 64);
                var got = BeamSearch.run(m, List.of(prompt), d, eos).getFirst();
                assertEquals(min == 0 ? 40 : 39, all.size());
                for (int j = 0; j < all.size(); j++) {
                    assertArrayEquals(all.get(j).ids, got.get(j).newIds(), "rank " + j + ", penalty " + lengthPenalty);
                    assertEquals(all.get(j).score, got.get(j).score(), 1e-5);
                }
                // The rest descend from the first step's copies of beam 0, which start at -1e9.
                for (int j = all.size(); j < 64; j++) {
                    double score = got.get(j).score();
                    assertTrue(score >= -1.01e9 && score <= -0.99e9 / Math.pow(3, lengthPenalty), "rank " + j + ": " + score);
                }
            }
        }
    }

    private static void enumerate(ToyTransformer m, int[] prompt, int[] ids, double sum, int max, int min, int[] eos,
                                  float lengthPenalty, List<Scored> out) {
        float[] x = m.logitsAfter(concat(prompt, ids));
        double lse = TokenSearchTest.logSumExp(x);
        for (int v = 0; v < x.length; v++) {
            boolean end = isEos(eos, v);
            if (end && ids.length < min) continue;
            int[] next = append(ids, v);
            double s = sum + (x[v] - lse);
            if (end || next.length == max) out.add(new Scored(next, s / Math.pow(next.length, lengthPenalty)));
            else enumerate(m, prompt, next, s, max, min, eos, lengthPenalty, out);
        }
    }

    @Test
    void promptsThatAreDoneLeaveTheBatch() {
        int[] eos = {TokenSearchTest.EOS};
        ToyTransformer m = new ToyTransformer(TokenSearchTest.VOCAB, 4).favour(eos[0], 6f);
        var d = new Decoding.Beam(12, 0, 2, 1f, true, 1);
        BeamSearch.run(m, List.of(PROMPTS.get(0), PROMPTS.get(2)), d, eos);
        List<Integer> rows = m.rowsPerCall;
        assertEquals(2, rows.getFirst(), "prefill runs each prompt once");
        assertTrue(rows.size() < 12, "early stopping ends the search: " + rows);
        for (int i = 1; i < rows.size(); i++) assertTrue(rows.get(i) <= 4 && rows.get(i) % 2 == 0);
    }
}
