package piiprobe.engine.tokenizer;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.UserError;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json}, run by the tokenizers library (Rust, through
 * ai.djl.huggingface:tokenizers) with transformers' defaults undone: no truncation (djl would cut at 512
 * tokens), no padding, no special tokens added, and decode keeps special tokens and leaves spaces as
 * they are ({@code clean_up_tokenization_spaces=False}). Ids without a token (a model whose embedding
 * is padded past the vocabulary can emit them) decode to nothing, as in transformers.
 *
 * <p>Byte-level BPE tokenizers (GPT-2 and its kin) decode in pure Java ({@link ByteLevelDecoder}).
 * One instance may serve many threads at once.
 *
 * <p>The native library: djl copies {@code libtokenizers.so} out of its jar on first use, into
 * {@code ~/.djl.ai/tokenizers/<version>-cpu-<platform>/} (or {@code $DJL_CACHE_DIR/tokenizers}, or
 * {@code $ENGINE_CACHE_DIR/tokenizers}; {@code java.io.tmpdir/.djl.ai} when the home folder is not
 * writable), and later runs load it from there. Concurrent JVMs (surefire forks, parallel CI jobs) do
 * not race: each extracts into its own temporary folder and renames it into place atomically, and a
 * loser of the race uses the winner's copy. This class puts djl in offline mode before djl first runs,
 * so that it neither asks the EC2 metadata service where it runs (djl's "call home") nor, on a machine
 * with CUDA, looks for a GPU build to download: the CPU build in the jar is all piiprobe uses.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    static {
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
        if (System.getProperty("OPT_OUT_TRACKING") == null) System.setProperty("OPT_OUT_TRACKING", "true");
    }

    private static final Map<String, String> OPTIONS = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
    /** Far above any real vocabulary (the largest are about 256k), so that a damaged id cannot make us allocate gigabytes. */
    private static final int MAX_ID = 1 << 24;

    private final HuggingFaceTokenizer hf;
    private final ByteLevelDecoder byteLevel;
    private final int vocabSize;
    private final BitSet special;

    private HfTokenizer(HuggingFaceTokenizer hf, ByteLevelDecoder byteLevel, int vocabSize, BitSet special) {
        this.hf = hf;
        this.byteLevel = byteLevel;
        this.vocabSize = vocabSize;
        this.special = special;
    }

    /**
     * The tokenizer that {@code json} (the text of a tokenizer.json, already parsed as {@code root})
     * describes; {@code source} names it in errors.
     */
    static HfTokenizer of(JsonNode root, byte[] json, String source) {
        String[] tokens = tokensById(root, source);
        JsonNode decoder = root.path("decoder");
        boolean plainByteLevel = decoder.isObject() && "ByteLevel".equals(decoder.path("type").asText())
                && root.path("model").path("vocab").isObject();
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), OPTIONS);
        } catch (EngineException e) {
            throw new UserError("cannot load the tokenizers native library (djl extracts it to ~/.djl.ai/tokenizers, "
                    + "or under $DJL_CACHE_DIR; is that folder writable?): " + rootCause(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array cannot fail
        } catch (RuntimeException e) {
            throw new UserError(source + ": the tokenizers library rejects it: " + firstLine(e.getMessage()));
        }
        return new HfTokenizer(hf, plainByteLevel ? new ByteLevelDecoder(tokens) : null, tokens.length,
                specialIds(root, tokens));
    }

    /**
     * The ids the library's decode skips with skip_special_tokens: it compares each id's token (added
     * tokens first, then the vocabulary) with the contents of the special added tokens, so a vocabulary
     * entry spelled like a special token is skipped too.
     */
    private static BitSet specialIds(JsonNode root, String[] tokens) {
        Set<String> contents = new HashSet<>();
        for (JsonNode a : root.path("added_tokens"))
            if (a.path("special").asBoolean(false)) contents.add(a.get("content").asText());
        BitSet special = new BitSet(tokens.length);
        for (int id = 0; id < tokens.length; id++)
            if (tokens[id] != null && contents.contains(tokens[id])) special.set(id);
        return special;
    }

    /** Token of each id: the model's vocabulary, then added tokens (which win, as in the tokenizers library). */
    private static String[] tokensById(JsonNode root, String source) {
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw new UserError(source + ": no \"model\" object (not a tokenizer.json?)");
        JsonNode vocab = model.get("vocab");
        JsonNode added = root.path("added_tokens");
        if (!added.isMissingNode() && !added.isNull() && !added.isArray()) throw new UserError(source + ": added_tokens must be a list");
        int max = -1;
        if (vocab != null && vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) max = Math.max(max, id(e.getValue(), source, "vocab['" + e.getKey() + "']"));
        } else if (vocab != null && vocab.isArray()) {
            max = vocab.size() - 1; // Unigram: [[piece, score], ...], the id is the position
        } else {
            throw new UserError(source + ": model has no vocab");
        }
        for (JsonNode a : added) max = Math.max(max, id(a.get("id"), source, "added token " + a.path("content")));
        String[] tokens = new String[max + 1];
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) tokens[e.getValue().intValue()] = e.getKey();
        } else {
            for (int i = 0; i < vocab.size(); i++) tokens[i] = vocab.get(i).path(0).asText();
        }
        for (JsonNode a : added) {
            if (!a.path("content").isTextual()) throw new UserError(source + ": added token " + a + " has no content");
            tokens[a.get("id").intValue()] = a.get("content").asText();
        }
        return tokens;
    }

    private static int id(JsonNode n, String source, String what) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0 || n.intValue() >= MAX_ID)
            throw new UserError(source + ": " + what + " has id " + n + ", not an integer in [0, " + MAX_ID + ")");
        return n.intValue();
    }

    @Override
    public int[] encode(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) i++;
                else throw new UserError("text to tokenize holds an unpaired surrogate (U+" + Integer.toHexString(c).toUpperCase()
                        + ") at index " + i + ": not valid Unicode");
            }
        }
        long[] ids = hf.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    @Override
    public String decode(int[] ids) {
        return byteLevel != null ? byteLevel.decode(ids) : nativeDecode(ids);
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && special.get(id);
    }

    /** Decoding by the tokenizers library itself (what {@link #decode} does unless the tokenizer is byte-level). */
    String nativeDecode(int[] ids) {
        return nativeDecode(ids, false);
    }

    String nativeDecode(int[] ids, boolean skipSpecialTokens) {
        return hf.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecialTokens);
    }

    /** Whether {@link #decode} runs in pure Java. */
    boolean decodesInJava() {
        return byteLevel != null;
    }

    /** One more than the largest id of the vocabulary and the added tokens. */
    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void close() {
        hf.close();
    }

    private static String rootCause(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return firstLine(t.toString());
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
