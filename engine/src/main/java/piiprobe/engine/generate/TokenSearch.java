package piiprobe.engine.generate;

import piiprobe.engine.Decoding;
import piiprobe.engine.StopRule;
import piiprobe.engine.kernel.Logits;
import piiprobe.engine.kernel.Parallel;
import piiprobe.engine.model.KvCache;
import piiprobe.engine.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Greedy search and multinomial sampling over a batch of prompts: one token per row per step, as
 * transformers' {@code _greedy_search} and {@code _sample} do, with a KV cache. Rows end at an
 * end-of-sequence token (kept in the result), at {@code maxNewTokens}, or when the caller's
 * {@link StopRule} says so; ended rows leave the batch so the rest run faster.
 */
public final class TokenSearch {

    /** New token ids of one prompt and the sum of their log-probabilities under the processed distribution. */
    public record Result(int[] newIds, double score) {}

    private TokenSearch() {}

    /**
     * @param decoding  {@link Decoding.Greedy} or {@link Decoding.Sampling}
     * @param eosIds    end-of-sequence ids (may be empty)
     * @param rowIds    what to tell the stop rule for each prompt (its index in the caller's list)
     * @param seeds     one random-stream seed per prompt for sampling ({@link #streamSeeds}); null for greedy
     */
    public static List<Result> run(Transformer model, List<int[]> prompts, Decoding decoding, int[] eosIds,
                                   StopRule stop, int[] rowIds, long[] seeds) {
        Chooser chooser = switch (decoding) {
            case Decoding.Greedy g -> new Greedy(eosIds.clone(), g.minNewTokens());
            case Decoding.Sampling s -> new Sampler(eosIds, s, model.vocabSize());
            case Decoding.Beam b -> throw new IllegalArgumentException("beam search is BeamSearch's job");
        };
        int n = prompts.size(), maxNew = decoding.maxNewTokens();
        if (n == 0) return List.of();
        PromptBatch batch = PromptBatch.leftPadded(model, prompts, maxNew);
        SplittableRandom[] random = new SplittableRandom[n];
        if (seeds != null) for (int p = 0; p < n; p++) random[p] = new SplittableRandom(seeds[p]);

        int[][] out = new int[n][maxNew];
        int[] produced = new int[n];
        double[] score = new double[n];
        int[] nextPosition = batch.lengths().clone();
        int[] promptOf = new int[n]; // the prompt of each cache row; -1 marks one that just ended
        for (int r = 0; r < n; r++) promptOf[r] = r;

        KvCache cache = model.newCache(n, batch.width() + maxNew);
        float[][] logits = model.forward(cache, batch.width(), batch.tokens(), batch.positions(), batch.real(),
                batch.lastSlots());
        while (true) {
            // Choosing tokens is independent per row (each has its own random stream): spread it over
            // the kernel threads. The stop rule stays on this thread.
            int[] rowPrompt = promptOf, chosen = new int[rowPrompt.length];
            double[] logprob = new double[rowPrompt.length];
            float[][] rowLogits = logits;
            Parallel.forEach(rowPrompt.length, r -> chosen[r] = chooser.choose(rowLogits[r], produced[rowPrompt[r]],
                    random[rowPrompt[r]], logprob, r));
            int live = 0;
            for (int r = 0; r < promptOf.length; r++) {
                int p = promptOf[r], token = chosen[r];
                score[p] += logprob[r];
                out[p][produced[p]++] = token;
                boolean ended = contains(eosIds, token) || produced[p] == maxNew
                        || stop.shouldStop(rowIds[p], Arrays.copyOf(out[p], produced[p]));
                if (ended) promptOf[r] = -1;
                else live++;
            }
            if (live == 0) break;
            if (live < promptOf.length) { // ended rows leave the batch
                int[] keep = new int[live];
                for (int r = 0, j = 0; r < promptOf.length; r++) if (promptOf[r] >= 0) keep[j++] = r;
                cache.select(keep);
                int[] compact = new int[live];
                for (int j = 0; j < live; j++) compact[j] = promptOf[keep[j]];
                promptOf = compact;
            }
            int[] tokens = new int[live], positions = new int[live], slots = new int[live];
            for (int r = 0; r < live; r++) {
                int p = promptOf[r];
                tokens[r] = out[p][produced[p] - 1];
                positions[r] = nextPosition[p]++;
                slots[r] = r;
            }
            boolean[] real = new boolean[live];
            Arrays.fill(real, true);
            logits = model.forward(cache, 1, tokens, positions, real, slots);
        }
        List<Result> results = new ArrayList<>(n);
        for (int p = 0; p < n; p++) results.add(new Result(Arrays.copyOf(out[p], produced[p]), score[p]));
        return results;
    }

