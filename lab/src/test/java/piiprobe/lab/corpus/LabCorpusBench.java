package piiprobe.lab.corpus;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import piiprobe.audit.data.Person;
import piiprobe.lab.LabPreset;
import piiprobe.lab.bpe.BpeTrainer;
import piiprobe.lab.bpe.ByteLevelBpe;
import piiprobe.lab.bpe.HuggingFaceParityTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Prints how long the lab's first stages take on a preset: corpus, tokenizer training, the token
 * stream (ours next to Hugging Face's), the data set. Not a test: run it on the test class path,
 * {@code java -cp ... piiprobe.lab.corpus.LabCorpusBench [preset] [repeats]}. Each figure is the
 * best of the repeats, after one warm-up run.
 */
public final class LabCorpusBench {
    private record Timed<T>(T result, double seconds) {}

    public static void main(String[] args) throws Exception {
        LabPreset preset = LabPreset.named(args.length > 0 ? args[0] : LabPreset.DEFAULT);
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<Person> people = EnronPeople.all();
        System.out.printf("preset %s: %d people (%d controls), scale %.2f, cap %d, vocab %d; %d cores%n", preset.name(),
                preset.corpus().people(), preset.corpus().controls(), preset.corpus().frequencyScale(),
                preset.corpus().frequencyCap(), preset.vocabSize(), Runtime.getRuntime().availableProcessors());

        Timed<Corpus> corpus = best(repeats, () -> CorpusGenerator.generate(people, preset.corpus()));
        double mb = corpus.result().characters() / 1e6;
        report("corpus", corpus, String.format("%d documents, %.2f MB, %d occurrences (%.1f MB/s); held out: %d documents",
                corpus.result().documents().size(), mb, corpus.result().occurrences().size(), mb / corpus.seconds(),
                corpus.result().heldOutDocuments().size()));
        List<String> docs = corpus.result().documents();
        Timed<ByteLevelBpe> bpe = best(repeats, () -> BpeTrainer.train(docs, preset.vocabSize()));
        report("bpe train", bpe, String.format("%d ids, %d merges", bpe.result().vocabSize(), bpe.result().mergeCount()));
        Timed<int[]> tokens = best(repeats, () -> bpe.result().encodeDocuments(docs));
        report("encode (ours)", tokens, String.format("%d tokens, %.2f chars/token, %.1f MB/s", tokens.result().length,
                mb * 1e6 / tokens.result().length, mb / tokens.seconds()));
        report("data set", best(repeats, () -> LabDataset.of(corpus.result())), "");

        Path dir = Files.createTempDirectory("bench-tokenizer");
        bpe.result().save(dir);
        try (HuggingFaceTokenizer hf = HuggingFaceParityTest.huggingFace(dir.resolve("tokenizer.json"))) {
            Timed<Long> theirs = best(repeats, () -> Arrays.stream(hf.batchEncode(docs)).mapToLong(e -> e.getIds().length).sum());
            report("encode (HF batch)", theirs, String.format("%d tokens, %.1f MB/s", theirs.result(), mb / theirs.seconds()));
        }
    }

    private static <T> Timed<T> best(int repeats, Supplier<T> work) {
        T result = work.get();  // warm-up
        double bestS = Double.MAX_VALUE;
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            result = work.get();
            bestS = Math.min(bestS, (System.nanoTime() - t0) / 1e9);
        }
        return new Timed<>(result, bestS);
    }

    private static void report(String what, Timed<?> t, String detail) {
        System.out.printf("  %-18s %8.1f ms  %s%n", what, t.seconds() * 1e3, detail);
    }
}
