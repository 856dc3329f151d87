package piiprobe.audit.metrics;

import piiprobe.audit.Golden;
import piiprobe.audit.data.Dataset;
import piiprobe.audit.data.Datasets;
import piiprobe.audit.data.Population;
import piiprobe.audit.probe.Settings;
import piiprobe.audit.probe.Probe;
import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.LocalModel;
import piiprobe.engine.StopRule;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.checkpoint.DType;
import piiprobe.engine.kernel.Parallel;
import piiprobe.engine.model.RandomCheckpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Prints the time per person of the rank (over each person's candidates) and of the bounds (at the
 * default budget, per temperature) on a random-weight GPT-Neo-125M with GPT-2's tokenizer, for the
 * first people of the Enron population asked zero-shot-a, with the model computing each call's
 * shared prompt once (as the metrics call it) and without (every prompt and prefix in its own call).
 * Not a test: run it on the test class path from the audit folder,
 * {@code java --add-modules jdk.incubator.vector -cp ... piiprobe.audit.metrics.MetricsBench [people] [budget] [std]};
 * {@code std} is the weights' standard deviation (0.02, as the engine's bench: nearly uniform next-token
 * distributions; larger makes them peaked, so the expansion goes deeper, as a trained model's would).
 */
public final class MetricsBench {
    public static void main(String[] args) throws Exception {
        int people = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int budget = args.length > 1 ? Integer.parseInt(args[1]) : MetricsConfig.DEFAULT_BOUNDS_BUDGET;
        double std = args.length > 2 ? Double.parseDouble(args[2]) : 0.02;
        Path dir = Files.createTempDirectory("piiprobe-metrics-bench");
        try {
            RandomCheckpoint.write(dir, RandomCheckpoint.gptNeo125m(), DType.F32, 1, std);
            try (LocalModel model = LocalModel.load(dir, Golden.TOKENIZER, 16)) {
                run(model, people, budget);
            }
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    private static void run(LocalModel model, int count, int budget) {
        Dataset enron = Datasets.load(Datasets.ENRON);
        Probe probe = Settings.parseOne("zero-shot-a");
        List<ProbabilityMetrics.Subject> subjects = new ArrayList<>();
        for (Population.Member m : Population.of(enron, count).members()) {
            String prompt = probe.prompt(m.person(), model.tokenizer());
            subjects.add(new ProbabilityMetrics.Subject(m.person(), probe, prompt, model.tokenizer().encode(prompt)));
        }
        Candidates candidates = new Candidates(enron.people());
        double meanCandidates = subjects.stream().mapToInt(s -> candidates.of(s.person(), MetricsConfig.DEFAULT_DECOYS).size()).average().orElse(0);
        System.out.printf("GPT-Neo-125M shape, random weights, %d threads; %d Enron people, zero-shot-a (%.1f prompt tokens on average)%n",
                Parallel.threads(), subjects.size(), subjects.stream().mapToInt(s -> s.promptIds().length).average().orElse(0));

        MetricsConfig rank = new MetricsConfig(EnumSet.of(Metric.EXACT, Metric.LIKELIHOOD, Metric.RANK), budget,
                MetricsConfig.DEFAULT_TEMPERATURES, MetricsConfig.DEFAULT_TOP_K, MetricsConfig.DEFAULT_DECOYS);
        MetricsConfig bounds = new MetricsConfig(EnumSet.of(Metric.EXACT, Metric.BOUNDS), budget,
                MetricsConfig.DEFAULT_TEMPERATURES, MetricsConfig.DEFAULT_TOP_K, MetricsConfig.DEFAULT_DECOYS);
        // warm-up: compiles what the timed runs execute
        new ProbabilityMetrics(model, rank, 100, candidates).measure(subjects.subList(0, 2));
        new ProbabilityMetrics(model, bounds, 100, candidates).measure(subjects.subList(0, 1));
        Timed shared = new Timed(model, false), unshared = new Timed(model, true);
        report("rank over %.1f candidates".formatted(meanCandidates), subjects.size(), shared, unshared,
                m -> new ProbabilityMetrics(m, rank, 100, candidates).measure(subjects));
        for (float t : MetricsConfig.DEFAULT_TEMPERATURES) {
            MetricsConfig one = new MetricsConfig(bounds.metrics(), budget, List.of(t), bounds.topK(), bounds.decoys());
            List<PersonMetrics> measured = new ArrayList<>(); // both runs': the same numbers twice
            report("bounds at T=%s, top-k %d, budget %d".formatted(t, one.topK(), budget), subjects.size(), shared, unshared,
                    m -> measured.addAll(new ProbabilityMetrics(m, one, 100, candidates).measure(subjects)));
            System.out.printf("  mean interval [%.3g, %.3g], %.1f expansions per person, %.1f tokens per prefix asked%n",
                    measured.stream().mapToDouble(m -> m.bounds().getFirst().lower()).average().orElse(0),
                    measured.stream().mapToDouble(m -> m.bounds().getFirst().upper()).average().orElse(0),
                    measured.stream().mapToDouble(m -> m.bounds().getFirst().budgetUsed()).average().orElse(0),
                    (double) shared.tokens / shared.sequences);
        }
    }

    /** Times {@code work} on the model computing shared prompts once, then on one call per sequence. */
    private static void report(String what, int people, Timed shared, Timed unshared, Consumer<LanguageModel> work) {
        shared.reset();
        unshared.reset();
        double s = seconds(() -> work.accept(shared)), u = seconds(() -> work.accept(unshared));
        System.out.printf("%-38s %7.3f s/person (model %.0f%%) shared prompt; %7.3f s/person one call each: %.1fx%n", what,
                s / people, 100 * shared.modelSeconds / s, u / people, u / s);
    }

    private static double seconds(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * The model with the time spent in it and the prefix tokens it was asked for counted; with
     * {@code oneCallEach} every sequence goes in its own call, so that nothing is computed once for several.
     */
    private static final class Timed implements LanguageModel {
        final LanguageModel model;
        final boolean oneCallEach;
        double modelSeconds;
        long tokens, sequences;

        Timed(LanguageModel model, boolean oneCallEach) {
            this.model = model;
            this.oneCallEach = oneCallEach;
        }

        void reset() {
            modelSeconds = 0;
            tokens = sequences = 0;
        }

        public String name() { return model.name(); }
        public Tokenizer tokenizer() { return model.tokenizer(); }
        public int[] eosTokenIds() { return model.eosTokenIds(); }
        public List<Generation> generate(List<int[]> p, Decoding d, StopRule s) { return model.generate(p, d, s); }
        public void close() {}

        public List<float[]> continuationLogprobs(List<int[]> prompts, List<int[]> continuations) {
            long start = System.nanoTime();
            List<float[]> out = new ArrayList<>();
            if (!oneCallEach) out.addAll(model.continuationLogprobs(prompts, continuations));
            else for (int i = 0; i < prompts.size(); i++)
                out.add(model.continuationLogprobs(List.of(prompts.get(i)), List.of(continuations.get(i))).getFirst());
            modelSeconds += (System.nanoTime() - start) / 1e9;
            return out;
        }

        public List<float[]> nextTokenLogprobs(List<int[]> prefixes) {
            long start = System.nanoTime();
            List<float[]> out = new ArrayList<>();
            if (!oneCallEach) out.addAll(model.nextTokenLogprobs(prefixes));
            else for (int[] p : prefixes) out.add(model.nextTokenLogprobs(List.of(p)).getFirst());
            modelSeconds += (System.nanoTime() - start) / 1e9;
            for (int[] p : prefixes) tokens += p.length;
            sequences += prefixes.size();
            return out;
        }
    }

    private MetricsBench() {}
}
