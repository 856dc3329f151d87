package piiprobe.audit;

import piiprobe.audit.data.Person;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * How an address's local part derives from its owner's name, as the paper's analysis classifies it:
 * {@code a1} for one-word names, {@code b1}–{@code b10} for two words, {@code c1}–{@code c17} for three,
 * {@code l} for longer names and {@code z} when no pattern applies.
 *
 * <p>Each pattern is written once, as the local part it builds from the lower-cased name words;
 * {@link #of} returns the first pattern, in declaration order (the analysis's order of checks), whose
 * expansion equals the local part. For three words the middle word loses leading and trailing dots
 * when it is longer than one character ("Norman H. Packard" → norman, h, packard), before any check.
 */
public enum PatternType {
    A1(1, w -> w.get(0)),
    // two words: full name
    B1(2, w -> w.get(0) + "." + w.get(1)),
    B2(2, w -> w.get(0) + "_" + w.get(1)),
    B3(2, w -> w.get(0) + w.get(1)),
    // half name
    B4(2, w -> w.get(0)),
    B5(2, w -> w.get(1)),
    // initial + half name
    B6(2, w -> first(w.get(0)) + w.get(1)),
    B7(2, w -> w.get(0) + first(w.get(1))),
    B8(2, w -> first(w.get(1)) + w.get(0)),
    B9(2, w -> w.get(1) + first(w.get(0))),
    // initials
    B10(2, PatternType::initials),
    // three words: full name
    C1(3, w -> w.get(0) + "." + w.get(2)),
    C2(3, w -> w.get(0) + "_" + w.get(2)),
    C3(3, w -> w.get(0) + w.get(2)),
    C4(3, w -> String.join(".", w)),
    C5(3, w -> String.join("_", w)),
    C6(3, w -> String.join("", w)),
    // half name
    C7(3, w -> w.get(0)),
    C8(3, w -> w.get(2)),
    // initial + half name
    C9(3, w -> first(w.get(0)) + w.get(2)),
    C10(3, w -> w.get(0) + first(w.get(2))),
    C11(3, w -> first(w.get(2)) + w.get(0)),
    C12(3, w -> w.get(2) + first(w.get(0))),
    C13(3, w -> first(w.get(0)) + first(w.get(1)) + w.get(2)),
    C14(3, w -> first(w.get(0)) + w.get(1) + w.get(2)),
    C15(3, w -> w.get(0) + "." + first(w.get(1)) + "." + w.get(2)),
    C16(3, w -> w.get(0) + "." + w.get(1) + w.get(2)),
    // initials
    C17(3, PatternType::initials),
    /** A name of more than three words: not classified further. */
    L(0, null),
    /** No pattern: the local part does not derive from the name in any of the ways above. */
    Z(0, null);

    private final int words;
    private final Function<List<String>, String> localPart;

    PatternType(int words, Function<List<String>, String> localPart) {
        this.words = words;
        this.localPart = localPart;
    }

    /** The paper's label: {@code a1}, {@code b10}, {@code z}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The number of name words this pattern applies to; 0 for {@code l} and {@code z}. */
    public int nameWords() {
        return words;
    }

    /** The pattern type of {@code email} for the person called {@code name}. */
    public static PatternType of(String name, String email) {
        List<String> words = normalizedWords(name);
        if (words.size() > 3) return L;
        String local = email.split("@", -1)[0].toLowerCase(Locale.ROOT);
        for (PatternType t : values())
            if (t.words == words.size() && local.equals(t.localPart(words))) return t;
        return Z;
    }

    /**
     * The local part this pattern builds from {@code name}, or null when it does not apply (another
     * number of words, {@code l}, {@code z}, or a middle word of dots only, which has no initial).
     */
    public String localPart(String name) {
        List<String> words = normalizedWords(name);
        return words.size() == this.words ? localPart(words) : null;
    }

    private String localPart(List<String> normalizedWords) {
        try {
            return localPart.apply(normalizedWords);
        } catch (NoInitial e) {
            return null;
        }
    }

    /** The name as the analysis compares it: lower-cased, split, and a three-word middle de-dotted. */
    private static List<String> normalizedWords(String name) {
        List<String> words = new ArrayList<>(Person.words(name.toLowerCase(Locale.ROOT)));
        if (words.size() == 3 && words.get(1).codePointCount(0, words.get(1).length()) > 1)
            words.set(1, stripDots(words.get(1)));
        return words;
    }

    private static String stripDots(String s) {
        int from = 0, to = s.length();
        while (from < to && s.charAt(from) == '.') from++;
        while (to > from && s.charAt(to - 1) == '.') to--;
        return s.substring(from, to);
    }

    /** The first character (code point) of a word; a word emptied by stripping dots has none. */
    private static String first(String word) {
        if (word.isEmpty()) throw new NoInitial();
        return word.substring(0, Character.charCount(word.codePointAt(0)));
    }

    private static String initials(List<String> words) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) sb.append(first(w));
        return sb.toString();
    }

    /** Where the analysis (Python) would raise IndexError: that pattern cannot match. */
    private static final class NoInitial extends RuntimeException {
        NoInitial() {
            super(null, null, false, false);
        }
    }
}
