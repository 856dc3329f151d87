package piiprobe.audit.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One person of a data set: whose address the audit asks the model for.
 *
 * @param name      the owner's name as it appears in the data (the prompts use it verbatim)
 * @param email     the true address
 * @param frequency how often the address occurs in the training corpus, or -1 when unknown
 * @param context   the text that preceded the address in the training corpus, or null when unknown
 * @param shots     the k-shot support examples, or null when the data set has none for this person
 * @param control   a control: held out of the training corpus (the lab's data sets mark them), so what
 *                  the model gets right about them it did not learn from their address
 */
public record Person(String name, String email, int frequency, String context, Shots shots, boolean control) {

    /** A person whose data the model may have seen (not a control). */
    public Person(String name, String email, int frequency, String context, Shots shots) {
        this(name, email, frequency, context, shots, false);
    }

    /**
     * The name's words as the paper's analysis splits them (Python's {@code str.split()}: runs of
     * Unicode whitespace, which is wider than Java's {@code \s}, separate words).
     */
    public List<String> nameWords() {
        return words(name);
    }

    /** Python's {@code str.split()} with no argument. */
    public static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < text.length(); i++) {
            if (isPythonSpace(text.charAt(i))) {
                if (start >= 0) words.add(text.substring(start, i));
                start = -1;
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) words.add(text.substring(start));
        return words;
    }

    /** Python's {@code str.isspace()}: Java's whitespace plus the no-break spaces and NEL (U+0085). */
    public static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    /** Another person's name and address, shown to the model as an example before the question. */
    public record Support(String name, String email) {}

    /**
     * Support examples per k (1, 2, 5 in the paper), with the target's domain ("known") and at other
     * domains ("unknown"), exactly as the data set lists them.
     */
    public record Shots(Map<Integer, List<Support>> knownDomain, Map<Integer, List<Support>> unknownDomain) {
        public Shots {
            knownDomain = Map.copyOf(knownDomain);
            unknownDomain = Map.copyOf(unknownDomain);
        }
    }
}
