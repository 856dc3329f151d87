package piiprobe.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.UserError;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class HfTokenizerTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final Path SHARED = GOLDEN.resolve("tokenizer");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    /** The golden GPT-2 tokenizer through each route: tokenizer.json, and vocab.json + merges.txt. */
    static HfTokenizer viaJson, viaVocab;

    @BeforeAll
    static void load() throws IOException {
        Path jsonDir = Files.createDirectories(tmp.resolve("json"));
        Files.copy(SHARED.resolve("tokenizer.json"), jsonDir.resolve("tokenizer.json"));
        Path vocabDir = Files.createDirectories(tmp.resolve("vocab"));
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"))
            Files.copy(SHARED.resolve(f), vocabDir.resolve(f));
        viaJson = Tokenizers.load(jsonDir, null);
        viaVocab = Tokenizers.load(vocabDir, null);
    }

    @AfterAll
    static void close() {
        viaJson.close();
        viaVocab.close();
    }

    static List<JsonNode> goldenCases() throws IOException {
        List<JsonNode> cases = new ArrayList<>();
        JSON.readTree(SHARED.resolve("tokenizer_golden.json").toFile()).get("cases").forEach(cases::add);
        assertEquals(27, cases.size());
        return cases;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }

    @Test
    void everyGoldenCaseThroughBothRoutes() throws IOException {
        for (HfTokenizer tok : List.of(viaJson, viaVocab)) {
            assertTrue(tok.decodesInJava());
            assertEquals(50257, tok.vocabSize());
            for (JsonNode c : goldenCases()) {
                String text = c.get("text").asText();
                int[] ids = ints(c.get("ids"));
                assertArrayEquals(ids, tok.encode(text), () -> "encode " + JSON.valueToTree(text));
                assertEquals(c.get("decoded").asText(), tok.decode(ids), () -> "decode " + JSON.valueToTree(text));
                assertEquals(c.get("decoded").asText(), tok.nativeDecode(ids), () -> "native decode " + JSON.valueToTree(text));
            }
        }
    }

    @Test
    void sharedBetweenThreads() throws Exception {
        List<JsonNode> cases = goldenCases();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int round = 0; round < 100; round++) {
                        for (JsonNode c : cases) {
                            int[] ids = ints(c.get("ids"));
                            assertArrayEquals(ids, viaJson.encode(c.get("text").asText()));
                            assertEquals(c.get("decoded").asText(), viaJson.decode(ids));
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(List.of(), failures);
    }

    @Test
    void goldenGreedyTextsDecodeAsTransformersDid() throws IOException {
        // Generated ids from random models: word pieces in any order, and some cut a UTF-8 character.
        int checked = 0;
        for (String model : List.of("gpt2", "gpt2_f16", "gpt_neo", "gpt_neox", "gpt_neox_seq", "llama", "qwen2", "qwen2_bf16")) {
            JsonNode golden = JSON.readTree(GOLDEN.resolve(model).resolve("golden.json").toFile());
            for (JsonNode g : golden.get("greedy").get("runs")) {
                assertEquals(g.get("text").asText(), viaJson.decode(ints(g.get("new_ids"))), model);
                checked++;
            }
        }
        assertEquals(24, checked);
    }

    @Test
    void javaDecodeEqualsTheLibraryOnRandomIds() {
        Random r = new Random(7);
        for (int t = 0; t < 3000; t++) {
            int[] ids = IntStream.range(0, 1 + r.nextInt(40)).map(i -> r.nextInt(10) == 0 ? 50256 : r.nextInt(50257)).toArray();
            assertEquals(viaJson.nativeDecode(ids), viaJson.decode(ids), () -> Arrays.toString(ids));
        }
    }

    @Test
    void javaDecodeEqualsTheLibraryOnCutCharacters() throws IOException {
        // Single-byte tokens, weighted to UTF-8 lead and continuation bytes and to the surrogate range
        // (ED A0..BF), where Java's own UTF-8 decoder would differ.
        JsonNode vocab = JSON.readTree(SHARED.resolve("vocab.json").toFile());
        int[] byteId = new int[256];
        for (int b = 0; b < 256; b++) byteId[b] = vocab.get(ByteLevelDecoder.spell(new byte[] {(byte) b})).intValue();
        int[] tricky = {0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
        Random r = new Random(11);
        for (int t = 0; t < 20000; t++) {
            byte[] bytes = new byte[1 + r.nextInt(8)];
            for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (r.nextBoolean() ? tricky[r.nextInt(tricky.length)] : r.nextInt(256));
            int[] ids = new int[bytes.length];
            for (int i = 0; i < ids.length; i++) ids[i] = byteId[bytes[i] & 0xff];
            assertEquals(viaJson.nativeDecode(ids), viaJson.decode(ids), () -> HexFormat.of().formatHex(bytes));
        }
    }

    @Test
    void lossyUtf8FollowsUnicodesMaximalSubparts() {
        // The example of the Unicode Standard, section 3.9 (U+FFFD substitution of maximal subparts).
        byte[] b = HexFormat.of().parseHex("61f18080e180c2628063" + "80bf64");
        assertEquals("a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd", Utf8.decodeLossy(b));
        assertEquals("\uFFFD\uFFFD\uFFFD", Utf8.decodeLossy(HexFormat.of().parseHex("eda080")), "encoded surrogate");
        assertEquals("\uD83D\uDE00", Utf8.decodeLossy("😀".getBytes(StandardCharsets.UTF_8)));
        assertEquals("\uFFFD", Utf8.decodeLossy(HexFormat.of().parseHex("f09f98")), "cut emoji");
    }

    @Test
    void idsWithoutTokenDecodeToNothing() {
        int[] ids = {1169, 50257, -1, 99999, 3053};
        assertEquals("the email", viaJson.decode(ids));
        assertEquals(viaJson.nativeDecode(ids), viaJson.decode(ids));
    }

    @Test
    void neverTruncates() {
        String text = "word ".repeat(3000);
        int[] ids = viaJson.encode(text);
        assertEquals(3001, ids.length, "'word', 2999 × ' word', ' '");
        assertEquals(text, viaJson.decode(ids));
    }

    @Test
    void unpairedSurrogateIsAUserError() {
        UserError e = assertThrows(UserError.class, () -> viaJson.encode("ab\uD800c"));
        assertEquals("text to tokenize holds an unpaired surrogate (U+D800) at index 2: not valid Unicode", e.getMessage());
        assertArrayEquals(viaJson.encode("😀"), new int[] {47249, 222});
    }

    @Test
    void addedTokensDecodeAndAreSpecialLikeTheLibrary(@TempDir Path dir) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(SHARED.resolve("tokenizer.json").toFile());
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        addToken(added, 50257, "<|é café|>", false);
        addToken(added, 50258, "ĠhelloĠ", true);
        addToken(added, 50259, "日本", true);
        Files.write(dir.resolve("tokenizer.json"), JSON.writeValueAsBytes(root));
        try (HfTokenizer tok = Tokenizers.load(dir, null)) {
            assertTrue(tok.decodesInJava());
            assertEquals(50260, tok.vocabSize());
            assertArrayEquals(new int[] {5239, 50257, 50259, 3549}, tok.encode("text<|é café|>日本more"));
            // special: what transformers' skip_special_tokens leaves out, as the library's own decode skips them
            assertTrue(tok.isSpecial(50256) && tok.isSpecial(50258) && tok.isSpecial(50259));
            assertFalse(tok.isSpecial(50257) || tok.isSpecial(0) || tok.isSpecial(-1) || tok.isSpecial(50260));
            Random r = new Random(3);
            for (int t = 0; t < 2000; t++) {
                int[] ids = IntStream.range(0, 1 + r.nextInt(12)).map(i -> r.nextInt(4) == 0 ? 50256 + r.nextInt(4) : r.nextInt(50257)).toArray();
                assertEquals(tok.nativeDecode(ids), tok.decode(ids), () -> Arrays.toString(ids));
                assertEquals(tok.nativeDecode(ids, true), tok.decode(Arrays.stream(ids).filter(id -> !tok.isSpecial(id)).toArray()),
                        () -> Arrays.toString(ids));
            }
        }
        assertTrue(viaVocab.isSpecial(50256), "vocab.json + merges.txt: <|endoftext|> is special");
        assertFalse(viaVocab.isSpecial(1169));
    }

    static void addToken(ArrayNode added, int id, String content, boolean special) {
        added.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", special);
    }

    /** A word-level tokenizer whose post-processor would add {@code <s>}, and with no decoder (the library joins with spaces). */
    static final String WORD_LEVEL = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [{"id": 0, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
             "normalizer": null, "pre_tokenizer": {"type": "Whitespace"},
             "post_processor": {"type": "TemplateProcessing",
               "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
               "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
               "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}}},
             "decoder": null,
             "model": {"type": "WordLevel", "vocab": {"<s>": 0, "hello": 1, "world": 2, "[UNK]": 3}, "unk_token": "[UNK]"}}
            """;

    @Test
    void addsNoSpecialTokensAndDecodeKeepsThem(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), WORD_LEVEL);
        try (HfTokenizer tok = Tokenizers.load(dir, null)) {
            assertFalse(tok.decodesInJava());
            assertEquals(4, tok.vocabSize());
            assertArrayEquals(new int[] {1, 2, 3}, tok.encode("hello world again"));
            assertEquals("<s> hello world", tok.decode(new int[] {0, 1, 2}));
        }
    }

    @Test
    void searchOrderOverrideThenTokenizerJsonThenVocabMergesThenGoldenLayout(@TempDir Path dir) throws IOException {
        Path model = Files.createDirectories(dir.resolve("models/m"));
        for (String f : List.of("vocab.json", "merges.txt")) Files.copy(SHARED.resolve(f), model.resolve(f));
        try (HfTokenizer t = Tokenizers.load(model, null)) {
            assertEquals(50257, t.vocabSize(), "vocab.json + merges.txt");
        }
        Files.writeString(model.resolve("tokenizer.json"), WORD_LEVEL);
        try (HfTokenizer t = Tokenizers.load(model, null)) {
            assertEquals(4, t.vocabSize(), "tokenizer.json before vocab.json + merges.txt");
        }
        try (HfTokenizer t = Tokenizers.load(model, SHARED.resolve("tokenizer.json"))) {
            assertEquals(50257, t.vocabSize(), "an override file first");
        }
        try (HfTokenizer t = Tokenizers.load(model, SHARED)) {
            assertEquals(50257, t.vocabSize(), "an override folder first");
        }

        Path bare = Files.createDirectories(dir.resolve("models/bare"));
        UserError none = assertThrows(UserError.class, () -> Tokenizers.load(bare, null));
        assertEquals(bare + ": no tokenizer: looked for tokenizer.json, vocab.json + merges.txt, and ../tokenizer/ "
                + "(or name a tokenizer.json or its folder explicitly)", none.getMessage());

        // The golden layout: model folders beside a shared tokenizer/ folder.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (HfTokenizer t = Tokenizers.load(GOLDEN.resolve("gpt2"), null, new PrintStream(err, true, StandardCharsets.UTF_8))) {
            assertArrayEquals(new int[] {1169, 3053, 2209}, t.encode("the email address"));
        }
        assertEquals("piiprobe: " + GOLDEN.resolve("gpt2") + " has no tokenizer; using " + SHARED + "\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badOverrideNamesIt(@TempDir Path dir) {
        Path missing = dir.resolve("nope.json");
        UserError e = assertThrows(UserError.class, () -> Tokenizers.load(GOLDEN.resolve("gpt2"), missing));
        assertEquals(missing + ": no such tokenizer file or folder", e.getMessage());
        UserError empty = assertThrows(UserError.class, () -> Tokenizers.load(GOLDEN.resolve("gpt2"), dir));
        assertEquals(dir + ": no tokenizer.json, nor vocab.json and merges.txt", empty.getMessage());
    }

    @Test
    void malformedTokenizerJsonNamesTheFileAndPlace(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"version\": \"1.0\",\n \"model\": {\"type\": \"BPE\",, }}");
        UserError e = assertThrows(UserError.class, () -> Tokenizers.load(dir, null));
        assertTrue(e.getMessage().startsWith(f + ": malformed JSON: Unexpected character (','"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(line 2, column 26)"), e.getMessage());

        Files.writeString(f, "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": 7}}");
        UserError lib = assertThrows(UserError.class, () -> Tokenizers.load(dir, null));
        assertTrue(lib.getMessage().startsWith(f + ": the tokenizers library rejects it: "), lib.getMessage());

        Files.writeString(f, "{\"version\": \"1.0\", \"decoder\": null}");
        assertEquals(f + ": no \"model\" object (not a tokenizer.json?)",
                assertThrows(UserError.class, () -> Tokenizers.load(dir, null)).getMessage());

        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": -4}, \"merges\": []}}");
        assertEquals(f + ": vocab['b'] has id -4, not an integer in [0, 16777216)",
                assertThrows(UserError.class, () -> Tokenizers.load(dir, null)).getMessage());

        Files.writeString(f, "{\"model\": {\"vocab\": {\"a\": 0, \"a\": 1}}}");
        assertTrue(assertThrows(UserError.class, () -> Tokenizers.load(dir, null)).getMessage().startsWith(f + ": malformed JSON: Duplicate field 'a'"));
    }

    @Test
    void malformedVocabOrMergesNamesTheFileAndLine(@TempDir Path dir) throws IOException {
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        Files.writeString(vocab, "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        UserError half = assertThrows(UserError.class, () -> Tokenizers.load(dir, null));
        assertEquals(dir + ": has vocab.json but no merges.txt (a GPT-2 style tokenizer needs both)", half.getMessage());

        Files.writeString(merges, "#version: 0.2\na b\nab  c\n");
        assertEquals(merges + ": line 3 is not two tokens separated by one space: 'ab  c'",
                assertThrows(UserError.class, () -> Tokenizers.load(dir, null)).getMessage());
        Files.writeString(merges, "#version: 0.2\na b\nab c\n");
        assertEquals(merges + ": line 3: 'c' is not in vocab.json",
                assertThrows(UserError.class, () -> Tokenizers.load(dir, null)).getMessage());

        Files.writeString(vocab, "{\"a\": 0, \"b\": \"one\"}");
        assertEquals(vocab + ": token 'b' has id \"one\", not a non-negative integer",
                assertThrows(UserError.class, () -> Tokenizers.load(dir, null)).getMessage());
        Files.writeString(vocab, "[\"a\"]");
        assertEquals(vocab + ": not a JSON object", assertThrows(UserError.class, () -> Tokenizers.load(dir, null)).getMessage());
    }

    @Test
    void vocabMergesFolderTakesSpecialTokensFromItsConfig(@TempDir Path dir) throws IOException {
        for (String f : List.of("vocab.json", "merges.txt")) Files.copy(SHARED.resolve(f), dir.resolve(f));
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"eos_token\": \"<|endoftext|>\", \"additional_special_tokens\": [\"<|pii|>\"]}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_prefix_space\": true}");
        try (HfTokenizer tok = Tokenizers.load(dir, null)) {
            assertEquals(50258, tok.vocabSize());
            // add_prefix_space: "hello" is encoded as " hello"; the new special token is never split.
            assertArrayEquals(new int[] {23748, 50257, 50256}, tok.encode("hello<|pii|><|endoftext|>"));
            assertEquals(" hello<|pii|><|endoftext|>", tok.decode(new int[] {23748, 50257, 50256}));
        }
    }

    @Test
    void aDeviceNamedTokenizerJsonIsRefusedWithoutReadingIt(@TempDir Path dir) throws IOException {
        Path zero = Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(zero));
        Path link = Files.createSymbolicLink(dir.resolve("tokenizer.json"), zero); // reading it would never end
        UserError e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> assertThrows(UserError.class, () -> Tokenizers.load(dir, null)));
        assertEquals(link + ": not a regular file (a FIFO, socket or device)", e.getMessage());
        Files.delete(link);
    }
}