    /**
     * Seeds of the per-prompt random streams: a function of the call's seed, the prompt's ids and how
     * many identical prompts came before it in {@code prompts}, so a prompt draws the same tokens
     * however the call is ordered or split into batches, and repeated prompts draw different ones.
     */
    public static long[] streamSeeds(long seed, List<int[]> prompts) {
        Map<IdsKey, Integer> seen = new HashMap<>();
        long[] seeds = new long[prompts.size()];
        for (int i = 0; i < seeds.length; i++) {
            int[] ids = prompts.get(i);
            int occurrence = seen.merge(new IdsKey(ids), 1, Integer::sum) - 1;
            long h = mix(seed ^ 0x9E3779B97F4A7C15L);
            h = mix(h + ids.length);
            for (int id : ids) h = mix(h + id);
            seeds[i] = mix(h + occurrence);
        }
        return seeds;
    }

    /** SplitMix64's finaliser: a bijection that spreads every input bit over the output. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private record IdsKey(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof IdsKey k && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }

    static boolean contains(int[] ids, int id) {
        for (int x : ids) if (x == id) return true;
        return false;
    }

    /** Picks a row's next token from its logits (which it may overwrite); safe to call from several threads. */
    private sealed interface Chooser {
        /** @param logprob receives, at {@code slot}, the chosen token's log-probability under the distribution it was drawn from */
        int choose(float[] logits, int produced, SplittableRandom random, double[] logprob, int slot);
    }

    private record Greedy(int[] eosIds, int minNew) implements Chooser {
        @Override
        public int choose(float[] x, int produced, SplittableRandom random, double[] logprob, int slot) {
            if (produced < minNew) LogitsProcessors.banTokens(x, eosIds);
            int token = Logits.argmax(x);
            float max = x[token];
            logprob[slot] = (x[token] - max) - Logits.logSumExpShifted(x, max);
            return token;
        }
    }

    private static final class Sampler implements Chooser {
        private final int[] eosIds;
        private final Decoding.Sampling d;
        private final ThreadLocal<LogitsProcessors.SamplingScratch> scratch;

        Sampler(int[] eosIds, Decoding.Sampling d, int vocab) {
            this.eosIds = eosIds;
            this.d = d;
            this.scratch = ThreadLocal.withInitial(() -> LogitsProcessors.SamplingScratch.of(d, vocab));
        }

        @Override
        public int choose(float[] x, int produced, SplittableRandom random, double[] logprob, int slot) {
            LogitsProcessors.SamplingScratch s = scratch.get();
            LogitsProcessors.forSampling(x, d, produced, eosIds, s);
            float max = Logits.max(x);
            float[] weights = s.weights();
            double sum = Logits.expShifted(x, max, weights);
            double target = random.nextDouble() * sum, cumulative = 0;
            int token = -1;
            for (int i = 0; i < weights.length; i++) {
                if (weights[i] == 0f) continue;
                token = i; // the last token with weight, should rounding leave target unreached
                cumulative += weights[i];
                if (cumulative > target) break;
            }
            logprob[slot] = (x[token] - max) - Math.log(sum);
            return token;
        }
    }
}
