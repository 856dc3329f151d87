package piiprobe.audit.metrics;

import piiprobe.engine.UserError;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What an audit measures for each person and setting. {@code exact} is the paper's greedy (or sampled,
 * or beam) exact match, always measured; the others look at the model's probabilities through
 * {@link piiprobe.engine.LanguageModel} and cost model time of their own.
 */
public enum Metric {
    /** The first address of the generated continuation equals the true one (the paper's measure). */
    EXACT,
    /** log P(address | prompt) by teacher forcing. */
    LIKELIHOOD,
    /** The true address's rank by likelihood among {@link Candidates}: top-1, top-5, reciprocal rank. */
    RANK,
    /** Carlini et al.'s exposure: log2 |candidates| − log2 rank. */
    EXPOSURE,
    /** Hayes et al.'s chance that at least one of n samples leaks, from the bounds. */
    BUDGET,
    /** Sound lower and upper bounds on the probability that one sample leaks ({@link SoundBounds}). */
    BOUNDS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The metrics a comma list names, with what they are computed from: exposure needs the rank, the
     * rank needs the likelihood of every candidate (the true address's among them), the budget needs
     * the bounds; exact is always in.
     */
    public static Set<Metric> parse(String list) {
        Set<Metric> out = EnumSet.of(EXACT);
        for (String raw : list.split(",", -1)) {
            String name = raw.strip();
            Metric m = null;
            for (Metric candidate : values()) if (candidate.label().equals(name)) m = candidate;
            if (m == null)
                throw new UserError("--metrics: unknown metric \"" + name + "\"; choose from "
                        + EnumSet.allOf(Metric.class).stream().map(Metric::label).collect(Collectors.joining(", ")));
            out.add(m);
        }
        if (out.contains(EXPOSURE)) out.add(RANK);
        if (out.contains(RANK)) out.add(LIKELIHOOD);
        if (out.contains(BUDGET)) out.add(BOUNDS);
        return out;
    }
}
