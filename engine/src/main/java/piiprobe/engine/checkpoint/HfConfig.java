package piiprobe.engine.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import piiprobe.engine.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's {@code config.json} (and {@code generation_config.json} beside it, for the end-of-sequence
 * token), with typed getters whose errors name the file and the key. Each architecture reads its own
 * keys and applies transformers' defaults itself.
 */
public final class HfConfig {
    private final Path file;
    private final JsonNode root;
    private final JsonNode generation;

    private HfConfig(Path file, JsonNode root, JsonNode generation) {
        this.file = file;
        this.root = root;
        this.generation = generation;
    }

    /** Reads {@code config.json} and, when present, {@code generation_config.json} from the same folder. */
    public static HfConfig read(Path configJson) {
        JsonNode root = HfFiles.readObject(configJson);
        Path gen = configJson.resolveSibling("generation_config.json");
        JsonNode generation = HfFiles.isRegularFile(gen) ? HfFiles.readObject(gen) : null;
        return new HfConfig(configJson, root, generation);
    }

    /** A config from JSON already in memory (tests, random-weight bench models). */
    public static HfConfig of(Path file, JsonNode root) {
        return new HfConfig(file, root, null);
    }

    public Path file() {
        return file;
    }

    public JsonNode raw() {
        return root;
    }

    public String modelType() {
        return getString("model_type");
    }

    /** True when the key is present with a non-null value. */
    public boolean has(String key) {
        JsonNode n = root.get(key);
        return n != null && !n.isNull();
    }

    public String getString(String key) {
        JsonNode n = require(key);
        if (!n.isTextual()) throw bad(key, "a string", n);
        return n.asText();
    }

    public String optString(String key, String dflt) {
        return has(key) ? getString(key) : dflt;
    }

    public int getInt(String key) {
        JsonNode n = require(key);
        if (!n.canConvertToInt() || !n.isIntegralNumber()) throw bad(key, "an integer", n);
        return n.intValue();
    }

    public int optInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    public double getDouble(String key) {
        JsonNode n = require(key);
        if (!n.isNumber()) throw bad(key, "a number", n);
        return n.doubleValue();
    }

    public double optDouble(String key, double dflt) {
        return has(key) ? getDouble(key) : dflt;
    }

    public boolean optBoolean(String key, boolean dflt) {
        if (!has(key)) return dflt;
        JsonNode n = root.get(key);
        if (!n.isBoolean()) throw bad(key, "true or false", n);
        return n.booleanValue();
    }

    public List<String> optStringList(String key) {
        List<String> out = new ArrayList<>();
        if (!has(key)) return out;
        JsonNode n = root.get(key);
        if (!n.isArray()) throw bad(key, "a list of strings", n);
        for (JsonNode e : n) {
            if (!e.isTextual()) throw bad(key, "a list of strings", n);
            out.add(e.asText());
        }
        return out;
    }

    /**
     * The end-of-sequence ids: generation_config.json's {@code eos_token_id} when it has one, else
     * config.json's; an int or a list of ints; empty when neither says.
     */
    public int[] eosTokenIds() {
        JsonNode n = generation != null && generation.hasNonNull("eos_token_id") ? generation.get("eos_token_id")
                : root.get("eos_token_id");
        if (n == null || n.isNull()) return new int[0];
        if (n.isIntegralNumber()) return new int[] {n.intValue()};
        if (n.isArray()) {
            int[] ids = new int[n.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!n.get(i).isIntegralNumber()) throw bad("eos_token_id", "an integer or a list of integers", n);
                ids[i] = n.get(i).intValue();
            }
            return ids;
        }
        throw bad("eos_token_id", "an integer or a list of integers", n);
    }

    private JsonNode require(String key) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) throw new UserError(file + ": missing '" + key + "'");
        return n;
    }

    private UserError bad(String key, String expected, JsonNode got) {
        return new UserError(file + ": '" + key + "' must be " + expected + ", got " + got);
    }
}
