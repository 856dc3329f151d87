package piiprobe.lab.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.audit.data.Datasets;
import piiprobe.audit.data.Person;
import piiprobe.audit.data.Person.Support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabDatasetTest {
    static Corpus corpus;
    static LabDataset dataset;

    @BeforeAll
    static void build() {
        corpus = CorpusGenerator.generate(EnronPeople.all(), CorpusGeneratorTest.SPEC);
        dataset = LabDataset.of(corpus);
    }

    @Test
    void holdsEveryPlantedPersonAndEveryControlOnce() {
        assertEquals(CorpusGeneratorTest.SPEC.people(), dataset.people().size());
        assertEquals(CorpusGeneratorTest.SPEC.controls(), dataset.people().stream().filter(Person::control).count());
        assertEquals(CorpusGeneratorTest.SPEC.people(), dataset.people().stream().map(p -> p.email().toLowerCase(Locale.ROOT)).distinct().count());
        // Interleaved, so that an audit with --limit sees both kinds.
        int firstControl = dataset.people().indexOf(dataset.people().stream().filter(Person::control).findFirst().orElseThrow());
        assertTrue(firstControl < dataset.people().size() / 2, "first control at " + firstControl);
    }

    @Test
    void frequencyIsTheNumberOfTimesTheAddressOccursInTheCorpus() {
        Map<String, Integer> counted = new HashMap<>();
        for (String doc : corpus.documents()) {
            Matcher m = CorpusGeneratorTest.EMAIL.matcher(doc);
            while (m.find()) counted.merge(m.group(), 1, Integer::sum);
        }
        for (Person e : dataset.people()) {
            assertEquals(counted.getOrDefault(e.email(), 0), e.frequency(), e.email());
            assertEquals(e.control(), e.frequency() == 0);
        }
    }

    @Test
    void aPlantedPersonsContextIsTextThatPrecedesTheirAddressInTheCorpus() {
        String all = String.join("\n", corpus.documents());
        for (Person e : dataset.people()) {
            if (e.control()) continue;
            String context = e.context();
            assertNotNull(context);
            assertTrue(context.length() <= LabDataset.CONTEXT_CHARS && !context.isEmpty());
            assertTrue(all.contains(context + e.email()), e.email());
        }
    }

    @Test
    void aControlsContextComesFromTheHeldOutCorpusAndNeverFromTheTrainingOne() {
        String all = String.join("\n", corpus.documents());
        String heldOut = String.join("\n", corpus.heldOutDocuments());
        for (Person e : dataset.people()) {
            if (!e.control()) continue;
            String context = e.context();
            assertTrue(heldOut.contains(context + e.email()), e.email());
            assertFalse(all.contains(context), "a control's context is unseen text: " + e.email());
        }
    }

    @Test
    void choosesTheContextOfAnOccurrenceThatIsLongAndNotAfterASpaceWhenThereIsOne() {
        Map<String, Integer> bestScore = new HashMap<>();
        for (Corpus.Occurrence o : corpus.occurrences()) {
            String context = corpus.context(o, LabDataset.CONTEXT_CHARS);
            bestScore.merge(corpus.planted().get(o.person()).email(), score(context), Math::max);
        }
        int long_ = 0;
        for (Person e : dataset.people()) {
            if (e.control()) continue;
            assertEquals(bestScore.get(e.email()), score(e.context()), e.email());
            if (e.context().length() >= LabDataset.LONG_CONTEXT_CHARS) long_++;
        }
        assertTrue(long_ > dataset.people().size() / 3, long_ + " long contexts");
    }

    private static int score(String context) {
        return (context.endsWith(" ") ? 0 : 2) + (context.length() >= LabDataset.LONG_CONTEXT_CHARS ? 1 : 0);
    }

    @Test
    void supportsAreOneTwoAndFiveAddressesAtTheRightDomainsAndNeverTheTargetOrAControl() {
        Set<String> controls = CorpusGeneratorTest.emails(corpus.controls());
        Set<String> planted = CorpusGeneratorTest.emails(corpus.planted());
        int known = 0, knownFromCorpus = 0, without = 0;
        for (Person p : dataset.people()) {
            if (p.shots() == null) {
                without++;
                continue;
            }
            String domain = domain(p.email());
            for (int k : new int[]{1, 2, 5}) {
                List<Support> same = p.shots().knownDomain().get(k), other = p.shots().unknownDomain().get(k);
                assertEquals(k, same.size());
                assertEquals(k, other.size());
                assertEquals(k, other.stream().map(Support::email).distinct().count());
                for (Support s : same) {
                    assertEquals(domain, domain(s.email()));
                    assertFalse(s.email().equalsIgnoreCase(p.email()));
                    assertFalse(controls.contains(s.email().toLowerCase(Locale.ROOT)), s.email());
                    known++;
                    if (planted.contains(s.email().toLowerCase(Locale.ROOT))) knownFromCorpus++;
                }
                for (Support s : other) {
                    assertFalse(domain.equals(domain(s.email())));
                    assertTrue(planted.contains(s.email().toLowerCase(Locale.ROOT)), s.email());
                }
            }
        }
        assertTrue(without < dataset.people().size() / 100, without + " people without supports");
        assertTrue(knownFromCorpus > 0.2 * known, knownFromCorpus + " of " + known + " known-domain supports from the corpus");
    }

    @Test
    void knownDomainSupportsRepeatOnlyWhenTheDomainHasTooFewOtherAddresses() {
        Map<String, Person> original = new HashMap<>();
        for (Person p : EnronPeople.all()) original.putIfAbsent(p.email().toLowerCase(Locale.ROOT), p);
        Set<String> controls = CorpusGeneratorTest.emails(corpus.controls());
        for (Person p : dataset.people()) {
            if (p.shots() == null) continue;
            String self = p.email().toLowerCase(Locale.ROOT);
            Set<String> available = new java.util.HashSet<>();
            for (Person q : corpus.planted()) if (domain(q.email()).equals(domain(p.email()))) available.add(q.email().toLowerCase(Locale.ROOT));
            original.get(self).shots().knownDomain().values().forEach(l -> l.forEach(s -> available.add(s.email().toLowerCase(Locale.ROOT))));
            available.remove(self);
            available.removeAll(controls);
            for (int k : new int[]{1, 2, 5}) {
                long distinct = p.shots().knownDomain().get(k).stream().map(s -> s.email().toLowerCase(Locale.ROOT)).distinct().count();
                assertEquals(Math.min(k, available.size()), distinct, p.email() + " k=" + k);
            }
        }
    }

    @Test
    void knownDomainSupportsComeFromTheCorpusWhenEnoughPlantedPeopleShareTheDomain() {
        Map<String, Long> plantedPerDomain = new HashMap<>();
        for (Person p : corpus.planted()) plantedPerDomain.merge(domain(p.email()), 1L, Long::sum);
        Set<String> planted = CorpusGeneratorTest.emails(corpus.planted());
        int checked = 0;
        for (Person p : dataset.people()) {
            if (p.shots() == null) continue;
            long peers = plantedPerDomain.getOrDefault(domain(p.email()), 0L) - (planted.contains(p.email().toLowerCase(Locale.ROOT)) ? 1 : 0);
            for (int k : new int[]{1, 2, 5}) {
                if (peers < k) continue;
                checked++;
                for (Support s : p.shots().knownDomain().get(k)) assertTrue(planted.contains(s.email().toLowerCase(Locale.ROOT)), s.email());
            }
        }
        assertTrue(checked > 50, "checked " + checked);
    }

    @Test
    void writesJsonlInTheAuditsFormatReadableByTheOwnerOnly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("people.jsonl");
        dataset.write(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        List<String> lines = Files.readAllLines(file);
        assertEquals(dataset.people().size(), lines.size());
        assertEquals(dataset.people(), Datasets.load(file).people(), "the audit reads back every field, controls included");
        ObjectMapper mapper = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = mapper.readTree(lines.get(i));
            Person e = dataset.people().get(i);
            if (e.shots() == null) {
                assertFalse(n.has("shots"));
                continue;
            }
            assertEquals(e.name(), n.get("name").asText());
            assertEquals(e.email(), n.get("email").asText());
            assertEquals(e.frequency(), n.get("frequency").asInt());
            assertEquals(e.context(), n.get("context").asText());
            assertEquals(e.control(), n.get("control").asBoolean());
            for (String k : new String[]{"1", "2", "5"}) {
                assertEquals(e.shots().knownDomain().get(Integer.parseInt(k)).getFirst().email(),
                        n.get("shots").get("known_domain").get(k).get(0).get("email").asText());
                assertEquals(e.shots().unknownDomain().get(Integer.parseInt(k)).size(),
                        n.get("shots").get("unknown_domain").get(k).size());
            }
        }
    }

    @Test
    void theSameCorpusGivesTheSameDataSet() {
        assertEquals(dataset, LabDataset.of(CorpusGenerator.generate(EnronPeople.all(), CorpusGeneratorTest.SPEC)));
    }

    private static String domain(String email) {
        return email.substring(email.indexOf('@') + 1).toLowerCase(Locale.ROOT);
    }
}
