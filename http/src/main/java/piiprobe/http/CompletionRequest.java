package piiprobe.http;

import com.fasterxml.jackson.databind.JsonNode;
import piiprobe.engine.Decoding;
import piiprobe.engine.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code /v1/completions} request, parsed and validated: every field a client may send is checked here,
 * so that the rest of the server only sees values the engine accepts. Field names and defaults follow
 * OpenAI's completions API, with vLLM's extensions ({@code top_k}, {@code min_tokens},
 * {@code use_beam_search}, {@code length_penalty}, {@code early_stopping}, {@code return_token_ids},
 * {@code return_tokens_as_token_ids}, {@code skip_special_tokens}).
 *
 * @param promptTexts the prompt as the client wrote it, or null where it came as token ids
 * @param decoding    null when {@code max_tokens} is 0 (echo only: score the prompt, generate nothing)
 * @param randomSeed  sampling without a {@code seed}: the server draws one per engine call
 * @param rowsPerPrompt engine rows per prompt: {@code n}, or 1 for beam search (whose n beams come from one row)
 * @param logprobs    null: no log-probs; 0: the chosen tokens' only; N: also the N most likely
 */
record CompletionRequest(List<int[]> prompts, List<String> promptTexts, Decoding decoding, boolean randomSeed,
                         int rowsPerPrompt, List<String> stop, boolean stream, boolean includeUsage, boolean echo,
                         Integer logprobs, boolean tokensAsIds, boolean returnTokenIds, boolean skipSpecialTokens) {

    /** Server limits that bound what one request may ask for. */
    record Limits(int maxTokens, int maxLogprobs, int maxRows, int maxStops, int vocabSize) {}

    static CompletionRequest parse(JsonNode body, Tokenizer tokenizer, Limits limits) {
        if (!body.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
        List<String> texts = new ArrayList<>();
        List<int[]> prompts = parsePrompts(body.get("prompt"), tokenizer, limits.vocabSize(), texts);

        boolean echo = bool(body, "echo", false);
        int maxTokens = integer(body, "max_tokens", 16, 0, limits.maxTokens());
        if (maxTokens == 0 && !echo) throw ApiError.invalid("max_tokens", "max_tokens must be at least 1 unless echo is true");
        int minTokens = integer(body, "min_tokens", 0, 0, Math.max(maxTokens, 0));
        int n = integer(body, "n", 1, 1, limits.maxRows());
        if (n * prompts.size() > limits.maxRows())
            throw ApiError.invalid("n", "prompts × n is " + n * prompts.size() + ", above this server's limit of " + limits.maxRows());
        JsonNode bestOf = body.get("best_of");
        if (bestOf != null && !bestOf.isNull() && !(bestOf.canConvertToExactIntegral() && bestOf.asInt() == n))
            throw ApiError.invalid("best_of", "best_of other than n is not supported");
        for (String penalty : List.of("presence_penalty", "frequency_penalty"))
            if (number(body, penalty, 0, -2, 2) != 0) throw ApiError.invalid(penalty, penalty + " is not supported");
        JsonNode bias = body.get("logit_bias");
        if (bias != null && !bias.isNull() && !bias.isEmpty()) throw ApiError.invalid("logit_bias", "logit_bias is not supported");
        JsonNode suffix = body.get("suffix");
        if (suffix != null && !suffix.isNull()) throw ApiError.invalid("suffix", "suffix is not supported");

        boolean stream = bool(body, "stream", false);
        JsonNode streamOptions = body.get("stream_options");
        boolean includeUsage = streamOptions != null && streamOptions.isObject() && bool(streamOptions, "include_usage", false);
        JsonNode lp = body.get("logprobs");
        Integer logprobs = lp == null || lp.isNull() ? null : integer(body, "logprobs", 0, 0, limits.maxLogprobs());
        List<String> stop = parseStop(body.get("stop"), limits.maxStops());

        boolean beam = bool(body, "use_beam_search", false);
        double temperature = number(body, "temperature", 1.0, 0, 2);
        double topP = number(body, "top_p", 1.0, Double.MIN_VALUE, 1);
        int topK = integer(body, "top_k", -1, -1, limits.vocabSize());
        JsonNode seedNode = body.get("seed");
        boolean randomSeed = seedNode == null || seedNode.isNull();
        if (!randomSeed && !seedNode.canConvertToLong()) throw ApiError.invalid("seed", "seed must be an integer");
        Decoding decoding = null;
        if (maxTokens > 0) {
            if (beam) {
                if (stream) throw ApiError.invalid("stream", "stream is not supported with use_beam_search");
                double lengthPenalty = number(body, "length_penalty", 1.0, -1e6, 1e6);
                decoding = new Decoding.Beam(maxTokens, minTokens, n, (float) lengthPenalty, bool(body, "early_stopping", false), n);
            } else if (temperature == 0) {
                decoding = new Decoding.Greedy(maxTokens, minTokens);
            } else {
                decoding = new Decoding.Sampling(maxTokens, minTokens, (float) temperature, topK, (float) topP,
                        randomSeed ? 0 : seedNode.asLong());
            }
        }
        return new CompletionRequest(prompts, texts, decoding, decoding instanceof Decoding.Sampling && randomSeed,
                beam ? 1 : n, stop, stream, includeUsage, echo, logprobs,
                bool(body, "return_tokens_as_token_ids", false), bool(body, "return_token_ids", false),
                bool(body, "skip_special_tokens", true));
    }

    private static List<int[]> parsePrompts(JsonNode prompt, Tokenizer tokenizer, int vocab, List<String> texts) {
        if (prompt == null || prompt.isNull()) throw ApiError.invalid("prompt", "prompt is required");
        List<int[]> prompts = new ArrayList<>();
        if (prompt.isTextual()) {
            addText(prompt.asText(), tokenizer, prompts, texts);
        } else if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isIntegralNumber()) {
            prompts.add(ids(prompt, vocab, "prompt"));
            texts.add(null);
        } else if (prompt.isArray() && !prompt.isEmpty()) {
            for (int i = 0; i < prompt.size(); i++) {
                JsonNode p = prompt.get(i);
                if (p.isTextual()) addText(p.asText(), tokenizer, prompts, texts);
                else if (p.isArray()) {
                    prompts.add(ids(p, vocab, "prompt[" + i + "]"));
                    texts.add(null);
                } else throw ApiError.invalid("prompt", "prompt[" + i + "] must be a string or an array of token ids");
            }
        } else {
            throw ApiError.invalid("prompt", "prompt must be a string, an array of strings, an array of token ids or an array of such arrays");
        }
        for (int i = 0; i < prompts.size(); i++)
            if (prompts.get(i).length == 0)
                throw ApiError.invalid("prompt", "prompt" + (prompts.size() > 1 ? "[" + i + "]" : "") + " is empty: the model needs at least one token");
        return prompts;
    }

    private static void addText(String text, Tokenizer tokenizer, List<int[]> prompts, List<String> texts) {
        prompts.add(tokenizer.encode(text));
        texts.add(text);
    }

    /** Token ids from a JSON array, each checked against the vocabulary; {@code name} is the field's path. */
    static int[] ids(JsonNode array, int vocab, String name) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.canConvertToExactIntegral() || id.asLong() < 0 || id.asLong() >= vocab)
                throw ApiError.invalid(name.replaceAll("\\[.*", ""), name + "[" + i + "] is " + id + ", not a token id in 0.." + (vocab - 1));
            ids[i] = id.asInt();
        }
        return ids;
    }

    private static List<String> parseStop(JsonNode stop, int maxStops) {
        if (stop == null || stop.isNull()) return List.of();
        List<String> stops = new ArrayList<>();
        if (stop.isTextual()) stops.add(stop.asText());
        else if (stop.isArray()) for (JsonNode s : stop) {
            if (!s.isTextual()) throw ApiError.invalid("stop", "stop must be a string or an array of strings");
            stops.add(s.asText());
        }
        else throw ApiError.invalid("stop", "stop must be a string or an array of strings");
        if (stops.size() > maxStops) throw ApiError.invalid("stop", "at most " + maxStops + " stop sequences, got " + stops.size());
        if (stops.stream().anyMatch(String::isEmpty)) throw ApiError.invalid("stop", "stop sequences must not be empty");
        return List.copyOf(stops);
    }

    static boolean bool(JsonNode body, String name, boolean fallback) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return fallback;
        if (!v.isBoolean()) throw ApiError.invalid(name, name + " must be true or false, got " + v);
        return v.booleanValue();
    }

    static int integer(JsonNode body, String name, int fallback, int min, int max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return fallback;
        if (!v.canConvertToExactIntegral() || v.asLong() < min || v.asLong() > max)
            throw ApiError.invalid(name, name + " must be an integer in " + min + ".." + max + ", got " + v);
        return v.asInt();
    }

    private static double number(JsonNode body, String name, double fallback, double min, double max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return fallback;
        if (!v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max))
            throw ApiError.invalid(name, name + " must be a number in [" + (min == Double.MIN_VALUE ? "0 (excluded)" : min) + ", " + max + "], got " + v);
        return v.asDouble();
    }
}
