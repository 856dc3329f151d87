package piiprobe.engine;

import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.generate.BeamSearch;
import piiprobe.engine.generate.Inputs;
import piiprobe.engine.generate.TeacherForcing;
import piiprobe.engine.generate.TokenSearch;
import piiprobe.engine.model.Architectures;
import piiprobe.engine.model.Transformer;
import piiprobe.engine.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A model run in this process: the {@link LanguageModel} of a Hugging Face model folder. Requests of
 * any size are split into batches of at most {@code maxBatch} rows, prompts of similar length
 * together so little is spent on padding; sampling draws the same tokens for a prompt however the
 * request is split. Calls are serialised: one model computes one batch at a time, on every core.
 */
public final class LocalModel implements LanguageModel {
    public static final int DEFAULT_MAX_BATCH = 16;

    private final String name;
    private final Transformer model;
    private final Tokenizer tokenizer;
    private final int[] eosIds;
    private final int maxBatch;
    private final long parameters;
    private final AutoCloseable[] owned;

    /**
     * @param eosIds   every id that ends a sequence (transformers' {@code eos_token_id}, int or list)
     * @param maxBatch most rows run together (beam search counts each beam as a row)
     * @param owned    what {@link #close} releases after the model, in order (checkpoint, tokenizer)
     */
    public LocalModel(String name, Transformer model, Tokenizer tokenizer, int[] eosIds, int maxBatch,
                      AutoCloseable... owned) {
        this(name, model, tokenizer, eosIds, maxBatch, -1, owned);
    }

    private LocalModel(String name, Transformer model, Tokenizer tokenizer, int[] eosIds, int maxBatch, long parameters,
                       AutoCloseable... owned) {
        if (maxBatch < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + maxBatch);
        this.parameters = parameters;
        this.name = name;
        this.model = model;
        this.tokenizer = tokenizer;
        this.eosIds = eosIds.clone();
        this.maxBatch = maxBatch;
        this.owned = owned.clone();
    }

    /** The model in a Hugging Face folder, with its own tokenizer and batches of {@value #DEFAULT_MAX_BATCH}. */
    public static LocalModel load(Path modelDir) {
        return load(modelDir, null, DEFAULT_MAX_BATCH);
    }

    /**
     * The model in a Hugging Face folder: config.json, safetensors weights (memory-mapped), and the
     * tokenizer found by {@link Tokenizers#load} ({@code tokenizerOrNull} overrides the search). The
     * end-of-sequence ids come from generation_config.json, else config.json.
     */
    public static LocalModel load(Path modelDir, Path tokenizerOrNull, int maxBatch) {
        if (maxBatch < 1) throw new UserError("batch size must be >= 1, got " + maxBatch);
        Checkpoint checkpoint = Checkpoint.open(modelDir);
        Transformer model = null;
        try {
            model = Architectures.load(checkpoint);
            var tokenizer = Tokenizers.load(modelDir, tokenizerOrNull);
            Path name = modelDir.toAbsolutePath().normalize().getFileName();
            return new LocalModel(name == null ? modelDir.toString() : name.toString(), model, tokenizer,
                    checkpoint.config().eosTokenIds(), maxBatch, checkpoint.parameterCount(), checkpoint, tokenizer);
        } catch (RuntimeException e) {
            if (model != null) model.close();
            checkpoint.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The checkpoint's parameter count ({@link Checkpoint#parameterCount}); -1 for a model built in code. */
    @Override
    public long parameterCount() {
        return parameters;
    }

    @Override
    public int[] eosTokenIds() {
        return eosIds.clone();
    }

    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public synchronized List<Generation> generate(List<int[]> prompts, Decoding decoding, StopRule stop) {
        int n = prompts.size();
        for (int i = 0; i < n; i++) Inputs.check(model, "prompt " + i, prompts.get(i), decoding.maxNewTokens());
        int[] order = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> prompts.get(i).length)).mapToInt(Integer::intValue).toArray();
        Generation[] out = new Generation[n];
        if (decoding instanceof Decoding.Beam beam) {
            int perBatch = Math.max(1, maxBatch / beam.numBeams());
            for (int start = 0; start < n; start += perBatch) {
                int[] rows = Arrays.copyOfRange(order, start, Math.min(n, start + perBatch));
                var results = BeamSearch.run(model, pick(prompts, rows), beam, eosIds);
                for (int j = 0; j < rows.length; j++) {
                    List<Generation.Sequence> seqs = new ArrayList<>();
                    for (var r : results.get(j)) seqs.add(new Generation.Sequence(r.newIds(), tokenizer.decode(r.newIds()), r.score()));
                    out[rows[j]] = new Generation(prompts.get(rows[j]), seqs);
                }
            }
        } else {
            long[] seeds = decoding instanceof Decoding.Sampling s ? TokenSearch.streamSeeds(s.seed(), prompts) : null;
            for (int start = 0; start < n; start += maxBatch) {
                int[] rows = Arrays.copyOfRange(order, start, Math.min(n, start + maxBatch));
                long[] rowSeeds = seeds == null ? null : Arrays.stream(rows).mapToLong(r -> seeds[r]).toArray();
                var results = TokenSearch.run(model, pick(prompts, rows), decoding, eosIds, stop, rows, rowSeeds);
                for (int j = 0; j < rows.length; j++) {
                    var r = results.get(j);
                    out[rows[j]] = new Generation(prompts.get(rows[j]),
                            List.of(new Generation.Sequence(r.newIds(), tokenizer.decode(r.newIds()), r.score())));
                }
            }
        }
        return Arrays.asList(out);
    }

    private static List<int[]> pick(List<int[]> all, int[] rows) {
        List<int[]> out = new ArrayList<>(rows.length);
        for (int r : rows) out.add(all.get(r));
        return out;
    }

    @Override
    public synchronized List<float[]> continuationLogprobs(List<int[]> prompts, List<int[]> continuations) {
        return TeacherForcing.continuationLogprobs(model, prompts, continuations, maxBatch);
    }

    @Override
    public synchronized List<float[]> nextTokenLogprobs(List<int[]> prefixes) {
        return TeacherForcing.nextTokenLogprobs(model, prefixes, maxBatch);
    }

    @Override
    public void close() {
        model.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + name + ": " + e.getMessage(), e);
            }
        }
    }
}
