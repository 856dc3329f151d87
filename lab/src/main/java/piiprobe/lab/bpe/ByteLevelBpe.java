package piiprobe.lab.bpe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.tokenizer.Utf8;
import piiprobe.engine.util.OwnerOnlyFiles;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;

/**
 * A byte-level BPE tokenizer as GPT-2 defines it: ids 0..255 are the bytes, each merge of two tokens
 * adds (at most) one token, and {@code <|endoftext|>} is the last id. Encodes and decodes exactly as the
 * Hugging Face tokenizers library does with the {@code tokenizer.json} that {@link #save} writes.
 */
public final class ByteLevelBpe implements Tokenizer {
    public static final String END_OF_TEXT = "<|endoftext|>";
    private static final byte[] END_OF_TEXT_BYTES = END_OF_TEXT.getBytes(StandardCharsets.UTF_8);
    /** Words cached before the cache is dropped: bounds memory on huge inputs, never hit on a corpus. */
    private static final int CACHE_LIMIT = 1 << 18;

    private final byte[][] tokenBytes;   // id -> bytes, for every id below endOfText
    private final long[] merges;         // rank -> (left, right)
    private final PairMap mergeRank;     // (left, right) -> rank
    private final int[] mergeResult;     // rank -> id of the merged token
    private final int endOfText;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * The tokenizer that applies {@code merges} (pairs of ids, in priority order) to bytes. A merge
     * whose result equals an earlier token reuses that token's id, as Hugging Face's trainer does.
     */
    ByteLevelBpe(List<long[]> mergePairs) {
        Vocabulary vocabulary = new Vocabulary();
        merges = new long[mergePairs.size()];
        mergeResult = new int[mergePairs.size()];
        mergeRank = new PairMap(mergePairs.size());
        for (int rank = 0; rank < mergePairs.size(); rank++) {
            int left = (int) mergePairs.get(rank)[0], right = (int) mergePairs.get(rank)[1];
            merges[rank] = PairMap.pair(left, right);
            mergeResult[rank] = vocabulary.merge(left, right);
            mergeRank.put(merges[rank], rank);
        }
        tokenBytes = vocabulary.toArray();
        endOfText = tokenBytes.length;
    }

    @Override
    public int vocabSize() {
        return endOfText + 1;
    }

    /** Only {@code <|endoftext|>}: the one added token, marked special in the saved tokenizer.json. */
    @Override
    public boolean isSpecial(int id) {
        return id == endOfText;
    }

    /** The id of {@code <|endoftext|>}, the separator between documents and the model's EOS. */
    public int endOfTextId() {
        return endOfText;
    }

    /** The token as it appears in tokenizer.json's vocab (bytes shown as byte-level characters). */
    public String token(int id) {
        checkId(id);
        return id == endOfText ? END_OF_TEXT : ByteLevel.show(tokenBytes[id]);
    }

    /** Number of merges; can exceed the number of merged tokens when two merges make the same token. */
    public int mergeCount() {
        return merges.length;
    }

    /** Merge {@code rank} as tokenizer.json lists it: the two tokens separated by a space. */
    String mergeString(int rank) {
        return token(PairMap.left(merges[rank])) + " " + token(PairMap.right(merges[rank]));
    }

