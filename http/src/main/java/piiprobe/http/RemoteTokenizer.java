package piiprobe.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.UserError;

/**
 * The served model's own tokenizer, through vLLM's {@code POST /tokenize} and {@code /detokenize}
 * (which {@link CompletionsServer} also offers), for when no local tokenizer.json is given.
 */
final class RemoteTokenizer implements Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApiClient api;
    private final String model;
    private final int vocabSize;
    private final int[] eos;

    /**
     * @param vocabSize from the server's model card, or -1 when it does not say
     * @param eos       the end-of-sequence ids from the model card (none: empty)
     */
    RemoteTokenizer(ApiClient api, String model, int vocabSize, int[] eos) {
        this.api = api;
        this.model = model;
        this.vocabSize = vocabSize;
        this.eos = eos.clone();
    }

    @Override
    public int[] encode(String text) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("prompt", text).put("add_special_tokens", false);
        JsonNode tokens = api.post("/tokenize", body).path("tokens");
        if (!tokens.isArray()) throw new UserError("the server at " + api.base() + " answered /tokenize without a tokens array");
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = tokens.get(i).asInt();
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        var array = body.putArray("tokens");
        for (int id : ids) array.add(id);
        JsonNode text = api.post("/detokenize", body).path("prompt");
        if (!text.isTextual()) throw new UserError("the server at " + api.base() + " answered /detokenize without a prompt string");
        return text.asText();
    }

    /** The server names no special tokens but its ends of sequence; a local tokenizer.json knows them all. */
    @Override
    public boolean isSpecial(int id) {
        for (int e : eos) if (e == id) return true;
        return false;
    }

    @Override
    public int vocabSize() {
        if (vocabSize < 0)
            throw new UserError("the server at " + api.base() + " does not say its vocabulary size; pass --tokenizer FILE (the model's tokenizer.json)");
        return vocabSize;
    }
}
