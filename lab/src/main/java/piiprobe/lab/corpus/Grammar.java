package piiprobe.lab.corpus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * A random context-free grammar for email prose (see {@code email-grammar.txt} for the format): each
 * rule's alternatives are drawn uniformly, and references the file does not define are filled by the
 * caller, so that a body can mention the people and the topic of the document it belongs to.
 */
final class Grammar {
    /** Per rule, its alternatives; each alternative alternates literal text and references: lit, ref, lit, ... */
    private final Map<String, String[][]> rules;

    private Grammar(Map<String, String[][]> rules) {
        this.rules = rules;
    }

    /**
     * Parses the grammar resource; {@code slots} are the references the caller will fill. A reference
     * to nothing, or an at sign in the prose (which could forge an address), is a bug caught here.
     */
    static Grammar load(String resource, Set<String> slots) {
        String text;
        try (InputStream in = Grammar.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
        Map<String, List<String[]>> parsed = new HashMap<>();
        List<String[]> current = null;
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("@")) {
                current = new ArrayList<>();
                if (parsed.put(line.substring(1), current) != null) {
                    throw new IllegalStateException(resource + ":" + (i + 1) + ": rule " + line + " defined twice");
                }
            } else if (current == null || line.contains("@")) {
                throw new IllegalStateException(resource + ":" + (i + 1) + ": " + (current == null
                        ? "text before the first rule" : "an at sign in the prose"));
            } else {
                current.add(split(line, resource + ":" + (i + 1)));
            }
        }
        Map<String, String[][]> rules = new HashMap<>();
        parsed.forEach((name, alts) -> rules.put(name, alts.toArray(new String[0][])));
        for (Map.Entry<String, String[][]> e : rules.entrySet()) {
            for (String[] alt : e.getValue()) {
                for (int k = 1; k < alt.length; k += 2) {
                    if (!rules.containsKey(alt[k]) && !slots.contains(alt[k])) {
                        throw new IllegalStateException(resource + ": rule " + e.getKey() + " refers to {" + alt[k] + "}, which is neither a rule nor a slot");
                    }
                }
            }
        }
        return new Grammar(rules);
    }

    private static String[] split(String line, String where) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        for (int open; (open = line.indexOf('{', from)) >= 0; ) {
            int close = line.indexOf('}', open);
            if (close < 0) throw new IllegalStateException(where + ": unclosed {");
            parts.add(line.substring(from, open));
            parts.add(line.substring(open + 1, close));
            from = close + 1;
        }
        parts.add(line.substring(from));
        return parts.toArray(new String[0]);
    }

    Set<String> ruleNames() {
        return rules.keySet();
    }

    /** Appends a random expansion of {@code rule}; {@code slots} fills the references that are not rules. */
    void expand(String rule, Random rnd, Function<String, String> slots, StringBuilder out) {
        String[][] alts = rules.get(rule);
        String[] alt = alts[rnd.nextInt(alts.length)];
        for (int k = 0; k < alt.length; k++) {
            if (k % 2 == 0) out.append(alt[k]);
            else if (rules.containsKey(alt[k])) expand(alt[k], rnd, slots, out);
            else out.append(slots.apply(alt[k]));
        }
    }
}
