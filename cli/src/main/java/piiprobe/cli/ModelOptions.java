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
import java.util.ArrayList;
import java.util.List;
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

    // The options only a served model reads are null unless given, so that giving one for a model folder is an error
    // (their defaults are OpenAiModel.Options.of's).

    @Option(names = "--model-name", paramLabel = "NAME", description = "openai:URL only: the served model's name (default: the server's only model).")
    String modelName;

    @Option(names = "--concurrency", paramLabel = "N", description = "openai:URL only: requests in flight at once (default: 16).")
    Integer concurrency;

    @Option(names = "--timeout", paramLabel = "S",
            description = "openai:URL only: seconds a request may take (for a stream: between two tokens) before it is retried (default: 600).")
    Double timeoutSeconds;

    @Option(names = "--top-logprobs", paramLabel = "N",
            description = "openai:URL only: next-token log-probs to ask for; the server caps it (OpenAI at 5, vLLM at 20 by default) (default: 20).")
    Integer topLogprobs;

    boolean served() {
        return model.startsWith(OPENAI);
    }

    /**
     * Opens the model. A served model is checked at once for each of {@code uses} (what the command will
     * ask of it); its API key comes from PIIPROBE_API_KEY.
     */
    LanguageModel open(Set<OpenAiModel.Use> uses) {
        if (batchSize < 1) throw new UserError("--batch-size must be >= 1, got " + batchSize);
        if (!served()) {
            List<String> servedOnly = new ArrayList<>();
            if (modelName != null) servedOnly.add("--model-name");
            if (concurrency != null) servedOnly.add("--concurrency");
            if (timeoutSeconds != null) servedOnly.add("--timeout");
            if (topLogprobs != null) servedOnly.add("--top-logprobs");
            if (!servedOnly.isEmpty())
                throw new UserError(String.join(", ", servedOnly) + (servedOnly.size() == 1 ? " applies" : " apply")
                        + " to a served model (--model openai:URL), not to the model folder " + model);
            return LocalModel.load(Path.of(model), tokenizer, batchSize);
        }
        URI url;
        try {
            url = URI.create(model.substring(OPENAI.length()));
        } catch (IllegalArgumentException e) {
            throw new UserError("--model " + model + ": not a URL (" + e.getMessage() + ")");
        }
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null)
            throw new UserError("--model " + model + ": expected openai:http://HOST:PORT/v1 (or https)");
        OpenAiModel.Options options = OpenAiModel.Options.of(url).withModelName(modelName).withUses(uses);
        if (concurrency != null) {
            if (concurrency < 1) throw new UserError("--concurrency must be >= 1, got " + concurrency);
            options = options.withConcurrency(concurrency);
        }
        if (timeoutSeconds != null) {
            if (!(timeoutSeconds > 0) || timeoutSeconds > Long.MAX_VALUE / 1000) throw new UserError("--timeout must be positive, got " + timeoutSeconds);
            options = options.withTimeout(Duration.ofMillis((long) Math.ceil(timeoutSeconds * 1000)));
        }
        if (topLogprobs != null) {
            if (topLogprobs < 1) throw new UserError("--top-logprobs must be >= 1, got " + topLogprobs);
            options = options.withTopLogprobs(topLogprobs);
        }
        if (tokenizer != null) options = options.withTokenizer(Tokenizers.load(null, tokenizer));
        return OpenAiModel.connect(options);
    }
}
