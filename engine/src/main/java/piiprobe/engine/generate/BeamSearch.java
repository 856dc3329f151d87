package piiprobe.engine.generate;

import piiprobe.engine.Decoding;
import piiprobe.engine.kernel.Logits;
import piiprobe.engine.kernel.Parallel;
import piiprobe.engine.model.KvCache;
import piiprobe.engine.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Beam search with transformers 4.40's semantics ({@code _beam_search} with {@code BeamSearchScorer}
 * and {@code BeamHypotheses}), run for a batch of prompts with one KV-cache row per live beam:
 * <ul>
 * <li>each step scores every beam's tokens as log_softmax(logits), then the min-new-tokens processor
 *     sets the end-of-sequence ids to -inf (no renormalisation), then adds the beam's running score,
 *     all in float32 as torch does;
 * <li>the first step expands beam 0 only: the other beams start at -1e9 (they hold the same prompt);
 * <li>the top max(2, 1 + #eos)·numBeams candidates over numBeams × vocab (best first, ties to the
 *     lower flat index) are walked in order: an end-of-sequence candidate ranked below numBeams is
 *     dropped, one ranked within it becomes a finished hypothesis scored sum / length^lengthPenalty
 *     (length counts the new tokens and the end token), any other candidate fills the next beam until
 *     numBeams are filled;
 * <li>a prompt is done once numBeams hypotheses are finished and (earlyStopping) at once, or (not)
 *     when the best candidate's sum / current length^lengthPenalty cannot beat the worst of them;
 * <li>at maxNewTokens the open beams join the hypotheses; the best numReturnSequences are returned.
 * </ul>
 * Done prompts leave the batch. Unlike transformers' output, a finished hypothesis keeps the very
 * end-of-sequence id it chose (transformers writes the first of the ids).
 */
public final class BeamSearch {

    /** One returned sequence: its new ids and transformers' {@code sequences_scores} value. */
    public record Result(int[] newIds, double score) {}

    /** Beams of the first step that are copies of beam 0, kept out of the race as transformers does. */
    private static final float UNUSED_BEAM_SCORE = -1e9f;

    private BeamSearch() {}

    /** For each prompt, {@code numReturnSequences} results, best first. */
    public static List<List<Result>> run(Transformer model, List<int[]> prompts, Decoding.Beam decoding, int[] eosIds) {
        int n = prompts.size(), beams = decoding.numBeams(), vocab = model.vocabSize();
        int maxNew = decoding.maxNewTokens();
        int candidates = Math.max(2, 1 + eosIds.length) * beams;
        if (candidates > beams * vocab)
            throw new IllegalArgumentException("num-beams " + beams + " needs a vocabulary of at least "
                    + (candidates + beams - 1) / beams + " tokens");
        if (n == 0) return List.of();
        PromptBatch batch = PromptBatch.leftPadded(model, prompts, maxNew);

        Prompt[] state = new Prompt[n];
        for (int p = 0; p < n; p++) state[p] = new Prompt(beams, maxNew, decoding);
        KvCache cache = model.newCache(n, batch.width() + maxNew);
        float[][] logits = model.forward(cache, batch.width(), batch.tokens(), batch.positions(), batch.real(),
                batch.lastSlots());
        TopCandidates top = new TopCandidates(candidates);
        int[] live = new int[n]; // prompts with rows in the cache, in row order (numBeams rows each after step 0)
        for (int p = 0; p < n; p++) live[p] = p;

        for (int step = 0; ; step++) {
            // Each row's candidates on the kernel threads, then merged per prompt in beam order (which
            // keeps ties to the lower flat index). Step 0 has one row per prompt: every beam is that
            // row, beams 1.. at -1e9.
            int perPrompt = step == 0 ? 1 : beams, currentStep = step;
            int[] rowsOf = live;
            float[][] rowLogits = logits;
            TopCandidates[] rowTop = new TopCandidates[rowLogits.length];
            Parallel.forEach(rowLogits.length, r -> {
                Prompt s = state[rowsOf[r / perPrompt]];
                int b = r % perPrompt;
                float[] logprobs = rowLogits[r];
                Logits.logSoftmax(logprobs, logprobs);
                if (currentStep < decoding.minNewTokens()) LogitsProcessors.banTokens(logprobs, eosIds);
                TopCandidates t = new TopCandidates(candidates);
                t.offer(logprobs, b, currentStep == 0 ? 0f : s.scores[b]);
                if (currentStep == 0) for (int copy = 1; copy < beams; copy++) t.offer(logprobs, copy, UNUSED_BEAM_SCORE);
                rowTop[r] = t;
            });
            List<Integer> from = new ArrayList<>();
            List<Integer> nextLive = new ArrayList<>();
            for (int i = 0; i < live.length; i++) {
                Prompt s = state[live[i]];
                top.clear();
                for (int b = 0; b < perPrompt; b++) top.merge(rowTop[i * perPrompt + b]);
                int[] sources = s.advance(top, eosIds, step);
                if (s.done) continue;
                nextLive.add(live[i]);
                for (int src : sources) from.add(step == 0 ? i : i * beams + src);
            }
            if (step + 1 == maxNew || nextLive.isEmpty()) break;
            live = nextLive.stream().mapToInt(Integer::intValue).toArray();
            cache.select(from.stream().mapToInt(Integer::intValue).toArray());
            int rows = live.length * beams;
            int[] tokens = new int[rows], positions = new int[rows], slots = new int[rows];
            boolean[] real = new boolean[rows];
            for (int i = 0; i < live.length; i++) {
                Prompt s = state[live[i]];
                for (int b = 0; b < beams; b++) {
                    int r = i * beams + b;
                    tokens[r] = s.tokens[b][step];
                    positions[r] = batch.lengths()[live[i]] + step;
                    real[r] = true;
                    slots[r] = r;
                }
            }
            logits = model.forward(cache, 1, tokens, positions, real, slots);
        }
        List<List<Result>> out = new ArrayList<>(n);
        for (Prompt s : state) out.add(s.finish(decoding.numReturnSequences()));
        return out;
    }

