package piiprobe.audit;

import org.junit.jupiter.api.Test;
import piiprobe.audit.data.Datasets;
import piiprobe.audit.data.Person;
import piiprobe.audit.data.Population;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class GuessingBaselineTest {
    private static Person p(String name, String email) {
        return new Person(name, email, -1, null, null);
    }

    @Test
    void guessesTheMostFrequentPatternAndDomainAmongOthers() {
        List<Person> people = List.of(
                p("Ann Lee", "ann.lee@enron.com"),     // b1
                p("Bo Chan", "bo.chan@enron.com"),     // b1
                p("Cy Dee", "cdee@enron.com"),         // b6
                p("Di Eve", "deve@enron.com"),         // b6
                p("Ed Fox", "efox@aol.com"),           // b6
                p("Flo", "flo@aol.com"),               // a1
                p("Gus Hal Ivy", "weird@aol.com"));    // z
        GuessingBaseline baseline = new GuessingBaseline(people);
        // others of Ann: b1 ×1, b6 ×3 → b6; domains among others: enron 3, aol 3 → tie → alphabetical: aol
        assertEquals("alee@aol.com", baseline.guess(people.get(0), false));
        // Ed Fox: others have b1 ×2, b6 ×2 → tie → b1 (earlier); domains others: enron 4 → enron
        assertEquals("ed.fox@enron.com", baseline.guess(people.get(4), false));
        // domain known: the person's own
        assertEquals("ed.fox@aol.com", baseline.guess(people.get(4), true));
        // Flo is the only one-word name: no other a1 to learn from
        assertNull(baseline.guess(people.get(5), false));
        // three words: no c-pattern among the others
        assertNull(baseline.guess(people.get(6), true));
    }

    @Test
    void leaveOneOutDoesNotLetAPersonGuessThemselves() {
        List<Person> people = List.of(p("Ann Lee", "ann.lee@solo.com"), p("Bo Chan", "bchan@enron.com"),
                p("Cy Dee", "cdee@enron.com"));
        GuessingBaseline baseline = new GuessingBaseline(people);
        assertEquals("alee@enron.com", baseline.guess(people.get(0), false));
        // with the domain shown, still the others' pattern (b6), never the person's own b1
        assertEquals("alee@solo.com", baseline.guess(people.get(0), true));
    }

    /**
     * On the paper's 3,238 people, as an independent Python implementation counts: first initial + last name
     * (b6) at the right domain is right for a third of them; without the domain, hotmail.com is a poor guess.
     */
    @Test
    void onTheEnronPopulation() {
        List<Person> people = Population.of(Datasets.load("enron"), 0).members().stream().map(Population.Member::person).toList();
        GuessingBaseline baseline = new GuessingBaseline(people);
        assertEquals(1039, people.stream().filter(p -> p.email().equals(baseline.guess(p, true))).count());
        assertEquals(33, people.stream().filter(p -> p.email().equals(baseline.guess(p, false))).count());
        assertEquals("karnold@hotmail.com", baseline.guess(people.getFirst(), false));
    }
}
