package piiprobe.engine.generate;

import org.junit.jupiter.api.Test;
import piiprobe.engine.UserError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static piiprobe.engine.generate.BeamSearchTest.concat;

class TeacherForcingTest {
    static final int VOCAB = 17;

    /** Each continuation token's log-probability, the whole sequence recomputed per token. */
    static float[] reference(ToyTransformer m, int[] prompt, int[] continuation) {
        float[] out = new float[continuation.length];
        for (int j = 0; j < continuation.length; j++) {
            float[] x = m.logitsAfter(concat(prompt, Arrays.copyOf(continuation, j)));
            out[j] = (float) (x[continuation[j]] - TokenSearchTest.logSumExp(x));
        }
        return out;
    }

    static int[] random(Random r, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt(VOCAB);
        return a;
    }

    /** Prompts that share starts, continuations that share starts, repeats, prefixes of each other, empties. */
    static void workload(List<int[]> prompts, List<int[]> continuations) {
        Random r = new Random(3);
        int[] base = random(r, 20);
        int[][] ps = {base, concat(Arrays.copyOf(base, 12), random(r, 5)), random(r, 9), random(r, 1), base};
        int[] a = random(r, 6);
        for (int[] p : ps) {
            for (int[] c : new int[][] {{}, Arrays.copyOf(a, 1), Arrays.copyOf(a, 3), Arrays.copyOf(a, 6),
                    concat(Arrays.copyOf(a, 2), random(r, 3)), random(r, 4), random(r, 1)}) {
                prompts.add(p);
                continuations.add(c);
            }
        }
    }

    static void assertMatchesReference(ToyTransformer m, List<int[]> prompts, List<int[]> continuations, List<float[]> got) {
        assertEquals(prompts.size(), got.size());
        for (int i = 0; i < prompts.size(); i++)
            assertArrayEquals(reference(m, prompts.get(i), continuations.get(i)), got.get(i), 1e-5f, "request " + i);
    }

    @Test
    void continuationLogprobsEqualTheReferenceWhateverTheRowLimit() {
        List<int[]> prompts = new ArrayList<>(), continuations = new ArrayList<>();
        workload(prompts, continuations);
        for (int maxRows : new int[] {1, 3, 64}) {
            ToyTransformer m = new ToyTransformer(VOCAB, 5);
            var got = TeacherForcing.continuationLogprobs(m, prompts, continuations, maxRows);
            assertMatchesReference(m, prompts, continuations, got);
            assertTrue(m.maxRowsSeen <= maxRows, "rows " + m.maxRowsSeen + " > " + maxRows);
        }
    }

    @Test
    void eachSharedStartRunsOnceAndTheHeadOnlyWhereAsked() {
        List<int[]> prompts = new ArrayList<>(), continuations = new ArrayList<>();
        workload(prompts, continuations);
        Set<List<Integer>> prefixes = new HashSet<>(), wanted = new HashSet<>();
        for (int i = 0; i < prompts.size(); i++) {
            int[] input = concat(prompts.get(i), continuations.get(i));
            if (continuations.get(i).length == 0) continue;
            for (int len = 1; len < input.length; len++) {
                List<Integer> prefix = Arrays.stream(Arrays.copyOf(input, len)).boxed().toList();
                prefixes.add(prefix);
                if (len >= prompts.get(i).length) wanted.add(prefix);
            }
        }
        ToyTransformer m = new ToyTransformer(VOCAB, 5);
        TeacherForcing.continuationLogprobs(m, prompts, continuations, 64);
        assertEquals(prefixes.size(), m.realTokensRun, "one token run per distinct prefix");
        assertEquals(wanted.size(), m.logitVectors, "one logit vector per distinct scored prefix");
    }

    @Test
    void manySingleTokenCandidatesAfterOnePromptCostOneRow() {
        int[] prompt = {1, 2, 3, 4, 5, 6};
        List<int[]> prompts = new ArrayList<>(), continuations = new ArrayList<>();
        for (int v = 0; v < VOCAB; v++) {
            prompts.add(prompt);
            continuations.add(new int[] {v});
        }
        ToyTransformer m = new ToyTransformer(VOCAB, 9);
        var got = TeacherForcing.continuationLogprobs(m, prompts, continuations, 4);
        assertMatchesReference(m, prompts, continuations, got);
        assertEquals(List.of(1), m.rowsPerCall);
        assertEquals(prompt.length, m.realTokensRun);
    }

