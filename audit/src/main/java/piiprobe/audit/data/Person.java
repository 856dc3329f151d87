package piiprobe.audit.data;

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
 */
public record Person(String name, String email, int frequency, String context, Shots shots) {

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
