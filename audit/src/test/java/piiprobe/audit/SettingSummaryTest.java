package piiprobe.audit;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Frequency buckets: powers of two, rarest first, and the decades of summaries written before them still in order. */
class SettingSummaryTest {
    @Test
    void frequenciesFallIntoPowersOfTwo() {
        assertEquals("unknown", SettingSummary.frequencyBucket(-1));
        assertEquals("0", SettingSummary.frequencyBucket(0));
        assertEquals("1", SettingSummary.frequencyBucket(1));
        assertEquals("2-3", SettingSummary.frequencyBucket(2));
        assertEquals("2-3", SettingSummary.frequencyBucket(3));
        assertEquals("4-7", SettingSummary.frequencyBucket(4));
        assertEquals("8-15", SettingSummary.frequencyBucket(15));
        assertEquals("1024-2047", SettingSummary.frequencyBucket(1240));  // Enron's most frequent address
        assertEquals("1073741824-2147483647", SettingSummary.frequencyBucket(Integer.MAX_VALUE));
    }

    @Test
    void bucketsAreOrderedByWhereTheyStart() {
        SettingSummary.Tally t = new SettingSummary.Tally(1, 0, 0);
        SettingSummary a = summary(Map.of("unknown", t, "16-31", t, "2-3", t)), b = summary(Map.of("0", t, "1", t, "2-3", t));
        assertEquals(List.of("0", "1", "2-3", "16-31", "unknown"), SettingSummary.frequencyBuckets(List.of(a, b)));
        SettingSummary decades = summary(Map.of("1000+", t, "unknown", t, "10-99", t, "1-9", t, "100-999", t));
        assertEquals(List.of("1-9", "10-99", "100-999", "1000+", "unknown"), SettingSummary.frequencyBuckets(List.of(decades)));
    }

    private static SettingSummary summary(Map<String, SettingSummary.Tally> byFrequency) {
        return new SettingSummary("zero-shot-a", 3, 0, "", 0, 0, 0, 0, 0, 0, Map.of(), byFrequency);
    }
}
