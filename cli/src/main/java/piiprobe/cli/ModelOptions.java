package piiprobe.cli;

import picocli.CommandLine.Option;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.LocalModel;
import piiprobe.engine.UserError;
import piiprobe.engine.tokenizer.Tokenizers;
import piiprobe.http.OpenAiModel;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code --model} options every command shares: a local model folder, or {@code openai:URL} for a
 * model served over OpenAI's completions API (vLLM, TGI, llama.cpp, OpenAI, {@code piiprobe serve}), with
 * the flags only a served model reads.
 */
final class ModelOptions {
    static final String OPENAI = "openai:";

    @Option(names = "--model", required = true, paramLabel = "DIR|openai:URL",
            description = "Hugging Face model folder (config.json and model.safetensors, or shards), or openai:URL of a "
                    + "server, e.g. openai:http://127.0.0.1:8000/v1.")
    String model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.json, or a folder holding it (or vocab.json and merges.txt); default: the model folder's, "
                    + "or for openai:URL the server's /tokenize (one request per call: give the file for long runs).")
    Path tokenizer;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + LocalModel.DEFAULT_MAX_BATCH,
            description = "Most rows run together (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--model-name", paramLabel = "NAME", description = "openai:URL only: the served model's name (default: the server's only model).")
    String modelName;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "16",
            description = "openai:URL only: requests in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--timeout", paramLabel = "S", defaultValue = "600",
            description = "openai:URL only: seconds a request may take (for a stream: between two tokens) before it is retried (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--top-logprobs", paramLabel = "N", defaultValue = "20",
            description = "openai:URL only: next-token log-probs to ask for; the server caps it (OpenAI 5, vLLM 20 by default) (default: ${DEFAULT-VALUE}).")
    int topLogprobs;

    boolean served() {
        return model.startsWith(OPENAI);
    }

    /**
     * Opens the model. A served model is checked at once for each of {@code uses} (what the command will
     * ask of it); its API key comes from PIIPROBE_API_KEY.
     */
    LanguageModel open(Set<OpenAiModel.Use> uses) {
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        if (!served()) return LocalModel.load(Path.of(model), tokenizer, batchSize);
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
