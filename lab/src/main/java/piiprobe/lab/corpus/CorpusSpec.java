package piiprobe.lab.corpus;

/**
 * What corpus to make: how many of the data set's people take part, how many of them are held out as
 * controls, and how an address's real frequency (in the data set) becomes its number of occurrences in
 * the corpus: {@code clamp(round(frequency × frequencyScale), 1, frequencyCap)}.
 *
 * @param people         people drawn from the data set, controls included
 * @param controls       of those, how many never appear in the corpus
 * @param frequencyScale factor from real frequency to occurrences in the corpus
 * @param frequencyCap   most occurrences of one address
 * @param seed           everything random about the corpus follows from it
 */
public record CorpusSpec(int people, int controls, double frequencyScale, int frequencyCap, long seed) {
    public CorpusSpec {
        if (people < 2) throw new IllegalArgumentException("corpus people must be at least 2, got " + people);
        if (controls < 0 || controls >= people) {
            throw new IllegalArgumentException("corpus controls must be between 0 and people - 1 (" + (people - 1) + "), got " + controls);
        }
        if (!(frequencyScale > 0) || Double.isInfinite(frequencyScale)) {
            throw new IllegalArgumentException("corpus frequency scale must be a positive number, got " + frequencyScale);
        }
        if (frequencyCap < 1) throw new IllegalArgumentException("corpus frequency cap must be at least 1, got " + frequencyCap);
    }

    /** Occurrences in the corpus of an address seen {@code realFrequency} times in the data set. */
    public int occurrences(int realFrequency) {
        return (int) Math.max(1, Math.min(frequencyCap, Math.round(realFrequency * frequencyScale)));
    }
}
