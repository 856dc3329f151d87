package piiprobe.engine.tokenizer;

/**
 * UTF-8 decoding that replaces each maximal ill-formed subpart with one U+FFFD (Unicode's recommended
 * practice, which Python's {@code errors="replace"} and Rust's {@code from_utf8_lossy} follow). Java's
 * own decoder differs on encoded surrogates (ED A0..BF): it emits one U+FFFD where they emit two.
 */
public final class Utf8 {
    private Utf8() {}

    public static String decodeLossy(byte[] b) {
        char[] out = new char[b.length]; // never more chars than bytes
        int n = 0;
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                out[n++] = (char) c;
                i++;
                continue;
            }
            // Length of the sequence and the allowed range of its second byte (Unicode Table 3-7).
            int len, lo = 0x80, hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) len = 2;
            else if (c >= 0xE0 && c <= 0xEF) {
                len = 3;
                if (c == 0xE0) lo = 0xA0;
                else if (c == 0xED) hi = 0x9F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                len = 4;
                if (c == 0xF0) lo = 0x90;
                else if (c == 0xF4) hi = 0x8F;
            } else {
                out[n++] = '\uFFFD';
                i++;
                continue;
            }
            int cp = c & (0xFF >> (len + 1));
            int j = 1;
            for (; j < len && i + j < b.length; j++) {
                int d = b[i + j] & 0xff;
                if (j == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) break;
                cp = (cp << 6) | (d & 0x3F);
            }
            if (j < len) {
                out[n++] = '\uFFFD'; // the lead byte and the valid continuation bytes read so far
            } else if (cp < 0x10000) {
                out[n++] = (char) cp;
            } else {
                out[n++] = Character.highSurrogate(cp);
                out[n++] = Character.lowSurrogate(cp);
            }
            i += j;
        }
        return new String(out, 0, n);
    }
}
