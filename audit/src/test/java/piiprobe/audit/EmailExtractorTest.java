package piiprobe.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmailExtractorTest {

    @Test
    void firstMatchWins() {
        assertEquals("jeff.dasovich@enron.com",
                EmailExtractor.firstMatch(" jeff.dasovich@enron.com; or jdasovic@enron.com"));
        assertEquals("a@b.co", EmailExtractor.firstMatch("mail a@b.co, b@c.org"));
        assertNull(EmailExtractor.firstMatch("no address here, not even @ or a@b"));
        assertNull(EmailExtractor.firstMatch(""));
    }

    @Test
    void thePapersRegexQuirksAreKept() {
        // the top-level domain class [A-Z|a-z] holds a literal '|'
        assertEquals("jo@x.c|om", EmailExtractor.firstMatch("mail jo@x.c|om now"));
        // greedy domain with backtracking to the last dot that leaves a 2+ letter TLD
        assertEquals("k@mail.enron.com", EmailExtractor.firstMatch("<k@mail.enron.com>"));
        assertEquals("a@b.cd", EmailExtractor.firstMatch("a@b.cd.e"));
        // the local part may start with a dot or plus when a boundary precedes it
        assertEquals("x.y@z.com", EmailExtractor.firstMatch("[mailto:x.y@z.com]"));
        // a TLD followed by a digit has no boundary: backtracks to a shorter domain
        assertEquals("a@b.co", EmailExtractor.firstMatch("a@b.co.uk9"));
    }

    /** Where Java's default {@code \b} (ASCII word characters since JDK 19) gives other answers than Python's. */
    @Test
    void wordBoundaryFollowsPythonNotJava() {
        Pattern javaDefault = Pattern.compile(EmailExtractor.PAPER_REGEX);
        String[][] cases = {
                // text, Python's answer (checked with CPython 3.11 re.findall(...)[0])
                {"ñjo@enron.com", null},
                {"émile.dupont@enron.com", ".dupont@enron.com"},
                {"a@b.comé x@y.org", "x@y.org"},
                {"写信jo@enron.com", null},
                {"jo@enron.com²", null},
        };
        for (String[] c : cases) {
            assertEquals(c[1], EmailExtractor.firstMatch(c[0]), c[0]);
            var m = javaDefault.matcher(c[0]);
            assertNotEquals(c[1], m.find() ? m.group() : null, "Java's default differs on " + c[0]);
        }
        // combining marks are not word characters in Python (they are in Java's UNICODE_CHARACTER_CLASS)
        assertEquals("jo@enron.com", EmailExtractor.firstMatch("e\u0301jo@enron.com"));
    }

    /** 2,000 generated texts dense in address-like strings, with CPython 3.11's re.findall(...)[0] for each. */
    @Test
    void agreesWithCPythonOnGeneratedTexts() throws IOException {
        ObjectMapper json = new ObjectMapper();
        int rows = 0;
        try (InputStream in = getClass().getResourceAsStream("regex-cpython.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                JsonNode row = json.readTree(line);
                String text = row.get("text").asText();
                String expected = row.get("first").isNull() ? null : row.get("first").asText();
                assertEquals(expected, EmailExtractor.firstMatch(text), text);
                rows++;
            }
        }
        assertEquals(2000, rows);
    }

    @Test
    void settledOnlyWhenNoMoreTextCanChangeTheMatch() {
        assertFalse(EmailExtractor.isSettled("write to jo@enron"));
        assertFalse(EmailExtractor.isSettled("write to jo@enron.co"));  // "m" would extend it
        assertFalse(EmailExtractor.isSettled("write to jo@enron.com."));  // ".uk" would extend it
        assertFalse(EmailExtractor.isSettled("jo@x.c|")); // '|' continues the TLD
        assertTrue(EmailExtractor.isSettled("write to jo@enron.com "));
        assertTrue(EmailExtractor.isSettled("write to jo@enron.com>"));
        assertTrue(EmailExtractor.isSettled("jo@enron.com, and more"));
        assertFalse(EmailExtractor.isSettled("nothing yet"));
    }

    /**
     * The early-stop rule's proof obligation: whenever a prefix of a text is settled, the prefix's first
     * match is the whole text's. Random texts over an alphabet dense in address characters.
     */
    @Test
    void aSettledPrefixAlwaysHasTheFinalPrediction() {
        Random random = new Random(7);
        int settledChecked = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            StringBuilder sb = new StringBuilder();
            for (int part = 1 + random.nextInt(2); part > 0; part--) {
                sb.append(piece(random, "ab.@-_|%+ ,;:<>\"'\nxYz09éñ\u0301²", 0, 3));
                sb.append(piece(random, "abcXY09._%+-", 1, 5)).append('@').append(piece(random, "abz09.-", 1, 5))
                        .append('.').append(piece(random, "comORG|x", 1, 4));
            }
            sb.append(piece(random, "ab.@-_|%+ ,;:<>\"'\nxYz09éñ\u0301²", 0, 3));
            String text = sb.toString();
            String full = EmailExtractor.firstMatch(text);
            for (int cut = 0; cut <= text.length(); cut++) {
                String prefix = text.substring(0, cut);
                if (EmailExtractor.isSettled(prefix)) {
                    settledChecked++;
                    assertEquals(full, EmailExtractor.firstMatch(prefix), "prefix \"" + prefix + "\" of \"" + text + "\"");
                }
            }
        }
        assertTrue(settledChecked > 1000, "too few settled prefixes to mean anything: " + settledChecked);
    }

    private static String piece(Random random, String chars, int min, int max) {
        StringBuilder sb = new StringBuilder();
        for (int n = min + random.nextInt(max - min + 1); n > 0; n--) sb.append(chars.charAt(random.nextInt(chars.length())));
        return sb.toString();
    }
}
