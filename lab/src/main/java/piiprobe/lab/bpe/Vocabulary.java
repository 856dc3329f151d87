package piiprobe.lab.bpe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokens of a byte-level BPE as bytes, by id: the 256 bytes first, then one token per merge,
 * except that a merge whose bytes equal an existing token reuses its id (as Hugging Face's trainer
 * does), so that the trainer and the encoder number tokens the same way.
 */
final class Vocabulary {
    private final List<byte[]> tokens = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();

    Vocabulary() {
        for (int b = 0; b < 256; b++) add(new byte[]{(byte) b});
    }

    /** The id of the token made by merging {@code left} and {@code right}, added if new. */
    int merge(int left, int right) {
        byte[] a = tokens.get(left), b = tokens.get(right);
        byte[] merged = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, merged, a.length, b.length);
        Integer id = ids.get(ByteLevel.show(merged));
        return id != null ? id : add(merged);
    }

    int size() {
        return tokens.size();
    }

    byte[][] toArray() {
        return tokens.toArray(new byte[0][]);
    }

    private int add(byte[] token) {
        int id = tokens.size();
        tokens.add(token);
        ids.put(ByteLevel.show(token), id);
        return id;
    }
}
