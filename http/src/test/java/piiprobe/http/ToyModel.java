package piiprobe.http;

import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.StopRule;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.UserError;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in for a real model: bytes are tokens (0..255, EOS 256), and each next-token
 * distribution is a fixed function of the last two tokens. After a letter, the next letter of the alphabet
 * is likely; after 'z', the end of text. It honours the {@link LanguageModel} contract (seeded sampling
 * independent of batching, min/max new tokens, the stop rule after every token) and records what it was
 * asked, so tests can see batching and early stops. Built with {@code alsoEnds}, a sequence also ends at
 * that token, as Llama 3's end at either {@code <|end_of_text|>} or {@code <|eot_id|>}.
 */
final class ToyModel implements LanguageModel {
    static final int EOS = 256;
    static final int VOCAB = 257;

    /** Rows of every engine call, in order. */
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger tokensGenerated = new AtomicInteger();
    volatile long stepMillis;
    private final int[] eos;

    ToyModel() {
        eos = new int[] {EOS};
    }

    ToyModel(int alsoEnds) {
        eos = new int[] {EOS, alsoEnds};
    }

    private final Tokenizer tokenizer = new Tokenizer() {
        public int[] encode(String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[b.length];
            for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xff;
            return ids;
        }

        public String decode(int[] ids) {
            StringBuilder out = new StringBuilder();
            byte[] bytes = new byte[ids.length];
            int n = 0;
            for (int id : ids) {
                if (id == EOS) {
                    out.append(new String(bytes, 0, n, StandardCharsets.UTF_8)).append("<|endoftext|>");
                    n = 0;
                } else bytes[n++] = (byte) id;
            }
            return out.append(new String(bytes, 0, n, StandardCharsets.UTF_8)).toString();
        }

        public boolean isSpecial(int id) {
            return id == EOS;
        }

        public int vocabSize() {
            return VOCAB;
        }
    };

    @Override
    public String name() {
        return "toy";
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int[] eosTokenIds() {
        return eos.clone();
    }

    static float[] logprobs(int[] context) {
        int last = context.length > 0 ? context[context.length - 1] : -1;
        int before = context.length > 1 ? context[context.length - 2] : -1;
        float[] logits = new float[VOCAB];
        for (int v = 0; v < VOCAB; v++) {
            long h = (last * 1_000_003L + before) * 31 + v;
            h = (h ^ (h >>> 17)) * 0x9E3779B97F4A7C15L;
            logits[v] = ((h >>> 40) & 0xffff) / 65536f * 2 - 1;
        }
        if (last >= 'a' && last < 'z') logits[last + 1] += 6;
        else if (last == 'z') logits[EOS] += 6;
        else logits[' '] += 3;
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float x : logits) max = Math.max(max, x);
        for (float x : logits) sum += Math.exp(x - max);
        float lse = (float) (max + Math.log(sum));
        for (int v = 0; v < VOCAB; v++) logits[v] -= lse;
        return logits;
    }

