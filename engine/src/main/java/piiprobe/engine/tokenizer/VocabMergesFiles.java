package piiprobe.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.HfFiles;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GPT-2 style tokenizer folder ({@code vocab.json} + {@code merges.txt}, perhaps with
 * {@code tokenizer_config.json}, {@code special_tokens_map.json}, {@code added_tokens.json}) turned into
 * the tokenizer.json that transformers' GPT2TokenizerFast would build from it: byte-level BPE, ByteLevel
 * pre-tokenizer (GPT-2's regex; add_prefix_space as tokenizer_config.json says, else false) and decoder,
 * no normalizer, {@code <|endoftext|>} and every special or added token named by the config files as
 * added tokens.
 */
final class VocabMergesFiles {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String ENDOFTEXT = "<|endoftext|>";
    private static final List<String> SPECIAL_KEYS = List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
            "cls_token", "mask_token");

    private VocabMergesFiles() {}

    /** An added token as tokenizer.json writes it; {@code id} is -1 until placed. */
    private record Added(String content, int id, boolean special, boolean lstrip, boolean rstrip, boolean singleWord, boolean normalized) {
        Added withId(int newId) {
            return new Added(content, newId, special, lstrip, rstrip, singleWord, normalized);
        }
    }

    static ObjectNode toTokenizerJson(Path vocabJson, Path mergesTxt) {
        Path dir = vocabJson.getParent();
        JsonNode vocabNode = HfFiles.readObject(vocabJson);
        ObjectNode vocab = F.objectNode();
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0)
                throw new UserError(vocabJson + ": token '" + e.getKey() + "' has id " + v + ", not a non-negative integer");
            vocab.put(e.getKey(), v.intValue());
            ids.put(e.getKey(), v.intValue());
        }
        ArrayNode merges = readMerges(mergesTxt, ids);
        JsonNode config = optionalObject(dir.resolve("tokenizer_config.json"));
        Map<String, Added> added = addedTokens(dir, config);

        ObjectNode root = F.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode addedArray = root.putArray("added_tokens");
        int next = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (Added a : added.values()) {
            // A token of the vocabulary keeps its id; a new one takes its stated id, else the next free one.
            Integer inVocab = ids.get(a.content);
            Added placed = a.withId(inVocab != null ? inVocab : a.id >= 0 ? a.id : next++);
            next = Math.max(next, placed.id + 1);
            ObjectNode t = addedArray.addObject();
            t.put("id", placed.id).put("content", placed.content).put("single_word", placed.singleWord).put("lstrip", placed.lstrip)
                    .put("rstrip", placed.rstrip).put("normalized", placed.normalized).put("special", placed.special);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", prefixSpace(config, dir)).put("trim_offsets", true).put("use_regex", true);
        root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "").put("end_of_word_suffix", "").put("fuse_unk", false).put("byte_fallback", false);
        model.set("vocab", vocab);
        model.set("merges", merges);
        return root;
    }

    /**
     * merges.txt: an optional {@code #version} line, then one merge per line, two tokens of the
     * vocabulary separated by one space, whose concatenation is in the vocabulary too.
     */
    private static ArrayNode readMerges(Path mergesTxt, Map<String, Integer> ids) {
        if (!HfFiles.isRegularFile(mergesTxt)) throw new UserError(mergesTxt + ": file not found");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(mergesTxt))).toString();
        } catch (CharacterCodingException e) {
            throw new UserError(mergesTxt + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UserError(mergesTxt + ": cannot read: " + UserError.reason(e));
        }
        ArrayNode merges = F.arrayNode();
        String[] lines = text.split("\r?\n", -1);
        int last = lines.length;
        while (last > 0 && lines[last - 1].isEmpty()) last--;
        for (int i = 0; i < last; i++) {
            String line = lines[i];
            if (i == 0 && line.startsWith("#version")) continue;
            int sp = line.indexOf(' ');
            if (sp <= 0 || sp == line.length() - 1 || line.indexOf(' ', sp + 1) >= 0)
                throw new UserError(mergesTxt + ": line " + (i + 1) + " is not two tokens separated by one space: '" + line + "'");
            String a = line.substring(0, sp), b = line.substring(sp + 1);
            for (String tok : new String[] {a, b, a + b}) {
                if (!ids.containsKey(tok))
                    throw new UserError(mergesTxt + ": line " + (i + 1) + ": '" + tok + "' is not in vocab.json");
            }
            merges.add(line);
        }
        return merges;
    }

    /**
     * Added tokens in the order transformers adds them: added_tokens_decoder (tokenizer_config.json),
     * added_tokens.json, then the special tokens that special_tokens_map.json or tokenizer_config.json
     * name; bos, eos and unk default to {@code <|endoftext|>}, as in GPT2Tokenizer.
     */
    private static Map<String, Added> addedTokens(Path dir, JsonNode config) {
        Path configFile = dir.resolve("tokenizer_config.json");
        Map<String, Added> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object(config, "added_tokens_decoder", configFile).properties()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new UserError(configFile + ": added_tokens_decoder key '" + e.getKey() + "' is not an id");
            }
            Added a = added(e.getValue(), configFile);
            out.putIfAbsent(a.content, a.withId(id));
        }
        Path addedFile = dir.resolve("added_tokens.json");
        for (Map.Entry<String, JsonNode> e : optionalObject(addedFile).properties()) {
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0)
                throw new UserError(addedFile + ": token '" + e.getKey() + "' has id " + v + ", not a non-negative integer");
            out.putIfAbsent(e.getKey(), new Added(e.getKey(), v.intValue(), false, false, false, false, true));
        }
        Path mapFile = dir.resolve("special_tokens_map.json");
        JsonNode map = optionalObject(mapFile);
        for (String key : SPECIAL_KEYS) {
            // The first file that has the key decides, even when it says null.
            JsonNode t = map.has(key) ? map.get(key) : config.has(key) ? config.get(key)
                    : key.equals("bos_token") || key.equals("eos_token") || key.equals("unk_token") ? F.textNode(ENDOFTEXT) : null;
            if (t != null && !t.isNull()) {
                Added a = added(t, map.has(key) ? mapFile : configFile);
                out.putIfAbsent(a.content, a);
            }
        }
        for (Path file : List.of(mapFile, configFile)) {
            JsonNode extra = (file == mapFile ? map : config).path("additional_special_tokens");
            if (!extra.isMissingNode() && !extra.isNull() && !extra.isArray())
                throw new UserError(file + ": additional_special_tokens must be a list");
            for (JsonNode t : extra) {
                Added a = added(t, file);
                out.putIfAbsent(a.content, a);
            }
        }
        return out;
    }

    private static JsonNode optionalObject(Path file) {
        return HfFiles.isRegularFile(file) ? HfFiles.readObject(file) : F.objectNode();
    }

    private static JsonNode object(JsonNode parent, String key, Path file) {
        JsonNode n = parent.path(key);
        if (n.isMissingNode() || n.isNull()) return F.objectNode();
        if (!n.isObject()) throw new UserError(file + ": " + key + " must be an object, got " + n);
        return n;
    }

    /** A special token given as a string or as transformers' AddedToken object. */
    private static Added added(JsonNode n, Path file) {
        if (n.isTextual()) return new Added(n.asText(), -1, true, false, false, false, true);
        if (n.isObject() && n.path("content").isTextual()) {
            return new Added(n.get("content").asText(), -1, n.path("special").asBoolean(true), n.path("lstrip").asBoolean(false),
                    n.path("rstrip").asBoolean(false), n.path("single_word").asBoolean(false), n.path("normalized").asBoolean(true));
        }
        throw new UserError(file + ": a token must be a string or an object with a \"content\" string, got " + n);
    }

    private static boolean prefixSpace(JsonNode config, Path dir) {
        JsonNode v = config.path("add_prefix_space");
        if (v.isMissingNode() || v.isNull()) return false;
        if (!v.isBoolean()) throw new UserError(dir.resolve("tokenizer_config.json") + ": add_prefix_space must be true or false, got " + v);
        return v.booleanValue();
    }
}
