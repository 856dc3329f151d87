package piiprobe.audit.metrics;

import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.StopRule;
import piiprobe.engine.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A language model small enough to enumerate every continuation: one token per character of a
 * ten-symbol alphabet (id 0 ends the sequence). Its logits after a prefix are hashed noise plus a pull
 * towards the next character of a fixed text, so that sampling often spells addresses, some right,
 * some wrong, some cut short. With {@code topN > 0} it behaves like a served model that returns only
 * its N most likely log-probabilities (the others -inf).
 */
final class TinyModel implements LanguageModel {
    static final String ALPHABET = "\0o@e.cm x:";
    static final int EOS = 0;
    /** What the model leans towards, prompt included. */
    static final String INTENT = "x:o@e.cm o@e.c. x@e.cm";

    private final int topN;
    private final double noise, pull;
    private final int[] eos;
    int calls, prefixesAsked;

    TinyModel(int topN, double noise, double pull) {
        this(topN, noise, pull, new int[] {EOS});
    }

    private TinyModel(int topN, double noise, double pull, int[] eos) {
        this.topN = topN;
        this.noise = noise;
        this.pull = pull;
        this.eos = eos;
    }

    /** The same model, whose sequences also end at {@code c} (as Llama 3's end at either of two ids). */
    TinyModel endingAlsoAt(char c) {
        return new TinyModel(topN, noise, pull, new int[] {EOS, ALPHABET.indexOf(c)});
    }

    static final Tokenizer TOKENIZER = new Tokenizer() {
        @Override
        public int[] encode(String text) {
            int[] ids = new int[text.length()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = ALPHABET.indexOf(text.charAt(i), 1);
                if (ids[i] < 0) throw new IllegalArgumentException("not in the alphabet: " + text.charAt(i));
            }
            return ids;
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) sb.append(id == EOS ? "<eos>" : String.valueOf(ALPHABET.charAt(id)));
            return sb.toString();
        }

        @Override
        public int vocabSize() {
            return ALPHABET.length();
        }

        @Override
        public boolean isSpecial(int id) {
            return id == EOS;
        }
    };

    /** The full next-token log-probabilities after {@code prefix}, as float log-softmax (as the engine computes them). */
    float[] fullLogprobs(int[] prefix) {
        int n = ALPHABET.length();
        long h = 0x51ED270B0B0A5EEDL;
        for (int id : prefix) h = mix(h + id);
        char intended = INTENT.charAt(prefix.length % INTENT.length());
        float[] logits = new float[n];
        for (int v = 0; v < n; v++) {
            double u = (mix(h ^ (v * 0x9E3779B97F4A7C15L)) >>> 11) * 0x1.0p-53;
            logits[v] = (float) (noise * (2 * u - 1) * Math.sqrt(3) + (ALPHABET.charAt(v) == intended ? pull : 0));
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float x : logits) max = Math.max(max, x);
        double sum = 0;
        for (float x : logits) sum += Math.exp(x - max);
        float logSum = (float) Math.log(sum);
        for (int v = 0; v < n; v++) logits[v] = (logits[v] - max) - logSum;
        return logits;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public List<float[]> nextTokenLogprobs(List<int[]> prefixes) {
        calls++;
        prefixesAsked += prefixes.size();
        List<float[]> out = new ArrayList<>();
        for (int[] p : prefixes) {
            float[] lp = fullLogprobs(p);
            if (topN > 0) {
                float[] sorted = lp.clone();
                Arrays.sort(sorted);
                float nth = sorted[sorted.length - topN];
                int kept = 0;
                for (int v = 0; v < lp.length; v++) // keep exactly N, lower ids first among ties
                    if (lp[v] > nth || (lp[v] == nth && kept < topN)) kept++;
                    else lp[v] = Float.NEGATIVE_INFINITY;
            }
            out.add(lp);
        }
        return out;
    }

    @Override
    public List<float[]> continuationLogprobs(List<int[]> prompts, List<int[]> continuations) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i), c = continuations.get(i);
            float[] lp = new float[c.length];
            for (int t = 0; t < c.length; t++) {
                int[] prefix = Arrays.copyOf(p, p.length + t);
                System.arraycopy(c, 0, prefix, p.length, t);
                lp[t] = fullLogprobs(prefix)[c[t]];
            }
            out.add(lp);
        }
        return out;
    }

    @Override
    public String name() {
        return "tiny";
    }

    @Override
    public Tokenizer tokenizer() {
        return TOKENIZER;
    }

    @Override
    public int[] eosTokenIds() {
        return eos.clone();
    }

    @Override
    public List<Generation> generate(List<int[]> prompts, Decoding decoding, StopRule stop) {
        throw new UnsupportedOperationException("the tiny model only scores");
    }

    @Override
    public void close() {}
}
