package piiprobe.engine;

import org.junit.jupiter.api.Test;
import piiprobe.engine.generate.BeamSearch;
import piiprobe.engine.generate.TeacherForcing;
import piiprobe.engine.generate.TokenSearch;
import piiprobe.engine.generate.ToyTransformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalModelTest {
    static final int VOCAB = 17, EOS = 16;

    /** One letter per id: 'a' is 0 ... 'q' is 16. */
    static final Tokenizer LETTERS = new Tokenizer() {
        @Override
        public int[] encode(String text) {
            return text.chars().map(c -> c - 'a').toArray();
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) sb.append((char) ('a' + id));
            return sb.toString();
        }

        @Override
        public boolean isSpecial(int id) {
            return id == EOS;
        }

        @Override
        public int vocabSize() {
            return VOCAB;
        }
    };

    static final List<int[]> PROMPTS = List.of(
            LETTERS.encode("hello"), LETTERS.encode("a"), LETTERS.encode("bcdefghijk"), LETTERS.encode("hello"),
            LETTERS.encode("pq"), LETTERS.encode("mnop"), LETTERS.encode("ijklmnopabc"));

    static LocalModel model(ToyTransformer toy, int maxBatch) {
        return new LocalModel("toy", toy, LETTERS, new int[] {EOS}, maxBatch);
    }

    @Test
    void greedyResultsComeInPromptOrderWhateverTheBatchSize() {
        ToyTransformer toy = new ToyTransformer(VOCAB, 7).favour(EOS, 2f);
        var d = new Decoding.Greedy(9, 1);
        var expected = TokenSearch.run(toy, PROMPTS, d, new int[] {EOS}, StopRule.NEVER, new int[PROMPTS.size()], null);
        for (int maxBatch : new int[] {1, 2, 16}) {
            ToyTransformer counted = new ToyTransformer(VOCAB, 7).favour(EOS, 2f);
            var got = model(counted, maxBatch).generate(PROMPTS, d, StopRule.NEVER);
            for (int p = 0; p < PROMPTS.size(); p++) {
                assertArrayEquals(PROMPTS.get(p), got.get(p).promptIds());
                Generation.Sequence s = got.get(p).best();
                assertArrayEquals(expected.get(p).newIds(), s.newIds(), "prompt " + p + ", batch " + maxBatch);
                assertEquals(LETTERS.decode(s.newIds()), s.text());
                // float log-softmax: the Vector API may round the last bit differently before JIT compilation
                assertEquals(expected.get(p).score(), s.score(), 1e-5);
            }
            assertTrue(counted.maxRowsSeen <= maxBatch);
        }
    }

    @Test
    void batchesGroupPromptsOfSimilarLength() {
        ToyTransformer toy = new ToyTransformer(VOCAB, 7);
        model(toy, 2).generate(PROMPTS, new Decoding.Greedy(1, 0), StopRule.NEVER);
        // lengths 1, 2 | 4, 5 | 5, 10 | 11: padding wasted is 0 + 1 + 5 + 0 slots
        assertEquals(1 + 2 + 4 + 5 + 5 + 10 + 11, toy.realTokensRun);
        assertEquals(2 * 2 + 2 * 5 + 2 * 10 + 11, toy.slotsRun);
    }

    @Test
    void stopRuleSeesTheCallersIndices() {
        ToyTransformer toy = new ToyTransformer(VOCAB, 7);
        List<Integer> stoppedAt = Collections.synchronizedList(new ArrayList<>());
        StopRule stopAtTwo = (row, ids) -> {
            if (row == 2 || row == 5) {
                stoppedAt.add(row);
                return true;
            }
            return false;
        };
        var got = model(toy, 3).generate(PROMPTS, new Decoding.Greedy(6, 0), stopAtTwo);
        for (int p = 0; p < PROMPTS.size(); p++) assertEquals(p == 2 || p == 5 ? 1 : 6, got.get(p).best().newIds().length);
        assertEquals(List.of(2, 5), stoppedAt.stream().sorted().toList());
    }

    @Test
    void samplingDoesNotDependOnBatchSizeAndRepeatsDrawAfresh() {
        var d = new Decoding.Sampling(12, 0, 1.1f, 0, 1f, 42);
        List<List<Generation>> runs = new ArrayList<>();
        for (int maxBatch : new int[] {1, 3, 16}) runs.add(model(new ToyTransformer(VOCAB, 3), maxBatch).generate(PROMPTS, d, StopRule.NEVER));
        for (int p = 0; p < PROMPTS.size(); p++) {
            assertArrayEquals(runs.get(0).get(p).best().newIds(), runs.get(1).get(p).best().newIds());
            assertArrayEquals(runs.get(0).get(p).best().newIds(), runs.get(2).get(p).best().newIds());
        }
        assertFalse(Arrays.equals(runs.get(0).get(0).best().newIds(), runs.get(0).get(3).best().newIds()),
                "prompts 0 and 3 are the same text but distinct requests");
    }

    @Test
    void beamSearchReturnsTheRequestedSequencesPerPromptAndCountsBeamsAsRows() {
        var d = new Decoding.Beam(6, 0, 3, 1f, false, 2);
        ToyTransformer toy = new ToyTransformer(VOCAB, 5).favour(EOS, 1f);
        var got = model(toy, 7).generate(PROMPTS, d, StopRule.NEVER);
        assertTrue(toy.maxRowsSeen <= 6, "two prompts of three beams per batch");
        for (int p = 0; p < PROMPTS.size(); p++) {
            var expected = BeamSearch.run(new ToyTransformer(VOCAB, 5).favour(EOS, 1f), List.of(PROMPTS.get(p)), d, new int[] {EOS}).getFirst();
            assertEquals(2, got.get(p).sequences().size());
            for (int j = 0; j < 2; j++) {
                assertArrayEquals(expected.get(j).newIds(), got.get(p).sequences().get(j).newIds());
                assertEquals(expected.get(j).score(), got.get(p).sequences().get(j).score(), 1e-5);
            }
        }
    }

    @Test
    void scoringGoesThroughTheBatchLimitToo() {
        ToyTransformer toy = new ToyTransformer(VOCAB, 5);
        LocalModel m = model(toy, 2);
        var conts = PROMPTS.stream().map(p -> LETTERS.encode("abc")).toList();
        var got = m.continuationLogprobs(PROMPTS, conts);
        var expected = TeacherForcing.continuationLogprobs(new ToyTransformer(VOCAB, 5), PROMPTS, conts, 64);
        for (int i = 0; i < PROMPTS.size(); i++) assertArrayEquals(expected.get(i), got.get(i), 1e-6f);
        assertTrue(toy.maxRowsSeen <= 2);
        assertEquals(PROMPTS.size(), m.nextTokenLogprobs(PROMPTS).size());
    }

    @Test
    void aBadPromptAnywhereFailsBeforeAnyWork() {
        ToyTransformer toy = new ToyTransformer(VOCAB, 5);
        List<int[]> prompts = new ArrayList<>(PROMPTS);
        prompts.add(new int[] {3, 40});
        var e = assertThrows(UserError.class, () -> model(toy, 2).generate(prompts, new Decoding.Greedy(3, 0), StopRule.NEVER));
        assertEquals("prompt 7: token id 40 at 1 is outside the model's vocabulary (0..16)", e.getMessage());
        assertEquals(0, toy.forwardCalls);
        assertArrayEquals(new int[] {EOS}, model(toy, 2).eosTokenIds());
        assertArrayEquals(new int[0], new LocalModel("none", toy, LETTERS, new int[0], 2).eosTokenIds());
    }

    @Test
    void aLoadedModelKnowsItsSizeOneBuiltInCodeDoesNot() {
        java.nio.file.Path golden = java.nio.file.Path.of("src/test/resources/golden");
        try (LocalModel gpt2 = LocalModel.load(golden.resolve("gpt2"), golden.resolve("tokenizer"), 4);
             piiprobe.engine.checkpoint.Checkpoint c = piiprobe.engine.checkpoint.Checkpoint.open(golden.resolve("gpt2"))) {
            assertEquals(c.parameterCount(), gpt2.parameterCount());
        }
        assertEquals(-1, model(new ToyTransformer(VOCAB, 5), 2).parameterCount());
    }
}