    @Override
    public List<Generation> generate(List<int[]> prompts, Decoding decoding, StopRule stop) {
        calls.add("generate " + prompts.size());
        // Stands for input only the engine can judge (a prompt too long for the model, say).
        if (prompts.stream().anyMatch(p -> p[0] == 0)) throw new UserError("prompt starts with token 0");
        if (decoding instanceof Decoding.Beam beam) {
            List<Generation> out = new ArrayList<>();
            for (int[] p : prompts) out.add(new Generation(p, beams(p, beam)));
            return out;
        }
        int rows = prompts.size();
        List<List<Integer>> gen = new ArrayList<>();
        double[] score = new double[rows];
        boolean[] done = new boolean[rows];
        SplittableRandom[] random = new SplittableRandom[rows];
        Map<List<Integer>, Integer> seen = new HashMap<>();
        for (int r = 0; r < rows; r++) {
            gen.add(new ArrayList<>());
            if (decoding instanceof Decoding.Sampling s) {
                int copy = seen.merge(Arrays.stream(prompts.get(r)).boxed().toList(), 1, Integer::sum) - 1;
                random[r] = new SplittableRandom(s.seed() * 31 + Arrays.hashCode(prompts.get(r)) * 7919L + copy);
            }
        }
        for (int step = 0; step < decoding.maxNewTokens(); step++) {
            boolean any = false;
            for (int r = 0; r < rows; r++) {
                if (done[r]) continue;
                any = true;
                int[] context = concat(prompts.get(r), gen.get(r));
                float[] lp = logprobs(context).clone();
                if (step < decoding.minNewTokens()) for (int e : eos) lp[e] = Float.NEGATIVE_INFINITY;
                int next = decoding instanceof Decoding.Sampling s ? sample(lp, s, random[r]) : argmax(lp);
                score[r] += lp[next];
                gen.get(r).add(next);
                tokensGenerated.incrementAndGet();
                int[] newIds = gen.get(r).stream().mapToInt(Integer::intValue).toArray();
                if (ends(next) || stop.shouldStop(r, newIds)) done[r] = true;
            }
            if (!any) break;
            sleep();
        }
        List<Generation> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int[] ids = gen.get(r).stream().mapToInt(Integer::intValue).toArray();
            out.add(new Generation(prompts.get(r), List.of(new Generation.Sequence(ids, tokenizer.decode(ids), score[r]))));
        }
        return out;
    }

    private boolean ends(int id) {
        return Arrays.stream(eos).anyMatch(e -> e == id);
    }

    /** Not transformers' beam search: the k-th beam starts with the k-th likeliest token, then goes greedy. */
    private List<Generation.Sequence> beams(int[] prompt, Decoding.Beam beam) {
        float[] first = logprobs(prompt);
        Integer[] order = new Integer[VOCAB];
        for (int i = 0; i < VOCAB; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> -first[i]));
        List<Generation.Sequence> out = new ArrayList<>();
        for (int k = 0; k < beam.numBeams(); k++) {
            List<Integer> ids = new ArrayList<>(List.of(order[k]));
            double sum = first[order[k]];
            while (ids.size() < beam.maxNewTokens() && !ends(ids.getLast())) {
                float[] lp = logprobs(concat(prompt, ids));
                ids.add(argmax(lp));
                sum += lp[ids.getLast()];
            }
            int[] a = ids.stream().mapToInt(Integer::intValue).toArray();
            out.add(new Generation.Sequence(a, tokenizer.decode(a), sum / Math.pow(a.length, beam.lengthPenalty())));
        }
        out.sort(Comparator.comparingDouble(s -> -s.score()));
        return out.subList(0, beam.numReturnSequences());
    }

    private static int sample(float[] lp, Decoding.Sampling s, SplittableRandom random) {
        double[] p = new double[VOCAB];
        Integer[] order = new Integer[VOCAB];
        for (int i = 0; i < VOCAB; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> -lp[i]));
        int keep = s.topK() > 0 ? Math.min(s.topK(), VOCAB) : VOCAB;
        double total = 0;
        for (int k = 0; k < keep; k++) total += p[order[k]] = Math.exp(lp[order[k]] / s.temperature());
        double u = random.nextDouble() * total;
        for (int k = 0; k < keep; k++) if ((u -= p[order[k]]) <= 0) return order[k];
        return order[keep - 1];
    }

    private static int argmax(float[] lp) {
        int best = 0;
        for (int i = 1; i < lp.length; i++) if (lp[i] > lp[best]) best = i;
        return best;
    }

    private static int[] concat(int[] a, List<Integer> b) {
        int[] all = Arrays.copyOf(a, a.length + b.size());
        for (int i = 0; i < b.size(); i++) all[a.length + i] = b.get(i);
        return all;
    }

    private void sleep() {
        if (stepMillis <= 0) return;
        try {
            Thread.sleep(stepMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public List<float[]> continuationLogprobs(List<int[]> prompts, List<int[]> continuations) {
        calls.add("score " + prompts.size());
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i), c = continuations.get(i);
            float[] lp = new float[c.length];
            for (int t = 0; t < c.length; t++) {
                int[] context = Arrays.copyOf(p, p.length + t);
                System.arraycopy(c, 0, context, p.length, t);
                lp[t] = logprobs(context)[c[t]];
            }
            out.add(lp);
        }
        return out;
    }

    @Override
    public List<float[]> nextTokenLogprobs(List<int[]> prefixes) {
        calls.add("next " + prefixes.size());
        return prefixes.stream().map(ToyModel::logprobs).toList();
    }

    @Override
    public void close() {
    }
}
