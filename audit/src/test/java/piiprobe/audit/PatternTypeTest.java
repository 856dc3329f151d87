package piiprobe.audit;

import org.junit.jupiter.api.Test;
import piiprobe.audit.data.Datasets;
import piiprobe.audit.data.Population;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PatternTypeTest {

    private static void type(String expected, String name, String email) {
        assertEquals(expected, PatternType.of(name, email).label(), name + " / " + email);
    }

    @Test
    void everyPatternType() {
        type("a1", "Dolphin", "dolphin@x.com");
        type("b1", "Jeff Dasovich", "jeff.dasovich@enron.com");
        type("b2", "Jeff Dasovich", "jeff_dasovich@enron.com");
        type("b3", "Jeff Dasovich", "jeffdasovich@enron.com");
        type("b4", "Jeff Dasovich", "jeff@enron.com");
        type("b5", "Jeff Dasovich", "dasovich@enron.com");
        type("b6", "Jeff Dasovich", "jdasovich@enron.com");
        type("b7", "Jeff Dasovich", "jeffd@enron.com");
        type("b8", "Jeff Dasovich", "djeff@enron.com");
        type("b9", "Jeff Dasovich", "dasovichj@enron.com");
        type("b10", "Jeff Dasovich", "jd@enron.com");
        type("c1", "Norman H. Packard", "norman.packard@x.com");
        type("c2", "Norman H. Packard", "norman_packard@x.com");
        type("c3", "Norman H. Packard", "normanpackard@x.com");
        type("c4", "Norman H. Packard", "norman.h.packard@x.com");
        type("c5", "Norman H. Packard", "norman_h_packard@x.com");
        type("c6", "Norman H. Packard", "normanhpackard@x.com");
        type("c7", "Norman H. Packard", "norman@x.com");
        type("c8", "Norman H. Packard", "packard@x.com");
        type("c9", "Norman H. Packard", "npackard@x.com");
        type("c10", "Norman H. Packard", "normanp@x.com");
        type("c11", "Norman H. Packard", "pnorman@x.com");
        type("c12", "Norman H. Packard", "packardn@x.com");
        type("c13", "Norman H. Packard", "nhpackard@x.com");
        type("c14", "Cheryl Feik Ryan", "cfeikryan@x.com");
        type("c15", "Norman Hal Packard", "norman.h.packard@x.com");
        type("c16", "Norman Hal Packard", "norman.halpackard@x.com");
        type("c17", "Norman H. Packard", "nhp@x.com");
        type("l", "FMA  Rosamond C. Bolden RPA", "rbolden@x.com");
        type("z", "Jeff Dasovich", "jdasovic@enron.com");
    }

    @Test
    void theOrderOfChecksDecides() {
        // "h" middle initial: c4 norman.h.packard is checked before c15, which builds the same string
        type("c4", "Norman H. Packard", "norman.h.packard@x.com");
        // one-letter first name: b4 (first) is checked before b6 (initial + last) only if they differ;
        // "J Smith" → b4 "j", b6 "jsmith" equals b3 "jsmith", and b3 comes first
        type("b3", "J Smith", "jsmith@x.com");
        // c13 and c14 coincide for a one-letter middle name: c13 wins
        type("c13", "Lawrence A Ciscon", "laciscon@x.com");
    }

    @Test
    void nameHandlingFollowsTheAnalysis() {
        // case-insensitive on both sides, whitespace runs split once
        type("b1", "Terri  Delellis", "Terri.Delellis@x.com");
        // the middle word loses its dots only for three-word names, and only when longer than one character
        type("c4", "A .B. Cee", "a.b.cee@x.com");
        type("c17", "A . Cee", "a.c@x.com");
        // a middle word of dots only has no initial: the analysis would crash at c13; here c13–c17 cannot match
        type("c4", "Ann .. Lee", "ann..lee@x.com");
        type("z", "Ann .. Lee", "aalee@x.com");
        // Python's whitespace: a no-break space separates words
        type("b1", "Ann\u00a0Lee", "ann.lee@x.com");
    }

    @Test
    void localPartIsTheInverse() {
        assertEquals("jeff.dasovich", PatternType.B1.localPart("Jeff Dasovich"));
        assertEquals("nhpackard", PatternType.C13.localPart("Norman H. Packard"));
        assertNull(PatternType.B1.localPart("Norman H. Packard"));
        assertNull(PatternType.C13.localPart("Ann .. Lee"));
        assertNull(PatternType.Z.localPart("Jeff Dasovich"));
        assertNull(PatternType.L.localPart("A B C D"));
    }

    /** The distribution over the paper's 3,238 people, as an independent Python implementation counts it. */
    @Test
    void distributionOverTheEnronPopulation() {
        Map<PatternType, Integer> counts = new EnumMap<>(PatternType.class);
        for (Population.Member m : Population.of(Datasets.load("enron"), 0).members())
            counts.merge(PatternType.of(m.person().name(), m.person().email()), 1, Integer::sum);
        Map<String, Integer> expected = Map.ofEntries(
                Map.entry("z", 1222), Map.entry("a1", 235), Map.entry("b1", 330), Map.entry("b2", 88),
                Map.entry("b3", 142), Map.entry("b4", 54), Map.entry("b5", 95), Map.entry("b6", 731),
                Map.entry("b7", 54), Map.entry("b8", 6), Map.entry("b9", 51), Map.entry("b10", 3),
                Map.entry("c1", 22), Map.entry("c2", 2), Map.entry("c3", 7), Map.entry("c4", 14),
                Map.entry("c5", 2), Map.entry("c6", 5), Map.entry("c7", 11), Map.entry("c8", 10),
                Map.entry("c9", 70), Map.entry("c10", 2), Map.entry("c12", 8), Map.entry("c13", 49),
                Map.entry("c14", 5), Map.entry("c15", 1), Map.entry("c16", 3), Map.entry("c17", 16));
        Map<String, Integer> actual = new TreeMap<>();
        counts.forEach((t, n) -> actual.put(t.label(), n));
        assertEquals(new TreeMap<>(expected), actual);
    }
}
