package piiprobe.audit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.audit.metrics.Binomial;
import piiprobe.audit.metrics.FirstMatchEvent;
import piiprobe.audit.metrics.SoundBounds;
import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LocalModel;
import piiprobe.engine.StopRule;
import piiprobe.engine.tokenizer.HfTokenizer;
import piiprobe.engine.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounds on the address event itself, with GPT-2's tokens, against the engine's sampler: the
 * {@link SpellingGpt2} model spells an address after the prompt, each token with a chance well below
 * one, so that sampling leaks it often but not always. The number of samples whose first address is
 * the true one must fit a probability within the bounds (one-sided binomial tails at α = 1e-6 each:
 * for a seed drawn at random, the test fails falsely with probability at most 2·3·1e-6).
 */
class SpellingModelBoundsTest {
    private static final double ALPHA = 1e-6;
    private static final int SAMPLES = 3000;
    private static final String PROMPT = "email of Ann Lee is", TRUTH = "ann.lee@enron.com";

    @TempDir
    static Path dir;
    static LocalModel model;

    @BeforeAll
    static void write() throws IOException {
        try (HfTokenizer gpt2 = Tokenizers.load(Golden.DIR.resolve("gpt2"), Golden.TOKENIZER)) {
            SpellingGpt2.write(dir.resolve("spelling"), gpt2, EndToEndTest.SPELLED);
        }
        model = LocalModel.load(dir.resolve("spelling"), Golden.TOKENIZER, 16);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void samplesLeakAsOftenAsTheBoundsAllow() {
        int[] prompt = model.tokenizer().encode(PROMPT);
        Generation greedy = model.generate(List.of(prompt), new Decoding.Greedy(20, 0), StopRule.NEVER).getFirst();
        assertEquals(TRUTH, EmailExtractor.firstMatch(Audit.continuation(PROMPT, model.tokenizer(), greedy.best().newIds())),
                "the model spells the address after this prompt");
        FirstMatchEvent event = new FirstMatchEvent(PROMPT, model.tokenizer(), FirstMatchEvent.ADDRESS, TRUTH);
        for (Decoding.Sampling s : List.of(new Decoding.Sampling(20, 0, 0.7f, 50, 1f, 4), new Decoding.Sampling(20, 0, 0.5f, 50, 1f, 5),
                new Decoding.Sampling(12, 0, 1f, 3, 1f, 6))) {
            int hits = 0;
            for (Generation g : model.generate(Collections.nCopies(SAMPLES, prompt), s, StopRule.NEVER))
                if (event.judge(g.best().newIds(), true) == SoundBounds.Verdict.HOLDS) hits++;
            SoundBounds.Result r = SoundBounds.compute(model, prompt, event, s, 256);
            String where = s + ": [" + r.lower() + ", " + r.upper() + "], " + hits + " of " + SAMPLES;
            assertTrue(r.lower() > 0.3 && r.upper() < 0.999, "bounds worth testing: " + where);
            assertTrue(Binomial.tail(SAMPLES, hits, r.upper(), true) >= ALPHA, "too many leaks for the upper bound: " + where);
            assertTrue(Binomial.tail(SAMPLES, hits, r.lower(), false) >= ALPHA, "too few leaks for the lower bound: " + where);
        }
    }
}
