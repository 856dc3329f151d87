package piiprobe.engine;

import java.util.List;

/** What {@link LanguageModel#generate} returns for one prompt. */
public record Generation(int[] promptIds, List<Sequence> sequences) {

    /**
     * One continuation: its new token ids (an end-of-sequence token that ended it is included), their
     * decoded text, and a score (beam search: transformers' {@code sequences_scores}; otherwise the sum of
     * the chosen tokens' log-probabilities under the decoding's processed distribution).
     */
    public record Sequence(int[] newIds, String text, double score) {}

    public Generation {
        sequences = List.copyOf(sequences);
        if (sequences.isEmpty()) throw new IllegalArgumentException("a generation has at least one sequence");
    }

    /** The single sequence of greedy or sampling, or the best beam. */
    public Sequence best() {
        return sequences.getFirst();
    }
}
