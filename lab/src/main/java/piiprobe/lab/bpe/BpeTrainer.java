package piiprobe.lab.bpe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.regex.Matcher;

/**
 * Learns a byte-level BPE from texts, as Hugging Face's BpeTrainer does with the ByteLevel
 * pre-tokenizer: texts are split into GPT-2 words, and the most frequent adjacent pair of tokens
 * (counted over all words, weighted by word frequency) is merged until the vocabulary is full.
 *
 * <p>Pair counts are kept up to date incrementally: a merge revisits only the words that hold the
 * merged pair (an index from pair to words), and a max-heap with lazy invalidation finds the next
 * best pair, so the cost per merge is that of the words it touches, not of the corpus.
 */
public final class BpeTrainer {
    /** Ids 0..255 (bytes) plus {@code <|endoftext|>}: the smallest vocabulary. */
    public static final int MIN_VOCAB_SIZE = 257;
    /** A pair seen once is noise, not structure: merging stops before such pairs. */
    private static final long MIN_PAIR_COUNT = 2;

    private BpeTrainer() {}

    /**
     * Trains on {@code texts} until the vocabulary has {@code vocabSize} ids ({@code <|endoftext|>}
     * included), or until no pair occurs twice, whichever comes first. Deterministic: ties between
     * equally frequent pairs go to the pair of smaller ids.
     */
    public static ByteLevelBpe train(List<String> texts, int vocabSize) {
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " is too small: the 256 bytes and "
                    + ByteLevelBpe.END_OF_TEXT + " need " + MIN_VOCAB_SIZE);
        }
        Map<String, long[]> wordCounts = countWords(texts);
        int nWords = wordCounts.size();
        int[][] words = new int[nWords][];
        long[] counts = new long[nWords];
        int w = 0;
        for (Map.Entry<String, long[]> e : wordCounts.entrySet()) {
            byte[] b = e.getKey().getBytes(StandardCharsets.UTF_8);
            words[w] = new int[b.length];
            for (int i = 0; i < b.length; i++) words[w][i] = b[i] & 0xFF;
            counts[w++] = e.getValue()[0];
        }

        PairMap pairCounts = new PairMap(1 << 16);
        Map<Long, IntList> wordsWithPair = new HashMap<>();
        for (w = 0; w < nWords; w++) {
            int[] s = words[w];
            for (int i = 0; i + 1 < s.length; i++) {
                long p = PairMap.pair(s[i], s[i + 1]);
                pairCounts.add(p, counts[w]);
                wordsWithPair.computeIfAbsent(p, k -> new IntList()).add(w);
            }
        }
        PriorityQueue<long[]> heap = new PriorityQueue<>(BY_COUNT_THEN_IDS);
        for (Map.Entry<Long, IntList> e : wordsWithPair.entrySet()) {
            heap.add(new long[]{pairCounts.get(e.getKey(), 0), e.getKey()});
        }

        List<long[]> merges = new ArrayList<>();
        Vocabulary vocabulary = new Vocabulary();
        int[] visited = new int[nWords];   // per word, the number (from 1) of the merge that last visited it
        while (vocabulary.size() + 1 < vocabSize && !heap.isEmpty()) {
            long[] top = heap.poll();
            long pair = top[1];
            long current = pairCounts.get(pair, 0);
            if (top[0] != current) {            // stale entry: the pair's count changed since it was pushed
                if (current > 0) heap.add(new long[]{current, pair});
                continue;
            }
            if (current < MIN_PAIR_COUNT) break;
            int left = PairMap.left(pair), right = PairMap.right(pair);
            int id = vocabulary.merge(left, right);
            merges.add(new long[]{left, right});
            int stamp = merges.size();

            Map<Long, Boolean> touched = new HashMap<>();
            IntList holders = wordsWithPair.remove(pair);
            for (int k = 0; k < holders.size; k++) {
                w = holders.data[k];
                if (visited[w] == stamp) continue;
                visited[w] = stamp;
                int[] before = words[w];
                int[] after = replace(before, left, right, id);
                if (after == before) continue;  // an index entry left from before an earlier merge
                // Recount this word's pairs before and after: words are short, and it cannot go wrong.
                for (int i = 0; i + 1 < before.length; i++) {
                    long p = PairMap.pair(before[i], before[i + 1]);
                    pairCounts.add(p, -counts[w]);
                    touched.put(p, Boolean.TRUE);
                }
                for (int i = 0; i + 1 < after.length; i++) {
                    long p = PairMap.pair(after[i], after[i + 1]);
                    pairCounts.add(p, counts[w]);
                    touched.put(p, Boolean.TRUE);
                    if (after[i] == id || after[i + 1] == id) {
                        wordsWithPair.computeIfAbsent(p, x -> new IntList()).add(w);
                    }
                }
                words[w] = after;
            }
            // Counts that grew need a fresh heap entry; those that shrank are caught when popped.
            for (Long p : touched.keySet()) {
                long c = pairCounts.get(p, 0);
                if (p != pair && c > 0 && (PairMap.left(p) == id || PairMap.right(p) == id)) heap.add(new long[]{c, p});
            }
        }
        return new ByteLevelBpe(merges);
    }

    private static final Comparator<long[]> BY_COUNT_THEN_IDS = (a, b) -> {
        if (a[0] != b[0]) return Long.compare(b[0], a[0]);
        int c = Integer.compare(PairMap.left(a[1]), PairMap.left(b[1]));
        return c != 0 ? c : Integer.compare(PairMap.right(a[1]), PairMap.right(b[1]));
    };

    /** Each GPT-2 word of the texts with its number of occurrences; texts are split in parallel. */
    private static Map<String, long[]> countWords(List<String> texts) {
        return texts.parallelStream().collect(HashMap::new, (Map<String, long[]> m, String t) -> {
            Matcher matcher = ByteLevel.wordMatcher(t);
            while (matcher.find()) m.computeIfAbsent(matcher.group(), k -> new long[1])[0]++;
        }, (a, b) -> b.forEach((k, v) -> a.computeIfAbsent(k, x -> new long[1])[0] += v[0]));
    }

    /** {@code s} with every non-overlapping (left, right), scanned left to right, replaced by {@code id}. */
    private static int[] replace(int[] s, int left, int right, int id) {
        int[] out = null;
        int w = 0;
        for (int i = 0; i < s.length; i++) {
            if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
                if (out == null) {
                    out = new int[s.length - 1];
                    System.arraycopy(s, 0, out, 0, i);
                    w = i;
                }
                out[w++] = id;
                i++;
            } else if (out != null) {
                out[w++] = s[i];
            }
        }
        return out == null ? s : Arrays.copyOf(out, w);
    }

    /** Indices of the words that hold a pair; may hold stale or repeated entries, skipped on use. */
    private static final class IntList {
        int[] data = new int[4];
        int size;

        void add(int v) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            data[size++] = v;
        }
    }
}