    @Override
    public int[] encode(String text) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 4);
        encodeInto(text, out);
        return out.toArray();
    }

    /**
     * The token stream a model trains on: each document's ids followed by {@code <|endoftext|>}.
     * Documents are encoded in parallel; the result does not depend on the number of threads.
     */
    public int[] encodeDocuments(List<String> documents) {
        int[][] parts = documents.parallelStream().map(this::encode).toArray(int[][]::new);
        IntBuffer out = new IntBuffer(Arrays.stream(parts).mapToInt(p -> p.length + 1).sum());
        for (int[] p : parts) {
            out.addAll(p);
            out.add(endOfText);
        }
        return out.toArray();
    }

    /**
     * Appends the ids of {@code text} to {@code out}. {@code <|endoftext|>} written in the text is the
     * special token, as in Hugging Face, where added tokens are split out before pre-tokenization.
     */
    private void encodeInto(String text, IntBuffer out) {
        int from = 0;
        for (int at; (at = text.indexOf(END_OF_TEXT, from)) >= 0; from = at + END_OF_TEXT.length()) {
            encodeWords(text.substring(from, at), out);
            out.add(endOfText);
        }
        encodeWords(from == 0 ? text : text.substring(from), out);
    }

    private void encodeWords(String text, IntBuffer out) {
        Matcher m = ByteLevel.wordMatcher(text);
        while (m.find()) {
            String word = m.group();
            int[] ids = cache.get(word);
            if (ids == null) {
                ids = encodeWord(word.getBytes(StandardCharsets.UTF_8));
                if (cache.size() >= CACHE_LIMIT) cache.clear();
                cache.put(word, ids);
            }
            out.addAll(ids);
        }
    }

    /** GPT-2's BPE on one word: merge the pair of lowest rank everywhere, until no pair has a rank. */
    private int[] encodeWord(byte[] bytes) {
        int[] sym = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) sym[i] = bytes[i] & 0xFF;
        int n = sym.length;
        while (n > 1) {
            long best = Long.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                long r = mergeRank.get(PairMap.pair(sym[i], sym[i + 1]), Long.MAX_VALUE);
                if (r < best) best = r;
            }
            if (best == Long.MAX_VALUE) break;
            int rank = (int) best;
            int left = PairMap.left(merges[rank]), right = PairMap.right(merges[rank]);
            int w = 0;
            for (int i = 0; i < n; i++) {
                if (i + 1 < n && sym[i] == left && sym[i + 1] == right) {
                    sym[w++] = mergeResult[rank];
                    i++;
                } else {
                    sym[w++] = sym[i];
                }
            }
            n = w;
        }
        return Arrays.copyOf(sym, n);
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            checkId(id);
            bytes.writeBytes(id == endOfText ? END_OF_TEXT_BYTES : tokenBytes[id]);
        }
        return Utf8.decodeLossy(bytes.toByteArray());  // as Rust's from_utf8_lossy, which Hugging Face uses
    }

    private void checkId(int id) {
        if (id < 0 || id > endOfText) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + endOfText + "]");
        }
    }

    /**
     * Writes {@code tokenizer.json} (the Hugging Face format: GPT-2's ByteLevel pre-tokenizer, decoder
     * and post-processor, the BPE model's vocab and merges, {@code <|endoftext|>} as a special added
     * token) and a {@code tokenizer_config.json} that keeps transformers from cleaning up spaces, into
     * {@code dir}. Each file is written whole or not at all.
     */
    public void save(Path dir) {
        Map<String, Object> byteLevel = new LinkedHashMap<>();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", true);

        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id = 0; id < endOfText; id++) vocab.put(token(id), id);
        List<String> mergeStrings = new ArrayList<>(merges.length);
        for (int rank = 0; rank < merges.length; rank++) mergeStrings.add(mergeString(rank));

        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("vocab", vocab);
        model.put("merges", mergeStrings);

        Map<String, Object> special = new LinkedHashMap<>();
        special.put("id", endOfText);
        special.put("content", END_OF_TEXT);
        special.put("single_word", false);
        special.put("lstrip", false);
        special.put("rstrip", false);
        special.put("normalized", false);
        special.put("special", true);

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", "1.0");
        json.put("truncation", null);
        json.put("padding", null);
        json.put("added_tokens", List.of(special));
        json.put("normalizer", null);
        json.put("pre_tokenizer", byteLevel);
        json.put("post_processor", byteLevel);
        json.put("decoder", byteLevel);
        json.put("model", model);

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("tokenizer_class", "GPT2Tokenizer");
        config.put("bos_token", END_OF_TEXT);
        config.put("eos_token", END_OF_TEXT);
        config.put("unk_token", END_OF_TEXT);
        config.put("add_bos_token", false);
        config.put("add_prefix_space", false);
        config.put("clean_up_tokenization_spaces", false);

        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try {
            OwnerOnlyFiles.write(dir.resolve("tokenizer.json"), mapper.writeValueAsBytes(json));
            OwnerOnlyFiles.write(dir.resolve("tokenizer_config.json"), mapper.writeValueAsBytes(config));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);  // plain maps of strings and numbers always serialize
        }
    }
}
