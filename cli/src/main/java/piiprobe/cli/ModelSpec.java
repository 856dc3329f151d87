package piiprobe.cli;

import picocli.CommandLine.Option;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.UserError;
import piiprobe.engine.tokenizer.Tokenizers;
import piiprobe.http.OpenAiModel;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code --model} options every command shares (a picocli mixin): a local model folder, or
 * {@code openai:URL} for a model served over OpenAI's completions API (vLLM, TGI, llama.cpp, OpenAI,
 * {@code piiprobe serve}), with the flags that only a served model needs.
 */
public final class ModelSpec {
    static final String OPENAI = "openai:";

    @Option(names = "--model", required = true, paramLabel = "DIR|openai:URL",
            description = "A model folder (config.json + safetensors), or openai:URL of a server, e.g. openai:http://127.0.0.1:8000/v1.")
    String model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json (or a folder holding one) to use instead of the model's; for openai:URL, "
                    + "without it the server's /tokenize is used.")
    Path tokenizer;

    @Option(names = "--model-name", paramLabel = "NAME", description = "openai:URL only: the served model's name (default: the server's only model).")
    String modelName;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "16",
            description = "openai:URL only: requests in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--timeout", paramLabel = "S", defaultValue = "600",
            description = "openai:URL only: seconds one request may take (for a stream: between two tokens) before it is retried (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--top-logprobs", paramLabel = "N", defaultValue = "20",
            description = "openai:URL only: how many next-token log-probs to ask for; the server's cap (OpenAI 5, vLLM 20 by default) bounds it (default: ${DEFAULT-VALUE}).")
    int topLogprobs;

    /**
     * Opens the model. For a served model, checks at once that the server can do each of {@code uses}
     * (the API key comes from PIIPROBE_API_KEY).
     */
    public LanguageModel open(Set<OpenAiModel.Use> uses) {
        if (!model.startsWith(OPENAI)) {
            throw new UserError("--model " + model + ": local model folders need the engine's LocalModel, which this build lacks");
        }
        URI url;
        try {
            url = URI.create(model.substring(OPENAI.length()));
        } catch (IllegalArgumentException e) {
            throw new UserError("--model " + model + ": not a URL (" + e.getMessage() + ")");
        }
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null)
            throw new UserError("--model " + model + ": expected openai:http://HOST:PORT/v1 (or https)");
        if (!(timeoutSeconds > 0)) throw new UserError("--timeout must be positive, got " + timeoutSeconds);
        OpenAiModel.Options options = OpenAiModel.Options.of(url).withModelName(modelName).withConcurrency(concurrency)
                .withTimeout(Duration.ofMillis((long) (timeoutSeconds * 1000))).withTopLogprobs(topLogprobs).withUses(uses);
        if (tokenizer != null) options = options.withTokenizer(Tokenizers.load(null, tokenizer));
        return OpenAiModel.connect(options);
    }
}
