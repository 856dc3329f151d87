package piiprobe.lab;

import piiprobe.engine.UserError;
import piiprobe.lab.corpus.CorpusSpec;
import piiprobe.lab.train.Gpt2Config;
import piiprobe.lab.train.TrainConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named set of lab sizes, from the corpus to the model, its training and its audit.
 * {@code default} is sized to finish, audit included, in 10 minutes on 2 cores; {@code ci} for tests;
 * {@code full} plants all 3,238 people the paper scores.
 *
 * @param name      what {@code --preset} calls it
 * @param corpus    the people, controls, frequency scaling and seed of the corpus
 * @param vocabSize ids of the byte-level BPE trained on the corpus, {@code <|endoftext|>} included
 * @param model     the GPT-2's shape (its vocabulary becomes the tokenizer's)
 * @param training  how it is trained; its seed orders the training windows
 * @param settings  the audit settings run on the trained model
 */
public record LabPreset(String name, CorpusSpec corpus, int vocabSize, Gpt2Config model, TrainConfig training,
                        List<String> settings) {
    public static final String DEFAULT = "default";
    private static final long SEED = 20220524;   // the paper's arXiv date: any fixed number would do
    /**
     * The paper's settings that fit the ci model's 256 positions with 100 new tokens: context-200 would not
     * (200 + 100 > 256), nor would five-shot prompts (up to 224 tokens with the ci tokenizer's 512 ids);
     * two-shot prompts stay under 110.
     */
    private static final List<String> CI_SETTINGS = List.of("context-50", "context-100", "zero-shot-a", "zero-shot-b",
            "zero-shot-c", "zero-shot-d", "one-shot", "two-shot", "two-shot-non-domain");
    /**
     * All of the paper's settings, for models of {@value #POSITIONS} positions: context-200 takes 200 tokens and
     * five-shot prompts up to 190 with the default tokenizer's 2,048 ids, each with 100 new tokens after them.
     */
    private static final List<String> SETTINGS = List.of("context-50", "context-100", "context-200", "zero-shot-a",
            "zero-shot-b", "zero-shot-c", "zero-shot-d", "one-shot", "two-shot", "five-shot", "one-shot-non-domain",
            "two-shot-non-domain", "five-shot-non-domain");
    private static final int POSITIONS = 320;

    private static final Map<String, LabPreset> PRESETS = presets();

    public LabPreset {
        settings = List.copyOf(settings);
        if (model.vocabSize() != vocabSize) throw new IllegalArgumentException("the model's vocabulary must be the tokenizer's, " + vocabSize);
        if (training.seq() > model.positions())
            throw new IllegalArgumentException("training sequences of " + training.seq() + " exceed the model's " + model.positions() + " positions");
    }

    private static Map<String, LabPreset> presets() {
        Map<String, LabPreset> m = new LinkedHashMap<>();
        m.put("ci", new LabPreset("ci", new CorpusSpec(120, 20, 0.25, 12, SEED), 512,
                new Gpt2Config(512, 256, 128, 2, 4), training(600, 8, 256, 5e-3f, SEED), CI_SETTINGS));
        // 13 sequences of 320 tokens: the 4,096 tokens a step of 16 × 256 had, give or take 2%
        m.put(DEFAULT, new LabPreset(DEFAULT, new CorpusSpec(1200, 200, 0.25, 20, SEED), 2048,
                new Gpt2Config(2048, POSITIONS, 256, 4, 4), training(900, 13, POSITIONS, 3e-3f, SEED), SETTINGS));
        m.put("full", new LabPreset("full", new CorpusSpec(3238, 300, 0.5, 40, SEED), 4096,
                new Gpt2Config(4096, POSITIONS, 384, 6, 6), training(4000, 13, POSITIONS, 2e-3f, SEED), SETTINGS));
        return m;
    }

    /**
     * AdamW (0.9, 0.95) without weight decay: the lab studies memorization, which decay works against;
     * 5% linear warm-up, cosine decay to a tenth of the peak, clipping at norm 1; a validation loss
     * every 5% of the steps and a resumable checkpoint every minute.
     */
    private static TrainConfig training(int steps, int batch, int seq, float lr, long seed) {
        return new TrainConfig(steps, batch, seq, lr, lr / 10, Math.max(1, steps / 20), 0f, 0.9f, 0.95f, 1e-8f, 1f, seed,
                Math.max(1, steps / 20), 60);
    }

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    public static LabPreset named(String name) {
        LabPreset p = PRESETS.get(name);
        if (p == null) throw new UserError("unknown preset \"" + name + "\": choose one of " + String.join(", ", names()));
        return p;
    }

    /** The same sizes with another seed (the {@code --seed} flag): corpus, initial weights and training order follow it. */
    public LabPreset withSeed(long seed) {
        CorpusSpec c = corpus;
        TrainConfig t = training;
        return new LabPreset(name, new CorpusSpec(c.people(), c.controls(), c.frequencyScale(), c.frequencyCap(), seed), vocabSize, model,
                new TrainConfig(t.steps(), t.batchSize(), t.seq(), t.learningRate(), t.minLearningRate(), t.warmupSteps(),
                        t.weightDecay(), t.beta1(), t.beta2(), t.eps(), t.gradClip(), seed, t.evalEvery(), t.checkpointSeconds()),
                settings);
    }
}
