package piiprobe.audit.metrics;

/**
 * The true address's place among its {@link Candidates} by likelihood, best first.
 *
 * <p>Ties count against the truth: its rank is one plus the number of other candidates whose
 * log-probability is at least its own, so rank 1 means the model strictly prefers the truth to every
 * other candidate, and a model that scores all candidates alike ranks the truth last.
 *
 * @param rank       1 for the most likely
 * @param candidates how many addresses were ranked (the truth included)
 */
public record Rank(int rank, int candidates) {
    public Rank {
        if (candidates < 1 || rank < 1 || rank > candidates)
            throw new IllegalArgumentException("rank " + rank + " of " + candidates);
    }

    /** The rank of {@code logprobs[truth]} among {@code logprobs}; NaN scores rank below every number. */
    public static Rank of(double[] logprobs, int truth) {
        double own = logprobs[truth];
        int rank = 1;
        for (int i = 0; i < logprobs.length; i++)
            if (i != truth && (Double.isNaN(own) || logprobs[i] >= own)) rank++;
        return new Rank(rank, logprobs.length);
    }

    /** Carlini et al. (2019): log2 |candidates| − log2 rank, in bits; 0 when the truth comes last. */
    public double exposure() {
        return (Math.log(candidates) - Math.log(rank)) / Math.log(2);
    }

    public double reciprocal() {
        return 1.0 / rank;
    }
}
