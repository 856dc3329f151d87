package piiprobe.lab.corpus;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrammarTest {
    @Test
    void everyRuleOfTheEmailGrammarExpandsToProseWithoutAnAtSign() {
        Grammar g = Grammar.load("email-grammar.txt", Set.of("to", "me", "someone", "topic", "weekday", "month",
                "date", "time", "num", "pct", "money", "price", "volume", "phone", "room"));
        assertTrue(g.ruleNames().size() > 50, "rules: " + g.ruleNames().size());
        Random rnd = new Random(3);
        for (String rule : g.ruleNames()) {
            for (int i = 0; i < 50; i++) {
                StringBuilder out = new StringBuilder();
                g.expand(rule, rnd, slot -> "<" + slot + ">", out);
                assertFalse(out.isEmpty() || out.toString().contains("@") || out.toString().contains("{"), rule + ": " + out);
            }
        }
    }

    @Test
    void slotsAreFilledByTheCaller() {
        Grammar g = Grammar.load("grammar-unknown-reference.txt", Set.of("b"));
        StringBuilder out = new StringBuilder();
        g.expand("a", new Random(0), slot -> slot.toUpperCase(), out);
        assertTrue(out.toString().equals("see B"), out.toString());
    }

    @Test
    void catchesGrammarBugsWhenLoading() {
        assertMessage("grammar-unknown-reference.txt", "refers to {b}");
        assertMessage("grammar-at-sign.txt", "grammar-at-sign.txt:2: an at sign");
        assertMessage("grammar-rule-twice.txt", "grammar-rule-twice.txt:3: rule @a defined twice");
        assertMessage("no-such-grammar.txt", "missing resource");
    }

    private static void assertMessage(String resource, String part) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Grammar.load(resource, Set.of()));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
