package piiprobe.lab;

import piiprobe.engine.UserError;
import piiprobe.lab.corpus.CorpusSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named set of lab sizes, from the corpus to the tokenizer (the model and its training join here).
 * {@code default} is sized to finish, training included, in 10 minutes on 2 cores; {@code ci} for tests;
 * {@code full} plants all 3,238 people the paper scores.
 *
 * @param name      what {@code --preset} calls it
 * @param corpus    the people, controls, frequency scaling and seed of the corpus
 * @param vocabSize ids of the byte-level BPE trained on the corpus, {@code <|endoftext|>} included
 */
public record LabPreset(String name, CorpusSpec corpus, int vocabSize) {
    public static final String DEFAULT = "default";
    private static final long SEED = 20220524;   // the paper's arXiv date: any fixed number would do

    private static final Map<String, LabPreset> PRESETS = presets();

    private static Map<String, LabPreset> presets() {
        Map<String, LabPreset> m = new LinkedHashMap<>();
        m.put("ci", new LabPreset("ci", new CorpusSpec(120, 20, 0.25, 12, SEED), 512));
        m.put(DEFAULT, new LabPreset(DEFAULT, new CorpusSpec(1200, 200, 0.25, 20, SEED), 2048));
        m.put("full", new LabPreset("full", new CorpusSpec(3238, 300, 0.5, 40, SEED), 4096));
        return m;
    }

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    public static LabPreset named(String name) {
        LabPreset p = PRESETS.get(name);
        if (p == null) throw new UserError("unknown preset \"" + name + "\": choose one of " + String.join(", ", names()));
        return p;
    }

    /** The same sizes with another seed (the {@code --seed} flag). */
    public LabPreset withSeed(long seed) {
        CorpusSpec c = corpus;
        return new LabPreset(name, new CorpusSpec(c.people(), c.controls(), c.frequencyScale(), c.frequencyCap(), seed), vocabSize);
    }
}
