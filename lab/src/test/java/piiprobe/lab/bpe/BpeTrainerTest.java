package piiprobe.lab.bpe;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTrainerTest {

    @Test
    void mergesTheMostFrequentPairFirstAndStopsBeforePairsSeenOnce() {
        // Words: "ab" once, " ab" twice, " cd" once. (a,b) occurs 3 times, then (Ġ,ab) twice; the rest once.
        ByteLevelBpe bpe = BpeTrainer.train(List.of("ab ab ab cd"), 1000);
        assertEquals(2, bpe.mergeCount());
        assertEquals("ab", bpe.token(256));
        assertEquals("Ġab", bpe.token(257));
        assertEquals(259, bpe.vocabSize());
        assertEquals(258, bpe.endOfTextId());
        assertArrayEquals(new int[]{256, 257, ' ', 'c', 'd'}, bpe.encode("ab ab cd"));
    }

    @Test
    void fillsTheVocabularyExactly() {
        List<String> texts = sampleTexts(300, 7);
        for (int size : new int[]{257, 300, 512}) {
            ByteLevelBpe bpe = BpeTrainer.train(texts, size);
            assertEquals(size, bpe.vocabSize(), "vocab size " + size);
        }
    }

    @Test
    void refusesAVocabularyWithoutRoomForBytesAndEndOfText() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BpeTrainer.train(List.of("x"), 256));
        assertTrue(e.getMessage().contains("256"), e.getMessage());
    }

    @Test
    void incrementalCountsGiveTheSameMergesAsRecountingEverythingAfterEachMerge() {
        List<String> texts = sampleTexts(200, 11);
        ByteLevelBpe fast = BpeTrainer.train(texts, 700);
        List<long[]> slow = naiveMerges(texts, 700 - 257);
        assertEquals(slow.size(), fast.mergeCount());
        for (int r = 0; r < slow.size(); r++) {
            assertEquals(fast.token((int) slow.get(r)[0]) + " " + fast.token((int) slow.get(r)[1]),
                    fast.mergeString(r), "merge " + r);
        }
    }

    @Test
    void doesNotDependOnTheOrderOfTheTexts() {
        List<String> texts = sampleTexts(200, 3);
        List<String> shuffled = new ArrayList<>(texts);
        Collections.shuffle(shuffled, new Random(5));
        ByteLevelBpe a = BpeTrainer.train(texts, 600), b = BpeTrainer.train(shuffled, 600);
        for (int id = 0; id < a.vocabSize(); id++) assertEquals(a.token(id), b.token(id));
    }

    @Test
    void doesNotDependOnTheNumberOfThreads() throws Exception {
        List<String> texts = sampleTexts(300, 4);
        ByteLevelBpe one = new ForkJoinPool(1).submit(() -> BpeTrainer.train(texts, 600)).get();
        ByteLevelBpe many = new ForkJoinPool(7).submit(() -> BpeTrainer.train(texts, 600)).get();
        for (int id = 0; id < one.vocabSize(); id++) assertEquals(one.token(id), many.token(id));
        int[] a = new ForkJoinPool(1).submit(() -> one.encodeDocuments(texts)).get();
        int[] b = new ForkJoinPool(7).submit(() -> one.encodeDocuments(texts)).get();
        assertArrayEquals(a, b);
    }

    @Test
    void aMergeThatRebuildsAnExistingTokenReusesItsId() {
        // "abc" made as (ab, c) and again as (a, bc): one token, as in Hugging Face's trainer.
        Vocabulary v = new Vocabulary();
        int ab = v.merge('a', 'b');
        int abc = v.merge(ab, 'c');
        int bc = v.merge('b', 'c');
        assertEquals(abc, v.merge('a', bc));
        assertEquals(259, v.size());
    }

    /** The reference: count every pair of every word again before each merge. */
    private static List<long[]> naiveMerges(List<String> texts, int maxMerges) {
        Map<String, Integer> wordCounts = new HashMap<>();
        for (String t : texts) for (String w : ByteLevel.words(t)) wordCounts.merge(w, 1, Integer::sum);
        List<List<Integer>> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        wordCounts.forEach((w, c) -> {
            List<Integer> s = new ArrayList<>();
            for (byte b : w.getBytes(StandardCharsets.UTF_8)) s.add(b & 0xFF);
            words.add(s);
            counts.add(c);
        });
        Vocabulary vocab = new Vocabulary();
        List<long[]> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            Map<Long, Long> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<Integer> s = words.get(w);
                for (int i = 0; i + 1 < s.size(); i++) pairs.merge(PairMap.pair(s.get(i), s.get(i + 1)), (long) counts.get(w), Long::sum);
            }
            long best = -1, bestCount = 0;
            for (Map.Entry<Long, Long> e : pairs.entrySet()) {
                long p = e.getKey(), c = e.getValue();
                boolean better = c > bestCount || (c == bestCount && (PairMap.left(p) < PairMap.left(best)
                        || (PairMap.left(p) == PairMap.left(best) && PairMap.right(p) < PairMap.right(best))));
                if (better) {
                    best = p;
                    bestCount = c;
                }
            }
            if (bestCount < 2) break;
            int l = PairMap.left(best), r = PairMap.right(best), id = vocab.merge(l, r);
            merges.add(new long[]{l, r});
            for (List<Integer> s : words) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i) == l && s.get(i + 1) == r) {
                        s.set(i, id);
                        s.remove(i + 1);
                    }
                }
            }
        }
        return merges;
    }

    /** Varied English-like texts with numbers, punctuation, repeated words and odd whitespace. */
    static List<String> sampleTexts(int n, long seed) {
        String[] words = {"the", "gas", "contract", "Karen", "meeting", "price", "of", "and", "Houston",
                "storage", "we'll", "I'm", "re:", "FW:", "$4.50", "2001", "MMBtu", "deal", "Enron", "power",
                "schedule", "-----", "\n", "\n\n", "  ", "naïve", "Zürich", "日本", "😀", "don't", "(713)", "853-1234"};
        Random rnd = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int len = 5 + rnd.nextInt(40);
            for (int j = 0; j < len; j++) {
                if (j > 0 && rnd.nextInt(5) > 0) sb.append(' ');
                sb.append(words[(int) Math.min(words.length - 1, Math.abs(rnd.nextGaussian()) * words.length / 3)]);
            }
            out.add(sb.toString());
        }
        return out;
    }
}
