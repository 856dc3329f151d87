package piiprobe.lab.bpe;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level scheme, as Hugging Face's {@code ByteLevel} pre-tokenizer and decoder apply it:
 * text is split into words by GPT-2's regex, and every byte of a word's UTF-8 is shown as one
 * printable character, so that a vocabulary of strings covers any input without an unknown token.
 */
public final class ByteLevel {
    private ByteLevel() {}

    /*
     * GPT-2's split. UNICODE_CHARACTER_CLASS makes \s the Unicode White_Space set, which is what the
     * Rust tokenizers' Oniguruma \s matches on UTF-8 (Java's default \s is ASCII only).
     */
    private static final Pattern WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final byte[] CHAR_TO_BYTE = new byte[324];
    private static final boolean[] IS_BYTE_CHAR = new boolean[324];

    static {
        // Printable Latin-1 bytes stand for themselves; the 68 others take the code points from 256 on.
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (byte) b;
            IS_BYTE_CHAR[c] = true;
        }
    }

    /** The words GPT-2's regex splits {@code text} into, in order; they concatenate back to {@code text}. */
    public static List<String> words(CharSequence text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORDS.matcher(text);
        while (m.find()) out.add(m.group());
        return out;
    }

    /** A matcher over {@code text} for callers that walk words without building a list. */
    static Matcher wordMatcher(CharSequence text) {
        return WORDS.matcher(text);
    }

    /** The printable character that stands for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** A token string made of the characters for {@code bytes}. */
    public static String show(byte[] bytes) {
        char[] cs = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) cs[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(cs);
    }

    /** The byte a byte-level character stands for, or -1 if {@code c} is not one of the 256. */
    public static int byteOf(char c) {
        return c < IS_BYTE_CHAR.length && IS_BYTE_CHAR[c] ? CHAR_TO_BYTE[c] & 0xFF : -1;
    }
}
