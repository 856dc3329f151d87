package piiprobe.lab.bpe;

import piiprobe.engine.tokenizer.ByteLevelDecoder;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level scheme, as Hugging Face's {@code ByteLevel} pre-tokenizer applies it: text is
 * split into words by GPT-2's regex, and every byte of a word's UTF-8 is shown as one printable
 * character (the engine's table), so that a vocabulary of strings covers any input without an
 * unknown token.
 */
final class ByteLevel {
    private ByteLevel() {}

    /*
     * GPT-2's split. UNICODE_CHARACTER_CLASS makes \s the Unicode White_Space set, which is what the
     * Rust tokenizers' Oniguruma \s matches on UTF-8 (Java's default \s is ASCII only).
     */
    private static final Pattern WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** The words GPT-2's regex splits {@code text} into, in order; they concatenate back to {@code text}. */
    static List<String> words(CharSequence text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORDS.matcher(text);
        while (m.find()) out.add(m.group());
        return out;
    }

    /** A matcher over {@code text} for callers that walk words without building a list. */
    static Matcher wordMatcher(CharSequence text) {
        return WORDS.matcher(text);
    }

    /** A token string made of the byte-level characters for {@code bytes}, as tokenizer.json spells it. */
    static String show(byte[] bytes) {
        return ByteLevelDecoder.spell(bytes);
    }
}
