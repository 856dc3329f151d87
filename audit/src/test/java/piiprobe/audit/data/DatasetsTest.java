package piiprobe.audit.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetsTest {
    @TempDir
    Path dir;

    @Test
    void builtInEnronHasThePapersCounts() {
        Dataset enron = Datasets.load("enron");
        assertEquals(3333, enron.people().size());
        assertEquals(3294, enron.people().stream().filter(p -> p.shots() != null).count());
        assertTrue(enron.duplicates().isEmpty());
        assertEquals("enron", enron.source());
        Person first = enron.people().getFirst();
        assertEquals("Karen Arnold", first.name());
        assertEquals("klarnold@flash.net", first.email());
        assertEquals(35, first.frequency());
        assertEquals(List.of(new Person.Support("Hershel Swartz", "hershel@flash.net")), first.shots().knownDomain().get(1));
        assertEquals(5, first.shots().unknownDomain().get(5).size());
        // the 39 people without supports have no frequency either
        assertTrue(enron.people().stream().filter(p -> p.shots() == null).allMatch(p -> p.frequency() == -1));
    }

    @Test
    void populationIsThePapersDenominator() {
        Population pop = Population.of(Datasets.load("enron"), 0);
        assertEquals(3238, pop.members().size());
        assertEquals(57, pop.longNames());
        assertEquals(38, pop.withoutSupports());
        Population limited = Population.of(Datasets.load("enron"), 10);
        assertEquals(10, limited.members().size());
        assertEquals(3228, limited.beyondLimit());
    }

    @Test
    void namesSplitOnPythonWhitespace() {
        assertEquals(List.of("Terri", "Delellis"), Person.words("Terri  Delellis"));
        // no-break space, NEL and ideographic space separate words in Python, not in Java's \s
        assertEquals(List.of("a", "b", "c", "d"), Person.words(" a\u00a0b\u0085c\u3000d\t"));
        // zero-width space does not
        assertEquals(List.of("a\u200bb"), Person.words("a\u200bb"));
        assertEquals(List.of(), Person.words("  "));
    }

    @Test
    void jsonlRoundTripsThroughTheWriter() throws IOException {
        List<Person> people = List.of(
                new Person("Ann Lee", "ann@x.com", 3, "From: Ann Lee <", new Person.Shots(
                        Map.of(1, List.of(new Person.Support("Bo", "bo@x.com"))),
                        Map.of(1, List.of(new Person.Support("Cy", "cy@y.org"))))),
                new Person("Dee", "dee@z.net", -1, null, null));
        StringWriter w = new StringWriter();
        Datasets.writeJsonl(w, people);
        Path f = dir.resolve("p.jsonl");
        Files.writeString(f, w.toString());
        Dataset d = Datasets.load(f.toString());
        assertEquals(people, d.people());
        assertEquals(f.toAbsolutePath().toString(), d.source());
        assertEquals(64, d.sha256().length());
    }

    @Test
    void controlsRoundTripAndOnlyDataSetsWithControlsSayIt() throws IOException {
        List<Person> people = List.of(new Person("Ann Lee", "ann@x.com", 3, "ctx", null, false),
                new Person("Bo Chan", "bo@x.com", 0, "held-out ctx", null, true));
        StringWriter w = new StringWriter();
        Datasets.writeJsonl(w, people);
        assertEquals(List.of(false, true), w.toString().lines().map(l -> l.contains("\"control\":true")).toList());
        assertTrue(w.toString().lines().allMatch(l -> l.contains("\"control\":")));
        Path f = dir.resolve("c.jsonl");
        Files.writeString(f, w.toString());
        Dataset d = Datasets.load(f.toString());
        assertEquals(people, d.people());
        assertTrue(d.hasControls());

        StringWriter plain = new StringWriter();
        Datasets.writeJsonl(plain, List.of(people.getFirst()));
        assertFalse(plain.toString().contains("control"));

        Path csv = dir.resolve("c.csv");
        Files.writeString(csv, "name,email,control\nAnn Lee,ann@x.com,\nBo Chan,bo@x.com,TRUE\nCy Dee,cy@x.com,false\n");
        assertEquals(List.of(false, true, false), Datasets.load(csv.toString()).people().stream().map(Person::control).toList());
        Files.writeString(csv, "name,email,control\nAnn Lee,ann@x.com,yes\n");
        UserError e = assertThrows(UserError.class, () -> Datasets.load(csv.toString()));
        assertEquals(csv + ":2: control \"yes\" is not true or false", e.getMessage());
    }

    @Test
    void csvWithQuotedMultiLineContextAndShots() throws IOException {
        Path f = dir.resolve("p.csv");
        Files.writeString(f, """
                Name,email,frequency,context,shots,extra
                Ann Lee,ann@x.com,3,"line one,
                line two",,ignored
                "Bo, Jr",bo@x.com,,,"{""known_domain"": {""1"": [{""name"": ""Cy"", ""email"": ""cy@x.com""}]}}",
                """);
        Dataset d = Datasets.load(f.toString());
        assertEquals(2, d.people().size());
        assertEquals("line one,\nline two", d.people().get(0).context());
        assertEquals(3, d.people().get(0).frequency());
        assertNull(d.people().get(0).shots());
        Person bo = d.people().get(1);
        assertEquals("Bo, Jr", bo.name());
        assertEquals(-1, bo.frequency());
        assertNull(bo.context());
        assertEquals(List.of(new Person.Support("Cy", "cy@x.com")), bo.shots().knownDomain().get(1));
        assertTrue(bo.shots().unknownDomain().isEmpty());
    }

    @Test
    void csvErrorsNameTheLineTheRecordStartsOn() throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, "name,email,context\nAnn,ann@x.com,\"two\nlines\"\nBo,not-an-address,\n");
        UserError e = assertThrows(UserError.class, () -> Datasets.load(f.toString()));
        assertEquals(f + ":4: \"email\" is not an address of the form local@domain", e.getMessage());

        Files.writeString(f, "name,mail\nAnn,ann@x.com\n");
        e = assertThrows(UserError.class, () -> Datasets.load(f.toString()));
        assertTrue(e.getMessage().startsWith(f + ":1: the header has no \"email\" column"), e.getMessage());

        Files.writeString(f, "name,email,frequency\nAnn,ann@x.com,often\n");
        e = assertThrows(UserError.class, () -> Datasets.load(f.toString()));
        assertEquals(f + ":2: frequency \"often\" is not a whole number", e.getMessage());
    }

    @Test
    void jsonlErrorsNameTheLine() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        assertError(f, "{\"name\": \"A\", \"email\": \"a@x.com\"}\n\n{\"name\": \"B\"}\n", ":3: missing \"email\"");
        assertError(f, "{\"name\": \"A\", \"email\": \"a@x.com\"\n", ":1: not valid JSON");
        assertError(f, "[1]\n", ":1: expected a JSON object per line");
        assertError(f, "{\"name\": \"A\", \"email\": \"a@x.com\", \"frequency\": 1.5}\n", ":1: \"frequency\" must be a whole number");
        assertError(f, "{\"name\": \"A\", \"email\": \"a@x.com\", \"shots\": {\"known_domain\": {\"one\": []}}}\n",
                ":1: \"shots.known_domain\" key \"one\" is not a positive number of shots");
        assertError(f, "{\"name\": \"A\", \"email\": \"a@x.com\", \"shots\": {\"known_domain\": {\"1\": [{\"name\": \"B\", \"email\": \"b\"}]}}}\n",
                ":1: \"shots.known_domain.1[].email\" is not an address of the form local@domain");
        assertError(f, "{\"name\": \" \", \"email\": \"a@x.com\"}\n", ":1: \"name\" is empty");
        assertError(f, "{\"name\": \"A\", \"email\": \"a@x.com\", \"control\": \"yes\"}\n", ":1: \"control\" must be true or false");
        assertError(f, "\n\n", " holds no people");
    }

    @Test
    void otherFilesAreRefusedClearly() throws IOException {
        UserError e = assertThrows(UserError.class, () -> Datasets.load(dir.resolve("none.jsonl").toString()));
        assertEquals("data set " + dir.resolve("none.jsonl") + " not found", e.getMessage());
        Path txt = dir.resolve("people.txt");
        Files.writeString(txt, "x");
        e = assertThrows(UserError.class, () -> Datasets.load(txt.toString()));
        assertTrue(e.getMessage().contains("expected a .jsonl or .csv file"));
        Path latin1 = dir.resolve("l.csv");
        Files.write(latin1, new byte[]{'n', 'a', 'm', 'e', ',', 'e', 'm', 'a', 'i', 'l', '\n', (byte) 0xe9, ',', 'a', '@', 'b', '\n'});
        e = assertThrows(UserError.class, () -> Datasets.load(latin1.toString()));
        assertEquals("data set " + latin1 + " is not valid UTF-8 text", e.getMessage());
    }

    @Test
    void duplicatesAreReportedByLineNotByName() throws IOException {
        Path f = dir.resolve("dup.jsonl");
        Files.writeString(f, """
                {"name": "Ann Lee", "email": "ann@x.com"}
                {"name": "Bo", "email": "ANN@x.com"}
                {"name": "Ann Lee", "email": "ann2@x.com"}
                """);
        Dataset d = Datasets.load(f.toString());
        assertEquals(3, d.people().size());
        assertEquals(List.of("line 2 repeats the address of line 1", "line 3 repeats the name of line 1"), d.duplicates());
    }

    private void assertError(Path f, String content, String expectedSuffix) throws IOException {
        Files.writeString(f, content);
        UserError e = assertThrows(UserError.class, () -> Datasets.load(f.toString()));
        assertTrue(e.getMessage().startsWith(f.toString()) || e.getMessage().startsWith("data set " + f),
                e.getMessage());
        assertTrue(e.getMessage().contains(expectedSuffix), e.getMessage());
    }
}