    /** The best {@code size} (score, beam, token) candidates seen, best first; ties keep the earlier. */
    private static final class TopCandidates {
        final float[] score;
        final int[] beam, token;
        int count;

        TopCandidates(int size) {
            score = new float[size];
            beam = new int[size];
            token = new int[size];
        }

        void clear() {
            count = 0;
        }

        /** Offers every token of one beam with score {@code logprobs[v] + beamScore} (float32, as torch). */
        void offer(float[] logprobs, int b, float beamScore) {
            for (int v = 0; v < logprobs.length; v++) insert(logprobs[v] + beamScore, b, v);
        }

        /** Offers another list's candidates, which must all have higher flat indices than those offered so far. */
        void merge(TopCandidates other) {
            for (int j = 0; j < other.count; j++) insert(other.score[j], other.beam[j], other.token[j]);
        }

        private void insert(float s, int b, int v) {
            int size = score.length;
            if (count == size && !(s > score[size - 1])) return;
            int i = count < size ? count++ : size - 1;
            while (i > 0 && s > score[i - 1]) {
                score[i] = score[i - 1];
                beam[i] = beam[i - 1];
                token[i] = token[i - 1];
                i--;
            }
            score[i] = s;
            beam[i] = b;
            token[i] = v;
        }
    }

    /** One prompt's live beams and finished hypotheses. */
    private static final class Prompt {
        final int beams;
        final Decoding.Beam decoding;
        int[][] tokens;
        float[] scores;
        final List<Hypothesis> finished = new ArrayList<>();
        double worstScore = 1e9;
        boolean done;
        int length; // new tokens in every live beam

        Prompt(int beams, int maxNew, Decoding.Beam decoding) {
            this.beams = beams;
            this.decoding = decoding;
            this.tokens = new int[beams][maxNew];
            this.scores = new float[beams];
        }

        /**
         * BeamSearchScorer.process for this prompt: walks the candidates, files finished hypotheses,
         * forms the next beams and returns, for each, the beam it extends.
         */
        int[] advance(TopCandidates top, int[] eosIds, int step) {
            int[][] nextTokens = new int[beams][tokens[0].length];
            float[] nextScores = new float[beams];
            int[] sources = new int[beams];
            int filled = 0;
            for (int rank = 0; rank < top.count && filled < beams; rank++) {
                int b = top.beam[rank], v = top.token[rank];
                if (TokenSearch.contains(eosIds, v)) {
                    if (rank >= beams) continue;
                    int[] ids = Arrays.copyOf(tokens[b], step + 1);
                    ids[step] = v;
                    add(ids, top.score[rank], step + 1);
                } else {
                    System.arraycopy(tokens[b], 0, nextTokens[filled], 0, step);
                    nextTokens[filled][step] = v;
                    nextScores[filled] = top.score[rank];
                    sources[filled++] = b;
                }
            }
            if (filled < beams) throw new IllegalStateException("fewer than num-beams candidates are not end tokens");
            tokens = nextTokens;
            scores = nextScores;
            length = step + 1;
            done = isDone(top.score[0], step + 1);
            return sources;
        }

        /** BeamHypotheses.add: keeps the numBeams best by length-penalised score. */
        void add(int[] ids, float sumLogprobs, int generatedLength) {
            double score = sumLogprobs / Math.pow(generatedLength, decoding.lengthPenalty());
            if (finished.size() < beams || score > worstScore) {
                finished.add(new Hypothesis(score, ids));
                if (finished.size() > beams) {
                    // Python's sorted((score, index)): the worst, the earlier one on ties, goes.
                    Integer[] order = new Integer[finished.size()];
                    for (int i = 0; i < order.length; i++) order[i] = i;
                    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> finished.get(i).score).thenComparingInt(i -> i));
                    worstScore = finished.get(order[1]).score;
                    finished.remove((int) order[0]);
                } else {
                    worstScore = Math.min(score, worstScore);
                }
            }
        }

        /** BeamHypotheses.is_done for early_stopping True or False. */
        boolean isDone(float bestSumLogprobs, int generatedLength) {
            if (finished.size() < beams) return false;
            if (decoding.earlyStopping()) return true;
            return worstScore >= bestSumLogprobs / Math.pow(generatedLength, decoding.lengthPenalty());
        }

        /** BeamSearchScorer.finalize: open beams join (unless done), then the best come first. */
        List<Result> finish(int count) {
            if (!done) for (int b = 0; b < beams; b++) add(Arrays.copyOf(tokens[b], length), scores[b], length);
            // Python sorts ascending (stable) and pops from the end: among equal scores the later wins.
            List<Hypothesis> sorted = new ArrayList<>(finished);
            sorted.sort(Comparator.comparingDouble(Hypothesis::score));
            List<Result> out = new ArrayList<>(count);
            for (int j = 0; j < count; j++) {
                Hypothesis h = sorted.get(sorted.size() - 1 - j);
                out.add(new Result(h.ids, h.score));
            }
            return out;
        }
    }

    private record Hypothesis(double score, int[] ids) {}
}
