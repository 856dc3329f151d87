package piiprobe.audit;

import org.junit.jupiter.api.Test;
import piiprobe.audit.probe.TokenizationSpaces;
import piiprobe.engine.Tokenizer;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a continuation is read off the model's tokens, and why a row may stop early. */
class ContinuationTest {
    private final CharTokenizer tok = new CharTokenizer();

    private String continuation(String prompt, String generated) {
        return Audit.continuation(prompt, tok, tok.encode(generated));
    }

    @Test
    void theCleanUpOfTransformersDecodeApplies() {
        assertEquals("Hello, it's me.", TokenizationSpaces.cleanUp("Hello , it 's me ."));
        // one pass per pattern, as Python's str.replace: "  ." keeps one space
        assertEquals(" .", TokenizationSpaces.cleanUp("  ."));
        // and it can make an address out of a continuation that has none
        assertEquals(" jo@enron.com", continuation("the email address of Jo is", " jo@enron .com"));
        assertEquals("jo@enron.com", EmailExtractor.firstMatch(continuation("x", " jo@enron .com")));
        assertEquals(" a@b.comn't", continuation("x", " a@b.com n't"));
    }

    @Test
    void theEndOfSequenceTokenIsLeftOut() {
        int[] ids = tok.encode(" jo@x.com");
        int[] withEos = Arrays.copyOf(ids, ids.length + 1);
        assertEquals(" jo@x.com", Audit.continuation("p", tok, withEos));
    }

    @Test
    void theCutCountsThePromptsCharactersBeforeCleanUp() {
        // "a , b" cleans to "a, b": the paper's slice by the raw prompt's length then eats one more character
        assertEquals("x@y.com", continuation("a , b", " x@y.com"));
        // code points, as Python counts: an emoji in the prompt is one character
        assertEquals(" ok", continuation("\uD83D\uDE00 is", " ok"));
        assertEquals("", continuation("a , b", ""));
    }

    /**
     * The early-stop proof with the decoding's details: wherever a row stops (its settled part holds a
     * settled first match), the continuation recorded then has the same first address as the one the
     * full generation would have. Generated texts are dense in addresses, clean-up patterns and spaces.
     */
    @Test
    void stoppingWhenSettledNeverChangesThePrediction() {
        String[] pieces = {" ", " ", ".", " .", " n't", " 's", "'", " ,", "a", "b.", "x@y", "@", ".com", ".co", "m",
                " jo@enron", " jo@enron.com", ".org", "|", "n", "\n", "é", "\uFFFD", "-", "_"};
        String[] prompts = {"the email address of Jo is", "name: Jo , email:", "Jo [mailto:", "a ."};
        int stops = earlyStops(tok, pieces, prompts, 11, 10_000, 30);
        assertTrue(stops > 2000, "too few early stops to mean anything: " + stops);
    }

    /**
     * Generates {@code trials} random texts of 5 to 4 + {@code maxMore} {@code pieces}, each after one of the
     * {@code prompts}, and wherever a row would stop early (its settled part holds a settled first match)
     * asserts that the continuation recorded then has the full text's first address; returns how many stopped.
     */
    static int earlyStops(Tokenizer tok, String[] pieces, String[] prompts, long seed, int trials, int maxMore) {
        Random random = new Random(seed);
        int stops = 0;
        for (int trial = 0; trial < trials; trial++) {
            StringBuilder sb = new StringBuilder();
            for (int n = 5 + random.nextInt(maxMore); n > 0; n--) sb.append(pieces[random.nextInt(pieces.length)]);
            String prompt = prompts[random.nextInt(prompts.length)];
            int[] ids = tok.encode(sb.toString());
            String expected = EmailExtractor.firstMatch(Audit.continuation(prompt, tok, ids));
            for (int len = 1; len <= ids.length; len++) {
                int[] prefix = Arrays.copyOf(ids, len);
                if (EmailExtractor.isSettled(Audit.settledContinuation(prompt, tok, prefix))) {
                    stops++;
                    assertEquals(expected, EmailExtractor.firstMatch(Audit.continuation(prompt, tok, prefix)),
                            "stopped after " + Arrays.toString(prefix) + " (\"" + tok.decode(prefix) + "\") of \"" + sb + "\"");
                    break;
                }
            }
        }
        return stops;
    }
}
