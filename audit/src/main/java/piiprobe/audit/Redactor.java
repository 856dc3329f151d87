package piiprobe.audit;

import piiprobe.audit.data.Dataset;
import piiprobe.audit.data.Person;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Masks people in text written to reports ({@code --redact}): anything shaped like an address becomes
 * {@value #EMAIL}, and every name of the data set (targets and supports), matched case-insensitively as
 * whole words with any run of whitespace between its words, becomes {@value #NAME}. Counts are not
 * touched. A disabled redactor returns its input.
 */
public final class Redactor {
    public static final String NAME = "[name]";
    public static final String EMAIL = "[email]";
    /** Wider than the paper's regex: partial and non-ASCII addresses are masked too. */
    private static final Pattern ADDRESS = Pattern.compile("[\\p{L}\\p{N}._%+-]+@[\\p{L}\\p{N}._-]+");

    private final boolean enabled;
    private final Node names = new Node();

    /** A trie over normalized names: lower-cased characters, whitespace runs as one space. */
    private static final class Node {
        final Map<Character, Node> next = new HashMap<>();
        boolean end;
    }

    private Redactor(boolean enabled) {
        this.enabled = enabled;
    }

    public static Redactor of(Dataset dataset, boolean enabled) {
        Redactor r = new Redactor(enabled);
        if (!enabled) return r;
        for (Person p : dataset.people()) {
            r.addName(p.name());
            if (p.shots() != null)
                for (Map<Integer, List<Person.Support>> byK : List.of(p.shots().knownDomain(), p.shots().unknownDomain()))
                    byK.values().forEach(list -> list.forEach(s -> r.addName(s.name())));
        }
        return r;
    }

    public boolean enabled() {
        return enabled;
    }

    public String name(String name) {
        return enabled ? NAME : name;
    }

    public String email(String email) {
        return enabled && email != null ? EMAIL : email;
    }

    /** {@code text} with addresses and the data set's names masked. */
    public String text(String text) {
        if (!enabled || text == null) return text;
        return maskNames(ADDRESS.matcher(text).replaceAll(EMAIL));
    }

    private void addName(String name) {
        String normalized = String.join(" ", Person.words(name));
        if (normalized.isEmpty()) return;
        Node node = names;
        for (int i = 0; i < normalized.length(); i++)
            node = node.next.computeIfAbsent(Character.toLowerCase(normalized.charAt(i)), c -> new Node());
        node.end = true;
    }

    private String maskNames(String text) {
        // normalized copy of the text, with each normalized character's offset in the original
        StringBuilder norm = new StringBuilder();
        List<Integer> offsets = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Person.isPythonSpace(c)) {
                if (!norm.isEmpty() && norm.charAt(norm.length() - 1) == ' ') continue;
                c = ' ';
            }
            norm.append(Character.toLowerCase(c));
            offsets.add(i);
        }
        StringBuilder out = new StringBuilder();
        int copied = 0;
        for (int i = 0; i < norm.length(); i++) {
            if (i > 0 && isWord(norm.charAt(i - 1)) && isWord(norm.charAt(i))) continue;
            int end = -1;
            Node node = names;
            for (int j = i; j < norm.length() && (node = node.next.get(norm.charAt(j))) != null; j++)
                if (node.end && (j + 1 == norm.length() || !isWord(norm.charAt(j)) || !isWord(norm.charAt(j + 1)))) end = j + 1;
            if (end < 0) continue;
            int from = offsets.get(i), to = end == norm.length() ? text.length() : offsets.get(end);
            // keep whitespace that followed the name
            while (to > from && Person.isPythonSpace(text.charAt(to - 1))) to--;
            out.append(text, copied, from).append(NAME);
            copied = to;
            while (i + 1 < norm.length() && offsets.get(i + 1) < to) i++;
        }
        return out.append(text, copied, text.length()).toString();
    }

    private static boolean isWord(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