    @Test
    void aLogitBudgetSplitsWavesWithoutChangingResults() {
        List<int[]> prompts = new ArrayList<>(), continuations = new ArrayList<>();
        workload(prompts, continuations);
        ToyTransformer m = new ToyTransformer(VOCAB, 5);
        List<int[]> inputs = new ArrayList<>();
        int[] from = new int[prompts.size()];
        float[][] got = new float[prompts.size()][];
        for (int i = 0; i < prompts.size(); i++) {
            int[] pc = concat(prompts.get(i), continuations.get(i));
            inputs.add(Arrays.copyOf(pc, pc.length - 1));
            from[i] = prompts.get(i).length - 1;
            got[i] = new float[continuations.get(i).length];
        }
        TeacherForcing.run(m, inputs, from, 8, 2, (req, position, logits, max, logSum) -> {
            int next = continuations.get(req)[position - from[req]];
            got[req][position - from[req]] = (logits[next] - max) - logSum;
        });
        assertMatchesReference(m, prompts, continuations, Arrays.asList(got));
        for (int call = 0; call < m.forwardCalls; call++)
            assertTrue(m.logitsPerCall.get(call) <= Math.max(2, m.rowsPerCall.get(call)), "call " + call);
    }

    @Test
    void nextTokenLogprobsOfAChainOfPrefixesRunTheLongestOnce() {
        int[] longest = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
        List<int[]> prefixes = new ArrayList<>();
        for (int len : new int[] {4, 10, 7, 5, 7}) prefixes.add(Arrays.copyOf(longest, len));
        prefixes.add(new int[] {8, 8});
        ToyTransformer m = new ToyTransformer(VOCAB, 2);
        var got = TeacherForcing.nextTokenLogprobs(m, prefixes, 16);
        for (int i = 0; i < prefixes.size(); i++) {
            float[] x = m.logitsAfter(prefixes.get(i));
            double lse = TokenSearchTest.logSumExp(x);
            assertEquals(VOCAB, got.get(i).length);
            for (int v = 0; v < VOCAB; v++) assertEquals(x[v] - lse, got.get(i)[v], 1e-5, "prefix " + i + ", token " + v);
        }
        assertEquals(longest.length + 2, m.realTokensRun);
        assertEquals(5, m.logitVectors, "lengths 4, 5, 7, 10 and the other prefix");
    }

    @Test
    void chunksWhosePaddingWouldOutgrowThePositionsAreSplit() {
        ToyTransformer m = new ToyTransformer(VOCAB, 4, 12);
        int[] shared = {1, 1, 1, 1, 1, 1};
        List<int[]> prompts = List.of(shared, shared, new int[] {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        List<int[]> continuations = List.of(new int[] {4, 5, 6}, new int[] {7, 8, 9}, new int[] {13});
        // Together: a first wave of 11 slots (the shared start padded), then 2 more for the branches,
        // which the toy (like the real models) refuses as more slots than positions.
        var got = TeacherForcing.continuationLogprobs(m, prompts, continuations, 8);
        assertMatchesReference(m, prompts, continuations, got);
    }

    @Test
    void badRequestsAreErrorsNamingTheRequest() {
        ToyTransformer m = new ToyTransformer(VOCAB, 1, 12);
        assertThrows(IllegalArgumentException.class,
                () -> TeacherForcing.continuationLogprobs(m, List.of(new int[] {1}), List.of(), 4));
        var e = assertThrows(UserError.class, () -> TeacherForcing.continuationLogprobs(m,
                List.of(new int[] {1}, new int[0]), List.of(new int[] {2}, new int[] {2}), 4));
        assertEquals("prompt 1 is empty: there is nothing to condition on", e.getMessage());
        e = assertThrows(UserError.class, () -> TeacherForcing.continuationLogprobs(m,
                List.of(new int[] {1}), List.of(new int[] {2, -4}), 4));
        assertEquals("prompt 0 with its continuation: token id -4 at 2 is outside the model's vocabulary (0..16)", e.getMessage());
        e = assertThrows(UserError.class, () -> TeacherForcing.continuationLogprobs(m,
                List.of(new int[8]), List.of(new int[5]), 4));
        assertEquals("prompt 0 with its continuation has 13 tokens: the model has only 12 positions", e.getMessage());
        e = assertThrows(UserError.class, () -> TeacherForcing.nextTokenLogprobs(m, List.of(new int[] {1}, new int[] {99}), 4));
        assertEquals("prefix 1: token id 99 at 0 is outside the model's vocabulary (0..16)", e.getMessage());
        assertEquals(0, m.forwardCalls);
    }
}
