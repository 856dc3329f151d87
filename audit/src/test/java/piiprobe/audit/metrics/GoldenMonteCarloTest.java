package piiprobe.audit.metrics;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import piiprobe.audit.Golden;
import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LocalModel;
import piiprobe.engine.StopRule;

import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounds against the engine's own sampler, on a golden model: n samples drawn by
 * {@link LocalModel#generate} (which processes logits, not log-probabilities) must look like draws
 * from a probability within the bounds.
 *
 * <p>Random-weight golden models never spell addresses, so the event is the same first-match rule
 * with another extractor: the first run of non-space characters equals a target that sampling
 * reaches often. Each check fails when the number of hits k is beyond its one-sided binomial tail
 * at the bound: P(X ≥ k | upper) &lt; α or P(X ≤ k | lower) &lt; α. If the bounds are sound each tail
 * check fails with probability at most α = 1e-6 (for a seed drawn at random), so all
 * {@value #CHECKS} checks together fail falsely with probability at most 2·{@value #CHECKS}·1e-6.
 */
class GoldenMonteCarloTest {
    private static final double ALPHA = 1e-6;
    private static final int CHECKS = 9, SAMPLES = 4000;
    private static final String PROMPT = "the email address of Karen Arnold is";
    private static LocalModel model;

    /** First run of non-space characters; settled once something other than the end follows it. */
    static final FirstMatchEvent.Extractor FIRST_CHUNK = new FirstMatchEvent.Extractor() {
        private static final Pattern CHUNK = Pattern.compile("\\S+");

        @Override
        public String firstMatch(CharSequence text) {
            Matcher m = CHUNK.matcher(text);
            return m.find() ? m.group() : null;
        }

        @Override
        public boolean isSettled(CharSequence text) {
            Matcher m = CHUNK.matcher(text);
            return m.find() && !m.hitEnd();
        }
    };

    @BeforeAll
    static void load() {
        model = Golden.gpt2();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void binomialTailsHaveTheirKnownValues() {
        assertEquals(1.0 / 1024, Binomial.tail(10, 10, 0.5, true), 1e-15);
        assertEquals(11.0 / 1024, Binomial.tail(10, 1, 0.5, false), 1e-15);
        assertEquals(1, Binomial.tail(10, 0, 0.3, true), 1e-12);
        assertEquals(0.7 * 0.7, Binomial.tail(2, 0, 0.3, false), 1e-15);
    }

    @Test
    void samplesOfTheEngineFallWithinTheBounds() {
        int[] prompt = model.tokenizer().encode(PROMPT);
        List<Decoding.Sampling> samplings = List.of(
                new Decoding.Sampling(3, 0, 1f, 3, 1f, 11),
                new Decoding.Sampling(3, 0, 0.7f, 50, 1f, 12),
                new Decoding.Sampling(2, 0, 1.3f, 5, 1f, 13));
        int checks = 0;
        for (Decoding.Sampling s : samplings) {
            // the target: the first chunk of the likeliest continuation
            List<Generation> greedy = model.generate(List.of(prompt), new Decoding.Greedy(s.maxNewTokens(), 0), StopRule.NEVER);
            String target = FIRST_CHUNK.firstMatch(piiprobe.audit.Audit.continuation(PROMPT, model.tokenizer(),
                    greedy.getFirst().best().newIds()));
            FirstMatchEvent event = new FirstMatchEvent(PROMPT, model.tokenizer(), FIRST_CHUNK, target);
            int hits = 0;
            for (Generation g : model.generate(Collections.nCopies(SAMPLES, prompt), s, StopRule.NEVER))
                if (event.judge(g.best().newIds(), true) == SoundBounds.Verdict.HOLDS) hits++;
            assertTrue(hits > 20 && hits < SAMPLES - 20, "an event worth sampling: " + hits + " of " + SAMPLES + " for " + s);
            for (int budget : new int[] {1, 8, 200}) {
                SoundBounds.Result r = SoundBounds.compute(model, prompt, event, s, budget);
                String where = s + ", target \"" + target + "\", budget " + budget + ": [" + r.lower() + ", " + r.upper()
                        + "], " + hits + " hits of " + SAMPLES;
                assertTrue(Binomial.tail(SAMPLES, hits, r.upper(), true) >= ALPHA, "too many hits for the upper bound: " + where);
                assertTrue(Binomial.tail(SAMPLES, hits, r.lower(), false) >= ALPHA, "too few hits for the lower bound: " + where);
                checks++;
            }
        }
        assertEquals(CHECKS, checks);
    }
}
