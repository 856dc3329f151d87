package piiprobe.engine.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.Decoding;
import piiprobe.engine.StopRule;
import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.checkpoint.DType;
import piiprobe.engine.generate.TokenSearch;
import piiprobe.engine.model.Architectures;
import piiprobe.engine.model.KvCache;
import piiprobe.engine.model.RandomCheckpoint;
import piiprobe.engine.model.Transformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What {@code piiprobe bench} measures: greedy generation through the real decoding loop
 * ({@link TokenSearch} over a {@link Transformer}) on random-weight models written to a temporary
 * folder. Prefill is the first forward call (the LM head on each row's last prompt token only);
 * decode is everything after it, so {@code decode tok/s = batch × new tokens / (generation time −
 * prefill time)}, as in the transformers baseline of the golden README. The share of decode time
 * spent outside the forward pass (choosing tokens, bookkeeping) is reported as the loop's overhead.
 */
public final class GenerateBench {

    /**
     * One setting. {@code referencePrefill}/{@code referenceDecode}: transformers 4.40 on torch 1.13
     * on this machine kind for the same setting (golden README), NaN where it was not measured.
     */
    public record Case(String model, ObjectNode config, DType dtype, int batch, int promptTokens, int newTokens,
                       double referencePrefill, double referenceDecode) {
        Case(String model, ObjectNode config, DType dtype, int batch, int promptTokens, int newTokens) {
            this(model, config, dtype, batch, promptTokens, newTokens, Double.NaN, Double.NaN);
        }
    }

    /** Medians over the runs. */
    public record Result(Case setting, int runs, double prefillTokPerS, double decodeTokPerS, double loopOverheadPct) {}

    private GenerateBench() {}

    /** The settings: GPT-Neo-125M in F32, a Pythia-160M-shaped GPT-NeoX and a small Llama in BF16. */
    public static List<Case> standard() {
        ObjectNode neo = RandomCheckpoint.gptNeo125m(), pythia = RandomCheckpoint.pythia160m(), llama = RandomCheckpoint.smallLlama();
        return List.of(
                new Case("gpt-neo-125m", neo, DType.F32, 1, 10, 100),
                new Case("gpt-neo-125m", neo, DType.F32, 1, 200, 100),
                // transformers' 10-token case is 16 real prompts of about 9 tokens ("the email address of NAME is")
                new Case("gpt-neo-125m", neo, DType.F32, 16, 10, 100, 398, 174),
                new Case("gpt-neo-125m", neo, DType.F32, 16, 200, 100, 192, 98.7),
                new Case("pythia-160m", pythia, DType.BF16, 1, 10, 100),
                new Case("pythia-160m", pythia, DType.BF16, 16, 200, 100),
                new Case("small-llama", llama, DType.BF16, 1, 10, 100),
                new Case("small-llama", llama, DType.BF16, 16, 200, 100));
    }

    /** Tiny models of the same three architectures: seconds in all, to check the set-up, not to measure. */
    public static List<Case> smoke() {
        ObjectNode neo = shrink(RandomCheckpoint.gptNeo125m(), "hidden_size", "num_layers", "num_heads");
        neo.putArray("attention_types").addArray().add(neo.arrayNode().add("global").add("local")).add(1);
        neo.put("window_size", 8);
        ObjectNode pythia = shrink(RandomCheckpoint.pythia160m(), "hidden_size", "num_hidden_layers", "num_attention_heads");
        pythia.put("intermediate_size", 64);
        ObjectNode llama = shrink(RandomCheckpoint.smallLlama(), "hidden_size", "num_hidden_layers", "num_attention_heads");
        llama.put("num_key_value_heads", 1).put("intermediate_size", 48);
        return List.of(
                new Case("gpt-neo-tiny", neo, DType.F32, 2, 10, 5),
                new Case("gpt-neo-tiny", neo, DType.F32, 2, 20, 5),
                new Case("pythia-tiny", pythia, DType.BF16, 2, 10, 5),
                new Case("llama-tiny", llama, DType.BF16, 2, 10, 5));
    }

    /** Hidden 16, 2 layers of 2 heads, a vocabulary of 512. */
    private static ObjectNode shrink(ObjectNode config, String hidden, String layers, String heads) {
        return config.put(hidden, 16).put(layers, 2).put(heads, 2).put("vocab_size", 512);
    }

    /** Runs every case {@code runs} times after a warm-up, one random model per (model, dtype). */
    public static List<Result> run(List<Case> cases, int runs, Consumer<String> progress) {
        if (runs < 1) throw new IllegalArgumentException("runs must be >= 1, got " + runs);
        Path tmp;
        try {
            tmp = Files.createTempDirectory("piiprobe-bench");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the bench models", e);
        }
        try {
            List<Result> results = new ArrayList<>();
            int i = 0;
            while (i < cases.size()) {
                Case first = cases.get(i);
                int end = i;
                while (end < cases.size() && cases.get(end).model.equals(first.model) && cases.get(end).dtype == first.dtype) end++;
                Path dir = tmp.resolve(first.model + "-" + first.dtype);
                progress.accept("writing a random " + first.model + " (" + first.dtype + ")");
                RandomCheckpoint.write(dir, first.config, first.dtype, 1, 0.02);
                try (Checkpoint checkpoint = Checkpoint.open(dir); Transformer model = Architectures.load(checkpoint)) {
                    for (Case c : cases.subList(i, end)) {
                        progress.accept(String.format("%s %s: batch %d, %d-token prompts, %d new tokens, %d run%s",
                                c.model, c.dtype, c.batch, c.promptTokens, c.newTokens, runs, runs == 1 ? "" : "s"));
                        results.add(measure(model, c, runs));
                    }
                }
                deleteTree(dir);
                i = end;
            }
            return results;
        } finally {
            deleteTree(tmp);
        }
    }

    static Result measure(Transformer model, Case c, int runs) {
        SplittableRandom random = new SplittableRandom(c.promptTokens * 31L + c.batch);
        List<int[]> prompts = new ArrayList<>();
        for (int r = 0; r < c.batch; r++) prompts.add(random.ints(c.promptTokens, 0, model.vocabSize()).toArray());
        int[] rowIds = new int[c.batch];
        Timed timed = new Timed(model);
        // Warm-up at the same batch size, so the JIT has compiled what the runs execute.
        List<int[]> shortPrompts = prompts.stream().map(p -> Arrays.copyOf(p, Math.min(p.length, 16))).toList();
        TokenSearch.run(timed, shortPrompts, new Decoding.Greedy(8, 8), new int[0], StopRule.NEVER, rowIds, null);
        double[] prefill = new double[runs], decode = new double[runs], overhead = new double[runs];
        var greedy = new Decoding.Greedy(c.newTokens, c.newTokens);
        for (int run = 0; run < runs; run++) {
            timed.calls.clear();
            long start = System.nanoTime();
            TokenSearch.run(timed, prompts, greedy, new int[0], StopRule.NEVER, rowIds, null);
            double total = (System.nanoTime() - start) / 1e9;
            double prefillSeconds = timed.calls.getFirst() / 1e9;
            double decodeSeconds = total - prefillSeconds;
            double forwardSeconds = timed.calls.stream().skip(1).mapToLong(Long::longValue).sum() / 1e9;
            prefill[run] = c.batch * (double) c.promptTokens / prefillSeconds;
            decode[run] = c.batch * (double) c.newTokens / decodeSeconds;
            overhead[run] = 100 * (decodeSeconds - forwardSeconds) / decodeSeconds;
        }
        return new Result(c, runs, median(prefill), median(decode), median(overhead));
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /** The model with each forward call's wall time recorded. */
    private static final class Timed implements Transformer {
        final Transformer model;
        final List<Long> calls = new ArrayList<>();

        Timed(Transformer model) {
            this.model = model;
        }

        @Override
        public int vocabSize() {
            return model.vocabSize();
        }

        @Override
        public int maxPositions() {
            return model.maxPositions();
        }

        @Override
        public KvCache newCache(int rows, int capacity) {
            return model.newCache(rows, capacity);
        }

        @Override
        public float[][] forward(KvCache cache, int steps, int[] tokens, int[] positions, boolean[] real, int[] logitSlots) {
            long start = System.nanoTime();
            float[][] out = model.forward(cache, steps, tokens, positions, real, logitSlots);
            calls.add(System.nanoTime() - start);
            return out;
        }

        @Override
        public void close() {}
    }
}
