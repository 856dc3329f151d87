package piiprobe.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.Checkpoint;
import piiprobe.engine.checkpoint.HfConfig;
import piiprobe.engine.kernel.Activation;
import piiprobe.engine.kernel.Rope;

import java.util.List;

/** The registry of architectures: config.json's model_type picks the file that runs it. */
public final class Architectures {
    /** The model_type values piiprobe runs. */
    public static final List<String> SUPPORTED = List.of("gpt2", "gpt_neo", "gpt_neox", "llama", "mistral", "qwen2");

    private Architectures() {}

    /**
     * The forward pass of the checkpoint's architecture, its weights packed for the kernels. The model
     * reads embedding rows from the checkpoint's mapping: close the model before the checkpoint.
     */
    public static Transformer load(Checkpoint checkpoint) {
        HfConfig config = checkpoint.config();
        Weights.Loaded weights = new Weights.Loaded(checkpoint, basePrefix(config));
        try {
            return build(config, weights);
        } catch (RuntimeException e) {
            weights.arena().close();
            throw e;
        }
    }

    static Transformer build(HfConfig config, Weights weights) {
        return switch (modelType(config)) {
            case "gpt2" -> Gpt2.load(config, weights);
            case "gpt_neo" -> GptNeo.load(config, weights);
            case "gpt_neox" -> new GptNeoX(config, weights);
            default -> new Llama(config, weights);
        };
    }

    /** transformers' base_model_prefix: the key prefix of the base model's tensors. */
    static String basePrefix(HfConfig config) {
        return switch (modelType(config)) {
            case "gpt2", "gpt_neo" -> "transformer";
            case "gpt_neox" -> "gpt_neox";
            default -> "model";
        };
    }

    private static String modelType(HfConfig config) {
        String type = config.modelType();
        if (!SUPPORTED.contains(type))
            throw new UserError(config.file() + ": model_type '" + type + "' is not supported; piiprobe runs " + String.join(", ", SUPPORTED));
        return type;
    }

    // ---- config.json checks shared by the architecture files: each names the file and the key ----

    static int positive(HfConfig c, String key, int dflt) {
        int v = c.optInt(key, dflt);
        if (v < 1) throw new UserError(c.file() + ": '" + key + "' must be a positive integer, got " + v);
        return v;
    }

    static double positiveNumber(HfConfig c, String key, double dflt) {
        double v = c.optDouble(key, dflt);
        if (!(v > 0)) throw new UserError(c.file() + ": '" + key + "' must be a positive number, got " + v);
        return v;
    }

    /** {@code total / parts}, which must divide evenly. */
    static int divide(HfConfig c, String totalKey, int total, String partsKey, int parts) {
        if (total % parts != 0)
            throw new UserError(c.file() + ": '" + totalKey + "' (" + total + ") must be divisible by '" + partsKey + "' (" + parts + ")");
        return total / parts;
    }

    static Activation activation(HfConfig c, String key, String dflt) {
        String name = c.optString(key, dflt);
        Activation a = Activation.byName(name);
        if (a == null)
            throw new UserError(c.file() + ": '" + key + "' is '" + name + "', which piiprobe does not implement; it has " + Activation.supportedNames());
        return a;
    }

    /**
     * rope_scaling as transformers 4.40 validates it for Llama and GPT-NeoX: null, or
     * {"type": "linear" | "dynamic", "factor": f > 1}.
     */
    static Rope rope(HfConfig c, int dim, double base, int maxPositions) {
        if (dim % 2 != 0) throw new UserError(c.file() + ": the rotary dimension " + dim + " must be even");
        JsonNode s = c.raw().get("rope_scaling");
        if (s == null || s.isNull()) return new Rope(dim, base, Rope.Scaling.NONE, 1, maxPositions);
        JsonNode type = s.get("type"), factor = s.get("factor");
        if (!s.isObject() || type == null || !type.isTextual() || factor == null || !factor.isNumber())
            throw new UserError(c.file() + ": 'rope_scaling' must be {\"type\": \"linear\" or \"dynamic\", \"factor\": a number > 1}, got " + s);
        Rope.Scaling scaling = switch (type.asText()) {
            case "linear" -> Rope.Scaling.LINEAR;
            case "dynamic" -> Rope.Scaling.DYNAMIC;
            default -> throw new UserError(c.file() + ": rope_scaling type '" + type.asText()
                    + "' is not supported; piiprobe implements transformers 4.40's 'linear' and 'dynamic'");
        };
        if (!(factor.doubleValue() > 1))
            throw new UserError(c.file() + ": rope_scaling factor must be > 1, got " + factor);
        return new Rope(dim, base, scaling, factor.doubleValue(), maxPositions);
    }
}
