package piiprobe.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.audit.data.Dataset;
import piiprobe.audit.metrics.MetricsConfig;
import piiprobe.engine.Decoding;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Everything that decides an audit's outputs, as given on the command line; written to
 * {@code config.json} so that a run can be resumed, re-scored and repeated.
 *
 * @param version      piiprobe's version
 * @param model        the model's name for reports
 * @param modelPath    where the model was loaded from (a folder, or a served model's address)
 * @param tokenizer    the tokenizer given instead of the model's own, or null
 * @param dataset      {@code enron} or a data set file
 * @param settings     setting names, or {@code all}
 * @param decoding     {@code greedy}, {@code sample} or {@code beam}
 * @param maxNewTokens new tokens per prompt (the paper: 100)
 * @param seed         the sampling seed
 * @param batchSize    prompts per batch
 * @param limit        audit only the first {@code limit} people of the population; 0 for all
 * @param redact       mask names and addresses in every output but the counts
 * @param earlyStop    stop a row once its prediction is final (changes speed, never results)
 * @param metrics      what is measured beyond exact match
 */
public record AuditConfig(String version, String model, String modelPath, String tokenizer, String dataset,
                          List<String> settings, String decoding, int maxNewTokens, long seed, int batchSize, int limit,
                          boolean redact, boolean earlyStop, MetricsConfig metrics) {
    public static final List<String> DECODINGS = List.of("greedy", "sample", "beam");
    /** The paper's sampling: temperature 0.7 and transformers' default top-k of 50. */
    public static final float SAMPLING_TEMPERATURE = 0.7f;
    public static final int SAMPLING_TOP_K = 50;
    /** The paper's beam search: 5 beams, early stopping. */
    public static final int BEAMS = 5;

    public AuditConfig {
        settings = List.copyOf(settings);
        if (!DECODINGS.contains(decoding))
            throw new UserError("--decoding must be one of " + String.join(", ", DECODINGS) + ", not \"" + decoding + "\"");
        if (maxNewTokens < 1) throw new UserError("--max-new-tokens must be >= 1, got " + maxNewTokens);
        if (batchSize < 1) throw new UserError("--batch-size must be >= 1, got " + batchSize);
        if (limit < 0) throw new UserError("--limit must be >= 0, got " + limit);
    }

    /** A model with its own tokenizer, measured by exact match only. */
    public AuditConfig(String version, String model, String modelPath, String dataset, List<String> settings,
                       String decoding, int maxNewTokens, long seed, int batchSize, int limit, boolean redact,
                       boolean earlyStop) {
        this(version, model, modelPath, null, dataset, settings, decoding, maxNewTokens, seed, batchSize, limit, redact,
                earlyStop, MetricsConfig.EXACT_ONLY);
    }

    /** The paper's decoding for {@link #decoding()}. */
    public Decoding toDecoding() {
        return switch (decoding) {
            case "greedy" -> new Decoding.Greedy(maxNewTokens, 0);
            case "sample" -> new Decoding.Sampling(maxNewTokens, 0, SAMPLING_TEMPERATURE, SAMPLING_TOP_K, 1f, seed);
            case "beam" -> new Decoding.Beam(maxNewTokens, 0, BEAMS, 1f, true, 1);
            default -> throw new IllegalStateException(decoding);
        };
    }

    /** A copy with {@code settings} replaced (the expansion of {@code all}). */
    public AuditConfig withSettings(List<String> expanded) {
        return new AuditConfig(version, model, modelPath, tokenizer, dataset, expanded, decoding, maxNewTokens, seed,
                batchSize, limit, redact, earlyStop, metrics);
    }

    /** A copy measuring {@code measured} beyond exact match. */
    public AuditConfig withMetrics(MetricsConfig measured) {
        return new AuditConfig(version, model, modelPath, tokenizer, dataset, settings, decoding, maxNewTokens, seed,
                batchSize, limit, redact, earlyStop, measured);
    }

    /** config.json: this config and the data set's identity. */
    public ObjectNode toJson(Dataset data) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("piiprobe_version", version);
        ObjectNode m = o.putObject("model").put("name", model).put("path", modelPath);
        if (tokenizer != null) m.put("tokenizer", tokenizer);
        o.putObject("dataset").put("source", data.source()).put("sha256", data.sha256()).put("people", data.people().size());
        settings.forEach(o.putArray("settings")::add);
        ObjectNode d = o.putObject("decoding").put("name", decoding).put("max_new_tokens", maxNewTokens);
        switch (toDecoding()) {
            case Decoding.Sampling s -> d.put("temperature", s.temperature()).put("top_k", s.topK()).put("seed", s.seed());
            case Decoding.Beam b -> d.put("num_beams", b.numBeams()).put("early_stopping", b.earlyStopping());
            case Decoding.Greedy g -> { }
        }
        o.put("seed", seed).put("batch_size", batchSize).put("limit", limit).put("redact", redact).put("early_stop", earlyStop);
        if (metrics.any()) o.set("metrics", metrics.toJson());
        return o;
    }

    /** What {@link #fromJson} needs of a config.json (JSON pointers). */
    private static final List<String> REQUIRED = List.of("/piiprobe_version", "/model/name", "/model/path", "/dataset/source",
            "/settings", "/decoding/name", "/decoding/max_new_tokens", "/seed", "/batch_size", "/limit", "/redact", "/early_stop");

    /** Reads back what {@link #toJson} wrote into {@code file}; a file that lacks part of it is a user error naming what. */
    public static AuditConfig fromJson(JsonNode o, Path file) {
        for (String pointer : REQUIRED)
            if (o.at(pointer).isMissingNode() || o.at(pointer).isNull())
                throw new UserError(file + ": not the config.json of a piiprobe run (it has no \"" + pointer.substring(1).replace('/', '.') + "\")");
        List<String> settings = new ArrayList<>();
        for (Iterator<JsonNode> it = o.get("settings").elements(); it.hasNext(); ) settings.add(it.next().textValue());
        return new AuditConfig(o.get("piiprobe_version").textValue(), o.get("model").get("name").textValue(),
                o.get("model").get("path").textValue(), o.get("model").path("tokenizer").textValue(),
                o.get("dataset").get("source").textValue(), settings,
                o.get("decoding").get("name").textValue(), o.get("decoding").get("max_new_tokens").intValue(),
                o.get("seed").longValue(), o.get("batch_size").intValue(), o.get("limit").intValue(),
                o.get("redact").booleanValue(), o.get("early_stop").booleanValue(), MetricsConfig.fromJson(o.get("metrics")));
    }

    /**
     * The first field where {@code stored} and {@code now} differ in a way that changes outputs, or null
     * when a run may resume ({@code early_stop} only changes speed). A field only one of them has (the
     * metrics of a run measured beyond exact match) is a difference too.
     */
    public static String firstDifference(JsonNode stored, JsonNode now) {
        try {
            now = new ObjectMapper().readTree(now.toString()); // numbers typed as parsing types them
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (Iterator<String> it = now.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (field.equals("early_stop")) continue;
            if (!now.get(field).equals(stored.get(field)))
                return field + " (run has " + stored.get(field) + ", now " + now.get(field) + ")";
        }
        for (Iterator<String> it = stored.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!now.has(field)) return field + " (run has " + stored.get(field) + ", now none)";
        }
        return null;
    }
}
