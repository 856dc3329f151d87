package piiprobe.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes ids of a byte-level BPE tokenizer (GPT-2, GPT-Neo, GPT-NeoX, Qwen2) in pure Java, as the
 * Hugging Face {@code ByteLevel} decoder does: each token's characters map back to bytes through
 * GPT-2's byte↔character table (a token with a character outside the table, such as an added token,
 * contributes its own UTF-8 bytes), the bytes are joined, and invalid UTF-8 becomes U+FFFD.
 *
 * <p>Why not call the native library: the audit's stop rule decodes every row after every generated
 * token, and this avoids a JNI round trip and a native string per call.
 */
public final class ByteLevelDecoder {
    /** GPT-2's {@code bytes_to_unicode}: byte b is shown as character {@code BYTE_TO_CHAR[b]}. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Its inverse over the 324 characters it uses; -1 elsewhere. */
    private static final short[] CHAR_TO_BYTE = new short[324];

    static {
        Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            // Printable Latin-1 bytes stand for themselves; the others are moved past 255 in order.
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    /** Bytes of each id; null where the id has no token (Hugging Face skips such ids). */
    private final byte[][] tokenBytes;

    /** {@code tokens[id]} is the token string of id, or null where there is none. */
    ByteLevelDecoder(String[] tokens) {
        tokenBytes = new byte[tokens.length][];
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] != null) tokenBytes[id] = bytesOf(tokens[id]);
        }
    }

    /** The byte-level spelling of raw bytes, as the vocabulary of a byte-level BPE writes them. */
    public static String spell(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) sb.append(BYTE_TO_CHAR[b & 0xff]);
        return sb.toString();
    }

    private static byte[] bytesOf(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= CHAR_TO_BYTE.length || CHAR_TO_BYTE[c] < 0) return token.getBytes(StandardCharsets.UTF_8);
            out[i] = (byte) CHAR_TO_BYTE[c];
        }
        return out;
    }

    String decode(int[] ids) {
        int n = 0;
        for (int id : ids) {
            if (id >= 0 && id < tokenBytes.length && tokenBytes[id] != null) n += tokenBytes[id].length;
        }
        byte[] bytes = new byte[n];
        int at = 0;
        for (int id : ids) {
            if (id >= 0 && id < tokenBytes.length && tokenBytes[id] != null) {
                byte[] t = tokenBytes[id];
                System.arraycopy(t, 0, bytes, at, t.length);
                at += t.length;
            }
        }
        return Utf8.decodeLossy(bytes);
    }
}
