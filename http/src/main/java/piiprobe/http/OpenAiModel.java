package piiprobe.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.ModelUnavailableError;
import piiprobe.engine.StopRule;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.UserError;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * A model served over OpenAI's completions API ({@code /v1/completions}): vLLM, TGI, llama.cpp's server,
 * OpenAI itself, or piiprobe's own {@link CompletionsServer}.
 *
 * <p>What each method sends:
 * <ul>
 * <li>{@link #generate}: one request per row, except that identical prompts share one request when
 *     sampling ({@code n} = their copies, so the k-th copy gets the k-th sample as in the local engine);
 *     at most {@code concurrency} requests in flight, which the server may batch together.
 *     Where the server returns token ids (vLLM's {@code return_token_ids}), greedy and sampled rows are
 *     streamed and the {@link StopRule} is asked after every token; once every row of a request has
 *     stopped, the stream is closed, which stops the rows on the server. Otherwise the ids are the local
 *     re-encoding of the returned text and the rule is applied to them afterwards.</li>
 * <li>{@link #continuationLogprobs}: prompt + continuation with {@code echo} and {@code logprobs: 0}:
 *     exact, the server computes the full distribution.</li>
 * <li>{@link #nextTokenLogprobs}: one new token with {@code logprobs: N} ({@code topLogprobs}), tokens
 *     named by id (vLLM's {@code return_tokens_as_token_ids}). Servers return only the N most likely ids:
 *     every other id holds {@code -Infinity}, so the array's probabilities may sum to less than 1 (the
 *     missing mass is unknown, see {@link LanguageModel#nextTokenLogprobs}).</li>
 * </ul>
 * Scores of sequences ({@link Generation.Sequence#score()}) are NaN unless the server reports them
 * ({@code sequence_score}, as {@link CompletionsServer} does) for a row that was not cut by the stop rule.
 *
 * <p>{@link #connect} checks at once that the server has the model and can do each {@link Use} asked
 * for, and names what it lacks. Transient failures are retried ({@link ApiClient}); those that outlast
 * the retries throw {@link ModelUnavailableError}, and no partial result is returned.
 */
public final class OpenAiModel implements LanguageModel {

    /** What a caller will ask of the server, checked by {@link #connect}. */
    public enum Use {
        /** {@link #generate}: completions. */
        GENERATE,
        /** {@link #continuationLogprobs}: log-probs of the prompt's own tokens (echo). */
        SCORE,
        /** {@link #nextTokenLogprobs}: top-N log-probs of the next token, named by id. */
        NEXT_TOKEN
    }

    /**
     * @param modelName   null: the server's only model
     * @param tokenizer   null: the server's {@code /tokenize} and {@code /detokenize}
     * @param timeout     per attempt; for a stream, the longest silence between two events
     * @param retries     attempts after the first for 429, 5xx, timeouts and broken connections
     * @param topLogprobs N for {@link Use#NEXT_TOKEN}
     * @param apiKey      sent as a bearer token; null or empty: none
     */
    public record Options(URI baseUrl, String modelName, Tokenizer tokenizer, int concurrency, Duration timeout,
                          int retries, Duration backoffBase, Duration backoffMax, int topLogprobs, String apiKey,
                          Set<Use> uses) {
        public Options {
            if (concurrency < 1) throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
            if (!timeout.isPositive()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            if (retries < 0) throw new IllegalArgumentException("retries must be >= 0, got " + retries);
            if (topLogprobs < 1) throw new IllegalArgumentException("top-logprobs must be >= 1, got " + topLogprobs);
            uses = Set.copyOf(uses);
        }

        /**
         * Concurrency 16, a 600 s timeout (OpenAI's client's default), 8 retries waiting from 0.5 s up to 30 s,
         * top 20 log-probs (vLLM's default cap), the API key from {@code PIIPROBE_API_KEY}, checked for generation.
         */
        public static Options of(URI baseUrl) {
            return new Options(baseUrl, null, null, 16, Duration.ofSeconds(600), 8, Duration.ofMillis(500),
                    Duration.ofSeconds(30), 20, System.getenv("PIIPROBE_API_KEY"), EnumSet.of(Use.GENERATE));
        }

        public Options withModelName(String name) {
            return new Options(baseUrl, name, tokenizer, concurrency, timeout, retries, backoffBase, backoffMax, topLogprobs, apiKey, uses);
        }

        public Options withTokenizer(Tokenizer t) {
            return new Options(baseUrl, modelName, t, concurrency, timeout, retries, backoffBase, backoffMax, topLogprobs, apiKey, uses);
        }

        public Options withConcurrency(int n) {
            return new Options(baseUrl, modelName, tokenizer, n, timeout, retries, backoffBase, backoffMax, topLogprobs, apiKey, uses);
        }

        public Options withTimeout(Duration t) {
            return new Options(baseUrl, modelName, tokenizer, concurrency, t, retries, backoffBase, backoffMax, topLogprobs, apiKey, uses);
        }

        public Options withRetries(int n, Duration base, Duration max) {
            return new Options(baseUrl, modelName, tokenizer, concurrency, timeout, n, base, max, topLogprobs, apiKey, uses);
        }

        public Options withTopLogprobs(int n) {
            return new Options(baseUrl, modelName, tokenizer, concurrency, timeout, retries, backoffBase, backoffMax, n, apiKey, uses);
        }

        public Options withApiKey(String key) {
            return new Options(baseUrl, modelName, tokenizer, concurrency, timeout, retries, backoffBase, backoffMax, topLogprobs, key, uses);
        }

        public Options withUses(Set<Use> u) {
            return new Options(baseUrl, modelName, tokenizer, concurrency, timeout, retries, backoffBase, backoffMax, topLogprobs, apiKey, u);
        }

        /** Never shows the API key. */
        @Override
        public String toString() {
            return "Options[baseUrl=" + baseUrl + ", modelName=" + modelName + ", concurrency=" + concurrency + ", timeout="
                    + timeout + ", retries=" + retries + ", topLogprobs=" + topLogprobs + ", apiKey="
                    + (apiKey == null || apiKey.isEmpty() ? "none" : "(set)") + ", uses=" + uses + "]";
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApiClient api;
    private final String name;
    private final Tokenizer tokenizer;
    private final int vocabSize;
    private final int[] eos;
    private final int topLogprobs;
    private final EnumSet<Use> checked = EnumSet.noneOf(Use.class);
    /** The server takes prompts as token ids (else as text, decoded locally). */
    private boolean idPrompts;
    /** The server honours vLLM's return_token_ids and skip_special_tokens: streams carry token ids. */
    private boolean tokenIds;
    /** max_tokens for scoring: 0 where the server allows echo without generation, else 1. */
    private int scoreMaxTokens;

    private OpenAiModel(ApiClient api, String name, Tokenizer tokenizer, int vocabSize, int[] eos, int topLogprobs) {
        this.api = api;
        this.name = name;
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.eos = eos;
        this.topLogprobs = topLogprobs;
    }

    /** Finds the model on the server and checks every use in {@code options.uses()}. */
    public static OpenAiModel connect(Options options) {
        ApiClient api = new ApiClient(options.baseUrl(), options.apiKey(), options.timeout(),
                new ApiClient.Backoff(options.retries(), options.backoffBase(), options.backoffMax()), options.concurrency());
        try {
            JsonNode card = findModel(api, options.modelName());
            String name = card.path("id").asText();
            int[] eos = eosTokenIds(card.path("eos_token_id"));
            Tokenizer tokenizer = options.tokenizer() != null ? options.tokenizer()
                    : new RemoteTokenizer(api, name, card.path("vocab_size").asInt(-1), eos);
            if (options.tokenizer() == null) checkRemoteTokenizer(api, tokenizer);
            int vocab = card.path("vocab_size").canConvertToInt() ? card.get("vocab_size").asInt() : -1;
            OpenAiModel model = new OpenAiModel(api, name, tokenizer, vocab, eos, options.topLogprobs());
            model.check(Use.GENERATE);
            for (Use use : options.uses()) model.check(use);
            return model;
        } catch (RuntimeException e) {
            api.close();
            throw e;
        }
    }

    private static JsonNode findModel(ApiClient api, String wanted) {
        JsonNode data;
        try {
            data = api.get("models").path("data");
        } catch (ApiClient.Refused e) {
            if (e.status != 404 || wanted == null) throw e;
            return JSON.createObjectNode().put("id", wanted); // a server without /v1/models: trust the name
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode m : data) ids.add(m.path("id").asText());
        if (wanted == null) {
            if (ids.size() == 1) return data.get(0);
            throw new UserError("the server at " + api.base() + " serves " + ids.size() + " models " + ids + ": pass --model-name");
        }
        for (JsonNode m : data) if (m.path("id").asText().equals(wanted)) return m;
        throw new UserError("the server at " + api.base() + " has no model '" + wanted + "'; it serves " + ids);
    }

    /** The model card's {@code eos_token_id}: one id, a list of them, or absent / null (none known). */
    private static int[] eosTokenIds(JsonNode value) {
        if (value.canConvertToInt()) return new int[] {value.intValue()};
        return value.isArray() ? ids(value) : new int[0];
    }

    private static void checkRemoteTokenizer(ApiClient api, Tokenizer tokenizer) {
        try {
            tokenizer.encode("a");
        } catch (ApiClient.Refused e) {
            throw new UserError("the server at " + api.base() + " has no usable /tokenize (" + e.getMessage()
                    + "); pass --tokenizer FILE (the model's tokenizer.json)");
        }
    }

    // ---------------------------------------------------------------- capability checks

    /** Checks once that the server can do {@code use}; throws a UserError naming what it lacks. */
    private synchronized void check(Use use) {
        if (checked.contains(use)) return;
        int[] probe = tokenizer.encode("The email address of");
        switch (use) {
            case GENERATE -> checkGenerate(probe);
            case SCORE -> checkScore(probe);
            case NEXT_TOKEN -> checkNextToken(probe);
        }
        checked.add(use);
    }

    private void checkGenerate(int[] probe) {
        ObjectNode body = JSON.createObjectNode().put("model", name).put("max_tokens", 1).put("temperature", 0);
        ApiClient.Refused last;
        try {
            idPrompts = true;
            JsonNode answer = api.post("completions", withTokenIds(body.deepCopy().set("prompt", prompt(probe))));
            tokenIds = answer.path("choices").path(0).path("token_ids").isArray();
            return;
        } catch (ApiClient.Refused e) {
            last = e;
        }
        try {
            api.post("completions", body.deepCopy().set("prompt", prompt(probe)));
            return;
        } catch (ApiClient.Refused e) {
            last = e;
        }
        try {
            idPrompts = false;
            api.post("completions", body.deepCopy().set("prompt", prompt(probe)));
        } catch (ApiClient.Refused e) {
            throw new UserError("the server at " + api.base() + " refused a one-token completion of model '" + name + "': " + last.getMessage());
        }
    }

    private void checkScore(int[] probe) {
        int[] prompt = probe.length > 1 ? probe : new int[]{probe[0], probe[0]};
        ObjectNode body = JSON.createObjectNode().put("model", name).put("echo", true).put("logprobs", 0).put("temperature", 0);
        body.set("prompt", prompt(prompt));
        JsonNode answer;
        try {
            answer = api.post("completions", body.deepCopy().put("max_tokens", 0));
            scoreMaxTokens = 0;
        } catch (ApiClient.Refused zero) {
            try {
                answer = api.post("completions", body.put("max_tokens", 1));
                scoreMaxTokens = 1;
            } catch (ApiClient.Refused e) {
                throw lacks("log-probs of the prompt's tokens (logprobs with echo), which likelihood, rank and exposure need", e.getMessage());
            }
        }
        JsonNode values = answer.path("choices").path(0).path("logprobs").path("token_logprobs");
        if (!values.isArray() || values.size() < prompt.length || !values.get(prompt.length - 1).isNumber())
            throw lacks("log-probs of the prompt's tokens (logprobs with echo), which likelihood, rank and exposure need",
                    "its answer has no token_logprobs for the echoed prompt");
    }

    private void checkNextToken(int[] probe) {
        JsonNode top;
        try {
            top = nextTokenTop(probe);
        } catch (ApiClient.Refused e) {
            throw lacks("the " + topLogprobs + " most likely next tokens (logprobs: " + topLogprobs
                    + "); lower --top-logprobs to what it allows", e.getMessage());
        }
        Iterator<String> keys = top.fieldNames();
        if (!top.isObject() || !keys.hasNext() || !keys.next().startsWith("token_id:"))
            throw lacks("next-token log-probs named by token id (vLLM's return_tokens_as_token_ids)",
                    "its top_logprobs name tokens by text, which cannot be mapped back to ids soundly");
    }

    private UserError lacks(String what, String detail) {
        return new UserError("the server at " + api.base() + " cannot give " + what + ": " + detail);
    }

    // ---------------------------------------------------------------- LanguageModel

    @Override
    public String name() {
        return name;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The ids the server's model card names; empty when it names none (OpenAI and vLLM do not). */
    @Override
    public int[] eosTokenIds() {
        return eos.clone();
    }

    @Override
    public List<Generation> generate(List<int[]> prompts, Decoding decoding, StopRule stop) {
        check(Use.GENERATE);
        // Identical sampled prompts go in one request as n samples: the k-th copy gets the k-th sample, as
        // the local engine numbers them. Other rows go alone: the stop rule may cut each one differently.
        Map<Object, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < prompts.size(); i++) {
            Object key = decoding instanceof Decoding.Sampling ? Arrays.stream(prompts.get(i)).boxed().toList() : i;
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> rowsOfGroup = new ArrayList<>(groups.values());
        Generation[] out = new Generation[prompts.size()];
        parallel(rowsOfGroup.size(), g -> {
            List<Integer> rows = rowsOfGroup.get(g);
            int[] prompt = prompts.get(rows.getFirst());
            List<List<Generation.Sequence>> copies = complete(prompt, rows, decoding, stop);
            for (int k = 0; k < rows.size(); k++)
                out[rows.get(k)] = new Generation(prompt, copies.get(copies.size() == 1 ? 0 : k));
        });
        return List.of(out);
    }

    /** The sequences of one distinct prompt: one list per sample, or a single list (greedy, or the beams). */
    private List<List<Generation.Sequence>> complete(int[] prompt, List<Integer> rows, Decoding decoding, StopRule stop) {
        ObjectNode body = JSON.createObjectNode().put("model", name).put("max_tokens", decoding.maxNewTokens());
        body.set("prompt", prompt(prompt));
        if (decoding.minNewTokens() > 0) body.put("min_tokens", decoding.minNewTokens());
        int copies = 1;
        switch (decoding) {
            case Decoding.Greedy g -> body.put("temperature", 0);
            case Decoding.Sampling s -> {
                copies = rows.size();
                body.put("temperature", s.temperature()).put("seed", s.seed()).put("n", copies);
                if (s.topK() > 0) body.put("top_k", s.topK());
                if (s.topP() < 1) body.put("top_p", s.topP());
            }
            case Decoding.Beam b -> {
                // vLLM's beam search: n is the beam width, and every beam is returned, best first.
                body.put("use_beam_search", true).put("n", b.numBeams()).put("temperature", 0)
                        .put("length_penalty", b.lengthPenalty()).put("early_stopping", b.earlyStopping());
                List<Generation.Sequence> beams = new ArrayList<>();
                JsonNode choices = api.post("completions", withTokenIds(body)).path("choices");
                for (int k = 0; k < b.numReturnSequences() && k < choices.size(); k++)
                    beams.add(continuation(choices.get(k)).finish(StopRule.NEVER, rows.getFirst()));
                if (beams.size() < b.numReturnSequences())
                    throw new UserError("the server at " + api.base() + " returned " + choices.size() + " beams, fewer than the "
                            + b.numReturnSequences() + " asked for");
                return List.of(beams);
            }
        }
        Continuation[] parts = new Continuation[copies];
        if (tokenIds) {
            int n = copies;
            api.stream("completions", withTokenIds(body).put("stream", true), new ApiClient.Events() {
                public void reset() {
                    for (int k = 0; k < n; k++) parts[k] = new Continuation();
                }

                public boolean onEvent(JsonNode event) {
                    for (JsonNode c : event.path("choices")) {
                        int k = c.path("index").asInt();
                        if (k < 0 || k >= n) continue;
                        parts[k].text.append(c.path("text").asText(""));
                        for (JsonNode id : c.path("token_ids")) parts[k].add(id.asInt(), stop, rows.get(k));
                        if (c.hasNonNull("finish_reason")) parts[k].finished = true;
                        if (c.path("sequence_score").isNumber()) parts[k].score = c.get("sequence_score").asDouble();
                    }
                    // Once every row is done and one was cut by the rule, closing the stream stops the server's work.
                    return !(Arrays.stream(parts).allMatch(Continuation::done)
                            && Arrays.stream(parts).anyMatch(p -> !p.finished));
                }
            });
        } else {
            JsonNode choices = api.post("completions", body).path("choices");
            for (int k = 0; k < copies; k++) parts[k] = continuation(choices.path(k));
        }
        List<List<Generation.Sequence>> out = new ArrayList<>();
        for (int k = 0; k < copies; k++) out.add(List.of(parts[k].finish(stop, rows.get(k))));
        return out;
    }

    /** A whole (not streamed) choice; its ids are the server's, or the local encoding of its text. */
    private Continuation continuation(JsonNode choice) {
        if (choice.isMissingNode()) throw new UserError("the server at " + api.base() + " returned fewer choices than asked for");
        Continuation c = new Continuation();
        c.text.append(choice.path("text").asText(""));
        c.fromText = !choice.path("token_ids").isArray();
        for (int id : c.fromText ? tokenizer.encode(c.text.toString()) : ids(choice.path("token_ids"))) c.add(id, null, 0);
        c.finished = true;
        if (choice.path("sequence_score").isNumber()) c.score = choice.get("sequence_score").asDouble();
        return c;
    }

    /** One choice as it arrives; {@code stopAt} is where the stop rule ended it (-1: not yet). */
    private final class Continuation {
        final StringBuilder text = new StringBuilder();
        int[] ids = new int[16];
        int size;
        int stopAt = -1;
        boolean finished;
        boolean fromText;
        double score = Double.NaN;

        void add(int id, StopRule stop, int row) {
            if (stopAt >= 0) return;
            if (size == ids.length) ids = Arrays.copyOf(ids, size * 2);
            ids[size++] = id;
            if (stop != null && stop.shouldStop(row, Arrays.copyOf(ids, size))) stopAt = size;
        }

        boolean done() {
            return finished || stopAt >= 0;
        }

        /** Applies the stop rule (if not yet asked) and returns the sequence the local engine would. */
        Generation.Sequence finish(StopRule stop, int row) {
            if (stopAt < 0 && fromText) {
                int[] all = Arrays.copyOf(ids, size);
                size = 0;
                for (int id : all) add(id, stop, row);
            }
            int[] kept = Arrays.copyOf(ids, size);
            boolean whole = finished && (stopAt < 0 || stopAt == size) && !fromText;
            if (whole && stopAt < 0) return new Generation.Sequence(kept, text.toString(), score);
            // Cut by the stop rule, or text the server may have held back: decode what we keep.
            return new Generation.Sequence(kept, tokenizer.decode(kept), whole ? score : Double.NaN);
        }
    }

    @Override
    public List<float[]> continuationLogprobs(List<int[]> prompts, List<int[]> continuations) {
        if (prompts.size() != continuations.size())
            throw new IllegalArgumentException(prompts.size() + " prompts but " + continuations.size() + " continuations");
        check(Use.SCORE);
        float[][] out = new float[prompts.size()][];
        parallel(prompts.size(), i -> {
            int[] p = prompts.get(i), c = continuations.get(i);
            if (c.length == 0) {
                out[i] = new float[0];
                return;
            }
            if (p.length == 0) throw new UserError("scoring over HTTP needs a non-empty prompt: the first token has no log-prob");
            int[] all = Arrays.copyOf(p, p.length + c.length);
            System.arraycopy(c, 0, all, p.length, c.length);
            ObjectNode body = JSON.createObjectNode().put("model", name).put("echo", true).put("logprobs", 0)
                    .put("temperature", 0).put("max_tokens", scoreMaxTokens);
            body.set("prompt", prompt(all));
            JsonNode values = api.post("completions", body).path("choices").path(0).path("logprobs").path("token_logprobs");
            int echoed = values.size() - scoreMaxTokens;
            if (echoed != all.length)
                throw new UserError("the server at " + api.base() + " split the scored text into " + echoed + " tokens where the local tokenizer has "
                        + all.length + ": scoring needs a server that takes token ids, or its own tokenizer");
            float[] lp = new float[c.length];
            for (int t = 0; t < c.length; t++) lp[t] = logprob(values.get(p.length + t));
            out[i] = lp;
        });
        return List.of(out);
    }

    /** {@inheritDoc} Over HTTP: the top {@code topLogprobs} ids only, every other id {@code -Infinity}. */
    @Override
    public List<float[]> nextTokenLogprobs(List<int[]> prefixes) {
        check(Use.NEXT_TOKEN);
        int vocab = vocabSize > 0 ? vocabSize : tokenizer.vocabSize();
        float[][] out = new float[prefixes.size()][];
        parallel(prefixes.size(), i -> {
            float[] dist = new float[vocab];
            Arrays.fill(dist, Float.NEGATIVE_INFINITY);
            for (Map.Entry<String, JsonNode> e : nextTokenTop(prefixes.get(i)).properties()) {
                int id = Integer.parseInt(e.getKey().substring("token_id:".length()));
                if (id < 0 || id >= vocab)
                    throw new UserError("the server at " + api.base() + " returned token id " + id + ", outside the vocabulary of "
                            + vocab + ": does --tokenizer match the served model?");
                dist[id] = logprob(e.getValue());
            }
            out[i] = dist;
        });
        return List.of(out);
    }

    private JsonNode nextTokenTop(int[] prefix) {
        ObjectNode body = JSON.createObjectNode().put("model", name).put("max_tokens", 1).put("temperature", 0)
                .put("logprobs", topLogprobs).put("return_tokens_as_token_ids", true);
        body.set("prompt", prompt(prefix));
        return api.post("completions", body).path("choices").path(0).path("logprobs").path("top_logprobs").path(0);
    }

    @Override
    public void close() {
        api.close();
    }

    // ---------------------------------------------------------------- helpers

    private JsonNode prompt(int[] ids) {
        if (!idPrompts) return JSON.getNodeFactory().textNode(tokenizer.decode(ids));
        ArrayNode array = JSON.createArrayNode();
        for (int id : ids) array.add(id);
        return array;
    }

    /** Asks for token ids and for text that keeps special tokens, as the local engine decodes it. */
    private ObjectNode withTokenIds(ObjectNode body) {
        return body.put("return_token_ids", true).put("skip_special_tokens", false);
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = array.get(i).asInt();
        return ids;
    }

    /** Servers write -inf as -9999 (JSON has no infinity). */
    private static float logprob(JsonNode value) {
        float lp = (float) value.asDouble();
        return lp <= CompletionsServer.NEG_INF_LOGPROB ? Float.NEGATIVE_INFINITY : lp;
    }

    /** Runs {@code task(0..count-1)} on virtual threads (the API client bounds how many requests are in flight). */
    private static void parallel(int count, IntConsumer task) {
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(exec.submit(() -> task.accept(index)));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    exec.shutdownNow();
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    if (e.getCause() instanceof Error err) throw err;
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    exec.shutdownNow();
                    Thread.currentThread().interrupt();
                    throw new ModelUnavailableError("interrupted", e);
                }
            }
        }
    }
}
