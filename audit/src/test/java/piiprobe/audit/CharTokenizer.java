package piiprobe.audit;

import piiprobe.engine.Tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A test tokenizer: each token is {@code width} UTF-16 characters (the last may be shorter), encoded
 * as ids into a growing table. Id 0 is the end-of-sequence token, spelled {@code <eos>}.
 */
public final class CharTokenizer implements Tokenizer {
    public static final int EOS = 0;
    private final int width;
    private final List<String> pieces = new ArrayList<>(List.of("<eos>"));
    private final Map<String, Integer> ids = new HashMap<>(Map.of("<eos>", EOS));

    public CharTokenizer() {
        this(1);
    }

    public CharTokenizer(int width) {
        this.width = width;
    }

    @Override
    public synchronized int[] encode(String text) {
        int n = (text.length() + width - 1) / width;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = id(text.substring(i * width, Math.min(text.length(), (i + 1) * width)));
        return out;
    }

    public synchronized int id(String piece) {
        return ids.computeIfAbsent(piece, p -> {
            pieces.add(p);
            return pieces.size() - 1;
        });
    }

    @Override
    public synchronized String decode(int[] tokenIds) {
        StringBuilder sb = new StringBuilder();
        for (int id : tokenIds) sb.append(pieces.get(id));
        return sb.toString();
    }

    @Override
    public boolean isSpecial(int id) {
        return id == EOS;
    }

    @Override
    public int vocabSize() {
        return 1 << 20;
    }
}
