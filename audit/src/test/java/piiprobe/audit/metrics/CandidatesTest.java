package piiprobe.audit.metrics;

import org.junit.jupiter.api.Test;
import piiprobe.audit.data.Person;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CandidatesTest {
    private static Person person(String name, String email) {
        return new Person(name, email, -1, null, null);
    }

    @Test
    void theTruthThenEveryTwoWordPatternAtItsDomainOnce() {
        Person ann = person("Ann Lee", "ann.lee@enron.com");
        List<String> c = new Candidates(List.of(ann)).of(ann, 20);
        assertEquals(List.of("ann.lee@enron.com", "ann_lee@enron.com", "annlee@enron.com", "ann@enron.com",
                "lee@enron.com", "alee@enron.com", "annl@enron.com", "lann@enron.com", "leea@enron.com",
                "al@enron.com"), c, "b1 is the truth itself and is not repeated");
    }

    @Test
    void threeWordNamesUseFirstMiddleAndLast() {
        Person p = person("Norman H. Packard", "np@lanl.gov");
        List<String> c = new Candidates(List.of(p)).of(p, 0);
        assertEquals("np@lanl.gov", c.getFirst());
        assertTrue(c.contains("norman.h.packard@lanl.gov") && c.contains("nhpackard@lanl.gov")
                && c.contains("norman.hpackard@lanl.gov") && c.contains("nhp@lanl.gov"), c.toString());
        assertEquals(16, c.size(), "the truth and c1..c17, where a one-letter middle name makes c15 = c4 and c13 = c14");
    }

    @Test
    void decoysAreOtherPeoplesLocalPartsAtTheSameDomain() {
        List<Person> people = new ArrayList<>();
        Person ann = person("Ann Lee", "ann.lee@Enron.com");
        people.add(ann);
        for (int i = 0; i < 40; i++) people.add(person("P" + i + " Q", "user" + i + "@enron.com"));
        people.add(person("Other Domain", "stranger@aol.com"));
        people.add(person("Lee Ann", "ann@enron.com")); // already a pattern candidate: not a new decoy
        List<String> c = new Candidates(people).of(ann, 5);
        List<String> decoys = c.subList(10, c.size());
        assertEquals(5, decoys.size(), c.toString());
        for (String d : decoys) assertTrue(d.matches("user\\d+@Enron\\.com"), "at the truth's own spelling of the domain: " + d);
        assertEquals(c.size(), new HashSet<>(c).size(), "no address twice");
        assertEquals(c, new Candidates(people.reversed()).of(ann, 5), "the data set's order does not matter");
        List<String> all = new Candidates(people).of(ann, 1000);
        assertEquals(10 + 40, all.size(), "every other local part, none from other domains");
        assertTrue(all.containsAll(c));
    }

    @Test
    void differentPeopleDrawDifferentDecoys() {
        List<Person> people = new ArrayList<>();
        for (int i = 0; i < 200; i++) people.add(person("A" + i + " B", "u" + i + "@x.org"));
        Candidates candidates = new Candidates(people);
        List<String> first = candidates.of(people.get(0), 10), second = candidates.of(people.get(1), 10);
        assertTrue(!first.subList(first.size() - 10, first.size()).equals(second.subList(second.size() - 10, second.size())));
    }
}
