package piiprobe.lab.corpus;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.audit.data.Person;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorpusGeneratorTest {
    /** The paper's extraction regex, as the audit applies it. */
    static final Pattern EMAIL = Pattern.compile("\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Z|a-z]{2,}\\b");
    static final CorpusSpec SPEC = new CorpusSpec(400, 60, 0.25, 15, 99);
    static Corpus corpus;

    @BeforeAll
    static void generate() {
        corpus = CorpusGenerator.generate(EnronPeople.all(), SPEC);
    }

    @Test
    void plantsTheChosenNumberOfPeopleAndControls() {
        assertEquals(SPEC.people() - SPEC.controls(), corpus.planted().size());
        assertEquals(SPEC.controls(), corpus.controls().size());
        Set<String> planted = emails(corpus.planted());
        for (Person c : corpus.controls()) assertFalse(planted.contains(c.email().toLowerCase(Locale.ROOT)));
    }

    @Test
    void everyAddressInTheCorpusIsPlantedAndOccursExactlyAsOftenAsTheSpecSays() {
        Map<String, Integer> counted = new HashMap<>();
        for (String doc : corpus.documents()) {
            Matcher m = EMAIL.matcher(doc);
            while (m.find()) counted.merge(m.group(), 1, Integer::sum);
        }
        Map<String, Integer> expected = new HashMap<>();
        for (Person p : corpus.planted()) expected.put(p.email(), SPEC.occurrences(p.frequency()));
        assertEquals(expected, counted);
        assertEquals(expected.values().stream().mapToInt(Integer::intValue).sum(), corpus.occurrences().size());
    }

    @Test
    void frequenciesSpanTheScaledRange() {
        Set<Integer> seen = new HashSet<>();
        for (Person p : corpus.planted()) seen.add(SPEC.occurrences(p.frequency()));
        assertTrue(seen.contains(1) && seen.contains(SPEC.frequencyCap()) && seen.size() >= 8, "targets " + seen);
    }

    @Test
    void everyOccurrenceIsRecordedWhereItsAddressStarts() {
        for (Corpus.Occurrence o : corpus.occurrences()) {
            String email = corpus.planted().get(o.person()).email();
            assertTrue(corpus.documents().get(o.document()).startsWith(email, o.offset()), o.toString());
            assertEquals(corpus.documents().get(o.document()).substring(0, o.offset()), corpus.context(o, Integer.MAX_VALUE));
            String context = corpus.context(o, 300);
            assertTrue(context.length() <= 300);
            assertTrue(corpus.documents().get(o.document()).startsWith(context + email, o.offset() - context.length()));
        }
        for (Corpus.Occurrence o : corpus.heldOutOccurrences()) {
            String email = corpus.controls().get(o.person()).email();
            assertTrue(corpus.heldOutDocuments().get(o.document()).startsWith(email, o.offset()), o.toString());
        }
    }

    @Test
    void controlsNeverAppearInTheTrainingCorpus() {
        String all = String.join("\n", corpus.documents());
        String lower = all.toLowerCase(Locale.ROOT);
        Set<String> plantedNames = new HashSet<>();
        for (Person p : corpus.planted()) plantedNames.add(p.name().toLowerCase(Locale.ROOT));
        int namesChecked = 0;
        for (Person c : corpus.controls()) {
            assertFalse(lower.contains(c.email().toLowerCase(Locale.ROOT)), c.email());
            String name = c.name().strip();
            // A name of one word, or one inside a planted person's name, can occur by coincidence.
            boolean distinctive = name.contains(" ") && plantedNames.stream().noneMatch(n -> n.contains(name.toLowerCase(Locale.ROOT)));
            if (distinctive) {
                namesChecked++;
                assertFalse(all.contains(name), name);
            }
        }
        assertTrue(namesChecked > SPEC.controls() / 2, "names checked: " + namesChecked);
    }

    @Test
    void controlsAppearInTheHeldOutCorpusAsPlantedPeopleDoInTheTrainingOne() {
        Map<Integer, Integer> perControl = new HashMap<>();
        for (Corpus.Occurrence o : corpus.heldOutOccurrences()) perControl.merge(o.person(), 1, Integer::sum);
        for (int j = 0; j < corpus.controls().size(); j++) {
            assertEquals(SPEC.occurrences(corpus.controls().get(j).frequency()), perControl.get(j), corpus.controls().get(j).email());
        }
        Set<String> plantedEmails = emails(corpus.planted());
        for (String doc : corpus.heldOutDocuments()) {
            Matcher m = EMAIL.matcher(doc);
            while (m.find()) assertFalse(plantedEmails.contains(m.group().toLowerCase(Locale.ROOT)), m.group());
        }
    }

    @Test
    void usesEveryKindOfDocumentTheIssueNames() {
        String all = String.join("\n", corpus.documents());
        for (String marker : new String[]{"\nFrom: ", "-----Original Message-----\nFrom: ", "-----Original Message-----\nFrom:\t",
                "---------------------- Forwarded by ", " wrote:\n> ", "\nContacts:\n", "\nSubject: RE: ", "\nSubject: FW: "}) {
            assertTrue(all.contains(marker), marker);
        }
        assertTrue(Pattern.compile("-----Original Message-----\nFrom: [^\n\\[]+ \\[mailto:[^\\]\n]+]\n").matcher(all).find(),
                "the issue's Outlook header");
        assertTrue(Pattern.compile("\nFrom: [^\n<]+ <[^>\n]+>\n").matcher(all).find(), "the issue's From header");
        long withSignatureAddress = corpus.occurrences().stream()
                .filter(o -> corpus.context(o, 40).matches("(?s).*\\(\\d{3}\\) \\d{3}-\\d{4}\n")).count();
        assertTrue(withSignatureAddress > 0, "signatures that end with the address");
    }

    @Test
    void proseIsVariedEnoughToLearnFrom() {
        // Lines of prose (not headers, not quotes): most must be unique, and the vocabulary rich.
        List<String> lines = new ArrayList<>();
        Set<String> words = new HashSet<>();
        for (String doc : corpus.documents()) {
            for (String line : doc.split("\n")) {
                if (line.length() > 40 && !line.contains(":") && !line.startsWith(">")) lines.add(line);
                for (String w : line.split("[^A-Za-z]+")) words.add(w.toLowerCase(Locale.ROOT));
            }
        }
        long distinct = lines.stream().distinct().count();
        assertTrue(lines.size() > 1000, "prose lines: " + lines.size());
        assertTrue(distinct > 0.9 * lines.size(), distinct + " distinct of " + lines.size());
        assertTrue(words.size() > 1500, "distinct words: " + words.size());
        assertEquals(corpus.documents().size(), new HashSet<>(corpus.documents()).size(), "no document twice");
    }

    @Test
    void theSameSeedGivesTheSameCorpusAndAnotherSeedAnother() {
        Corpus again = CorpusGenerator.generate(EnronPeople.all(), SPEC);
        assertEquals(corpus.documents(), again.documents());
        assertEquals(corpus.occurrences(), again.occurrences());
        assertEquals(corpus.heldOutDocuments(), again.heldOutDocuments());
        Corpus other = CorpusGenerator.generate(EnronPeople.all(), new CorpusSpec(400, 60, 0.25, 15, 100));
        assertNotEquals(corpus.documents().get(0), other.documents().get(0));
        assertNotEquals(emails(corpus.controls()), emails(other.controls()));
    }

    @Test
    void plantsOnlyPeopleTheAuditScores() {
        List<Person> eligible = CorpusGenerator.eligible(EnronPeople.all());
        assertEquals(3238, eligible.size(), "the paper's denominator");
        for (Person p : corpus.planted()) {
            assertTrue(p.name().strip().split("\\s+").length <= 3 && p.shots() != null && p.frequency() >= 1, p.name());
        }
    }

    @Test
    void worksWithPeopleBuiltByHand() {
        List<Person> people = new ArrayList<>();
        Random rnd = new Random(1);
        for (int i = 0; i < 12; i++) {
            people.add(new Person("Person Number" + (char) ('A' + i), "p" + i + "@example" + (i % 3) + ".com",
                    1 + rnd.nextInt(40), null, new Person.Shots(Map.of(), Map.of())));
        }
        Corpus small = CorpusGenerator.generate(people, new CorpusSpec(12, 2, 0.5, 10, 5));
        assertEquals(10, small.planted().size());
        int total = small.planted().stream().mapToInt(p -> small.spec().occurrences(p.frequency())).sum();
        assertEquals(total, small.occurrences().size());
    }

    @Test
    void writesTheDocumentsAsJsonlForTheOwnerOnly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("corpus.jsonl");
        corpus.write(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        List<String> lines = Files.readAllLines(file);
        ObjectMapper mapper = new ObjectMapper();
        List<String> read = new ArrayList<>();
        for (String line : lines) read.add(mapper.readTree(line).get("text").asText());
        assertEquals(corpus.documents(), read);
    }

    @Test
    void aFileThatCannotBeWrittenIsAUserErrorNamingIt(@TempDir Path dir) throws IOException {
        Path blocker = Files.writeString(dir.resolve("not-a-folder"), "x");
        UserError e = assertThrows(UserError.class, () -> corpus.write(blocker.resolve("corpus.jsonl")));
        assertEquals("cannot create the folder " + blocker + ": " + blocker + " is a file", e.getMessage());
    }

    @Test
    void refusesToPlantMorePeopleThanTheDataSetHas() {
        UserError e = assertThrows(UserError.class,
                () -> CorpusGenerator.generate(EnronPeople.all(), new CorpusSpec(5000, 10, 1, 10, 1)));
        assertTrue(e.getMessage().contains("5000") && e.getMessage().contains("3238"), e.getMessage());
    }

    @Test
    void refusesNonsenseSizes() {
        assertThrows(IllegalArgumentException.class, () -> new CorpusSpec(1, 0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CorpusSpec(10, 10, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CorpusSpec(10, -1, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CorpusSpec(10, 1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CorpusSpec(10, 1, Double.NaN, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CorpusSpec(10, 1, 1, 0, 0));
    }

    @Test
    void scalesAndCapsFrequencies() {
        CorpusSpec s = new CorpusSpec(10, 1, 0.25, 20, 0);
        assertEquals(1, s.occurrences(1));
        assertEquals(1, s.occurrences(2));    // 0.5 rounds up
        assertEquals(3, s.occurrences(12));
        assertEquals(20, s.occurrences(80));
        assertEquals(20, s.occurrences(1240));
    }

    static Set<String> emails(List<Person> people) {
        Set<String> out = new HashSet<>();
        for (Person p : people) out.add(p.email().toLowerCase(Locale.ROOT));
        return out;
    }
}
