package piiprobe.lab.bpe;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tokenizer.json we write, loaded by Hugging Face's tokenizers, agrees with our encoder id for id. */
public class HuggingFaceParityTest {
    @TempDir
    static Path dir;
    static ByteLevelBpe ours;
    static HuggingFaceTokenizer theirs;

    @BeforeAll
    static void trainAndLoad() throws IOException {
        List<String> texts = new ArrayList<>(BpeTrainerTest.sampleTexts(400, 1));
        texts.addAll(trickyStrings());
        ours = BpeTrainer.train(texts, 600);
        ours.save(dir);
        theirs = huggingFace(dir.resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        theirs.close();
    }

    /** Hugging Face's tokenizer as the engine must use it: no special tokens added, no truncation. */
    public static HuggingFaceTokenizer huggingFace(Path tokenizerJson) throws IOException {
        return HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
                .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build();
    }

    @Test
    void encodesTrickyStringsAsHuggingFaceDoes() throws IOException {
        for (String s : trickyStrings()) assertSameEncoding(s);
    }

    @Test
    void encodesRandomUnicodeAsHuggingFaceDoesAndDecodesItBack() {
        Random rnd = new Random(42);
        for (int i = 0; i < 2000; i++) {
            String s = randomText(rnd, 1 + rnd.nextInt(40));
            int[] ids = assertSameEncoding(s);
            assertEquals(s, ours.decode(ids), "round trip of " + escape(s));
        }
    }

    @Test
    void encodesLongTextsWholeAsHuggingFaceDoes() {
        String all = String.join("\n\n", BpeTrainerTest.sampleTexts(400, 2));
        int[] ids = assertSameEncoding(all);
        assertTrue(ids.length > 2000, "long enough to catch a truncation: " + ids.length);
    }

    @Test
    void decodesAnyIdSequenceAsHuggingFaceDoesEvenWhenItSplitsACharacter() {
        Random rnd = new Random(7);
        for (int i = 0; i < 20000; i++) {
            // Ids 128..255 are single non-ASCII bytes: lead and continuation bytes in every order.
            int[] ids = rnd.ints(1 + rnd.nextInt(12), 0, ours.vocabSize())
                    .map(id -> rnd.nextBoolean() ? 0x80 + id % 0x80 : id).toArray();
            String expected = theirs.decode(Arrays.stream(ids).asLongStream().toArray(), false);
            assertEquals(expected, ours.decode(ids), "decode of " + Arrays.toString(ids));
        }
    }

    @Test
    void writesTheVocabularyAndMergesInTokenizerJson() throws IOException {
        JsonNode json = new ObjectMapper().readTree(dir.resolve("tokenizer.json").toFile());
        assertEquals(ours.vocabSize() - 1, json.get("model").get("vocab").size());
        assertEquals(ours.mergeCount(), json.get("model").get("merges").size());
        assertEquals(ours.endOfTextId(), json.get("added_tokens").get(0).get("id").asInt());
        assertEquals(' ', json.get("model").get("vocab").get("Ġ").asInt());
        JsonNode config = new ObjectMapper().readTree(dir.resolve("tokenizer_config.json").toFile());
        assertEquals(false, config.get("clean_up_tokenization_spaces").asBoolean());
        assertTrue(Files.list(dir).noneMatch(p -> p.toString().endsWith(".tmp")));
    }

    private static int[] assertSameEncoding(String s) {
        int[] mine = ours.encode(s);
        long[] hf = theirs.encode(s).getIds();
        assertArrayEquals(hf, Arrays.stream(mine).asLongStream().toArray(), "encoding of " + escape(s));
        return mine;
    }

    /** The golden GPT-2 tokenizer's tricky cases, and every kind of whitespace the regex must agree on. */
    static List<String> trickyStrings() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(
                Path.of("../engine/src/test/resources/golden/tokenizer/tokenizer_golden.json").toFile());
        List<String> out = new ArrayList<>();
        for (JsonNode c : golden.get("cases")) out.add(c.get("text").asText());
        for (int cp : WHITESPACE_LIKE) {
            String c = Character.toString(cp);
            out.add("a" + c + "b");
            out.add("a " + c + " b" + c + c);
            out.add(c + "x" + c + c + "y");
        }
        out.add("<|endoftext|><|endoftext|>x<|endoftext|>");
        out.add("<|endoftext");
        out.add("x <|endoftext|> y");
        return out;
    }

    private static final int[] WHITESPACE_LIKE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20,
            0x85, 0xA0, 0x1680, 0x180E, 0x2000, 0x2007, 0x200A, 0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF};

    private static final int[][] RANGES = {
            {0x00, 0x7F}, {0x20, 0x7E}, {0x20, 0x7E}, {0x80, 0xFF}, {0x300, 0x36F}, {0x370, 0x4FF},
            {0x660, 0x669}, {0x900, 0x97F}, {0x3040, 0x30FF}, {0x4E00, 0x4FFF}, {0xAC00, 0xAD00},
            {0xE000, 0xE0FF}, {0xFF00, 0xFFEF}, {0x1F300, 0x1FAFF}, {0x10000, 0x100FF}, {0x1D400, 0x1D7FF}};

    private static String randomText(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (rnd.nextInt(6) == 0) {
                sb.appendCodePoint(WHITESPACE_LIKE[rnd.nextInt(WHITESPACE_LIKE.length)]);
            } else if (rnd.nextInt(8) == 0) {
                sb.append(new String[]{"'s", "'ll", "'RE", "<|endoftext|>", "  ", "\n\n", "@", "1,000"}[rnd.nextInt(8)]);
            } else {
                int[] r = RANGES[rnd.nextInt(RANGES.length)];
                sb.appendCodePoint(r[0] + rnd.nextInt(r[1] - r[0] + 1));
            }
        }
        return sb.toString();
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(cp -> sb.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp) : String.format("\\u{%x}", cp)));
        return sb.append('"').toString();
    }
}
