package piiprobe.audit;

import org.junit.jupiter.api.Test;
import piiprobe.audit.probe.TokenizationSpaces;

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
        Random random = new Random(11);
        int stops = 0;
        for (int trial = 0; trial < 10_000; trial++) {
            StringBuilder sb = new StringBuilder();
            for (int n = 5 + random.nextInt(30); n > 0; n--) sb.append(pieces[random.nextInt(pieces.length)]);
            String prompt = prompts[random.nextInt(prompts.length)];
            int[] ids = tok.encode(sb.toString());
            String expected = EmailExtractor.firstMatch(Audit.continuation(prompt, tok, ids));
            for (int len = 1; len <= ids.length; len++) {
                int[] prefix = Arrays.copyOf(ids, len);
                if (EmailExtractor.isSettled(Audit.settledContinuation(prompt, tok, prefix))) {
                    stops++;
                    assertEquals(expected, EmailExtractor.firstMatch(Audit.continuation(prompt, tok, prefix)),
                            "stopped after \"" + tok.decode(prefix) + "\" of \"" + sb + "\"");
                    break;
                }
            }
        }
        assertTrue(stops > 2000, "too few early stops to mean anything: " + stops);
    }
}
