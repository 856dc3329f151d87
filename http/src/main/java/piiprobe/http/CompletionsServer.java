package piiprobe.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import piiprobe.engine.Generation;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.StopRule;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves any {@link LanguageModel} over OpenAI's completions API, so that tools in other languages (and
 * piiprobe's own {@link OpenAiModel}) can use it: {@code GET /v1/models}, {@code POST /v1/completions}
 * (text or token-id prompts, n, stop, seed, temperature / top_k / top_p, beam search, logprobs with
 * echo, streaming), vLLM's {@code POST /tokenize} and {@code /detokenize}, and {@code GET /health}.
 *
 * <p>Concurrent requests are batched into single engine calls ({@link EngineQueue}). A streamed
 * generation sends each token as it is made, and a client that closes the stream stops its rows in the
 * engine: that is how {@link OpenAiModel} carries a {@link StopRule} across the wire. Errors are 4xx
 * JSON in OpenAI's shape; request bodies, tokens, rows and log-probs per request are bounded.
 *
 * <p>Extensions to OpenAI's shape, all optional: model cards carry {@code vocab_size} and
 * {@code eos_token_id} (one id, a list, or null, as in transformers' config.json); choices carry {@code token_ids} and {@code prompt_token_ids} when
 * {@code return_token_ids} is set (as vLLM does), and {@code sequence_score}, the engine's
 * {@link Generation.Sequence#score()}.
 */
public final class CompletionsServer implements AutoCloseable {

    /**
     * @param modelName   the name clients must use (null: the model's own name)
     * @param batchSize   engine rows per call, at most
     * @param batchWindow how long the oldest waiting request may wait for others to join its call
     * @param maxLogprobs the largest {@code logprobs} a request may ask for
     * @param apiKey      null: no authentication; otherwise requests need {@code Authorization: Bearer KEY}
     */
    public record Options(String host, int port, String modelName, int batchSize, Duration batchWindow, int maxLogprobs,
                          String apiKey) {
        public Options {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            if (batchWindow.isNegative()) throw new IllegalArgumentException("batch window must not be negative");
            if (maxLogprobs < 0) throw new IllegalArgumentException("max logprobs must be >= 0, got " + maxLogprobs);
        }

        /**
         * Loopback only, port 8000, batches of 16 gathered for up to 20 ms (a client's burst of requests takes a
         * few ms to arrive; an engine call takes seconds), up to 20 log-probs (vLLM's default).
         */
        public static Options defaults() {
            return new Options("127.0.0.1", 8000, null, 16, Duration.ofMillis(20), 20, null);
        }

        public Options withAddress(String host, int port) {
            return new Options(host, port, modelName, batchSize, batchWindow, maxLogprobs, apiKey);
        }

        public Options withModelName(String name) {
            return new Options(host, port, name, batchSize, batchWindow, maxLogprobs, apiKey);
        }

        public Options withBatching(int size, Duration window) {
            return new Options(host, port, modelName, size, window, maxLogprobs, apiKey);
        }

        public Options withMaxLogprobs(int max) {
            return new Options(host, port, modelName, batchSize, batchWindow, max, apiKey);
        }

        public Options withApiKey(String key) {
            return new Options(host, port, modelName, batchSize, batchWindow, maxLogprobs, key);
        }
    }

    static final int MAX_BODY_BYTES = 8 << 20;
    static final int MAX_NEW_TOKENS = 8192;
    static final int MAX_ROWS_PER_REQUEST = 512;
    static final int MAX_QUEUED_ROWS = 8192;
    /** vLLM writes -inf log-probs as this finite number, since JSON has no infinity; so do we. */
    static final float NEG_INF_LOGPROB = -9999f;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final int[] eos;
    private final String name;
    private final byte[] apiKey;
    private final CompletionRequest.Limits limits;
    private final int batchSize;
    private final EngineQueue queue;
    private final HttpServer http;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final long created = System.currentTimeMillis() / 1000;

    private CompletionsServer(LanguageModel model, Options options) throws IOException {
        this.model = model;
        this.tokenizer = model.tokenizer();
        this.eos = model.eosTokenIds();
        this.name = options.modelName() != null ? options.modelName() : model.name();
        this.apiKey = options.apiKey() == null ? null : options.apiKey().getBytes(StandardCharsets.UTF_8);
        this.batchSize = options.batchSize();
        this.limits = new CompletionRequest.Limits(MAX_NEW_TOKENS, options.maxLogprobs(), MAX_ROWS_PER_REQUEST, 4,
                tokenizer.vocabSize());
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        this.queue = new EngineQueue(model, options.batchSize(), options.batchWindow().toNanos(), MAX_QUEUED_ROWS);
        http.createContext("/", this::handle);
        http.setExecutor(handlers);
        http.start();
    }

    /** Starts serving {@code model}; the caller keeps ownership of the model and closes it after the server. */
    public static CompletionsServer start(LanguageModel model, Options options) {
        try {
            return new CompletionsServer(model, options);
        } catch (BindException e) {
            throw new UserError("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot start the server on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** The base URL clients use, ending in {@code /v1}. */
    public URI baseUri() {
        String host = http.getAddress().getHostString();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/v1");
    }

    public String modelName() {
        return name;
    }

    /** Stops accepting connections, fails waiting requests, and waits for the engine call under way. */
    @Override
    public void close() {
        http.stop(0);
        queue.close();
        handlers.shutdownNow();
    }

    // ---------------------------------------------------------------- routing

    private void handle(HttpExchange ex) {
        Response response = new Response(ex);
        try (ex) {
            try {
                route(ex, response);
            } catch (ApiError e) {
                response.error(e);
            } catch (UserError e) {
                response.error(ApiError.invalid(null, e.getMessage()));
            } catch (RuntimeException e) {
                response.error(ApiError.status(500, "server_error", "internal error: " + e));
            }
        } catch (IOException clientGone) {
            // Nothing to answer: the client closed the connection.
        }
    }

    private void route(HttpExchange ex, Response response) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals("/health")) {
            require(method, "GET");
            response.json(200, JSON.createObjectNode());
            return;
        }
        authenticate(ex);
        switch (path) {
            case "/v1/models" -> {
                require(method, "GET");
                ObjectNode list = JSON.createObjectNode().put("object", "list");
                list.putArray("data").add(modelCard());
                response.json(200, list);
            }
            case "/v1/completions" -> {
                require(method, "POST");
                completions(readBody(ex), response);
            }
            case "/tokenize" -> {
                require(method, "POST");
                JsonNode body = readBody(ex);
                checkModel(body);
                JsonNode prompt = body.get("prompt");
                if (prompt == null || !prompt.isTextual()) throw ApiError.invalid("prompt", "prompt must be a string");
                int[] ids = tokenizer.encode(prompt.asText());
                ObjectNode out = JSON.createObjectNode().put("count", ids.length);
                ids(out.putArray("tokens"), ids);
                response.json(200, out);
            }
            case "/detokenize" -> {
                require(method, "POST");
                JsonNode body = readBody(ex);
                checkModel(body);
                JsonNode tokens = body.get("tokens");
                if (tokens == null || !tokens.isArray()) throw ApiError.invalid("tokens", "tokens must be an array of token ids");
                int[] ids = CompletionRequest.ids(tokens, tokenizer.vocabSize(), "tokens");
                response.json(200, JSON.createObjectNode().put("prompt", tokenizer.decode(ids)));
            }
            default -> {
                if (path.startsWith("/v1/models/")) {
                    require(method, "GET");
                    String id = path.substring("/v1/models/".length());
                    if (!id.equals(name)) throw notFound(id);
                    response.json(200, modelCard());
                } else {
                    throw ApiError.status(404, "not_found_error", "no route " + method + " " + path
                            + " (this server has /v1/models, /v1/completions, /tokenize, /detokenize, /health)");
                }
            }
        }
    }

    private ObjectNode modelCard() {
        ObjectNode card = JSON.createObjectNode().put("id", name).put("object", "model").put("created", created)
                .put("owned_by", "piiprobe").put("vocab_size", tokenizer.vocabSize());
        // as transformers' config.json has it: one id, a list of several, or null
        switch (eos.length) {
            case 0 -> card.putNull("eos_token_id");
            case 1 -> card.put("eos_token_id", eos[0]);
            default -> {
                ArrayNode ids = card.putArray("eos_token_id");
                for (int id : eos) ids.add(id);
            }
        }
        return card;
    }

    private static void require(String method, String allowed) {
        if (!method.equals(allowed)) throw ApiError.status(405, "invalid_request_error", "method " + method + " not allowed here; use " + allowed);
    }

    private void authenticate(HttpExchange ex) {
        if (apiKey == null) return;
        String header = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = header != null && header.startsWith("Bearer ")
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, apiKey))
            throw ApiError.status(401, "authentication_error", "missing or wrong API key (send Authorization: Bearer KEY)");
    }

    private void checkModel(JsonNode body) {
        JsonNode m = body.get("model");
        if (m != null && !m.isNull() && !m.asText().equals(name)) throw notFound(m.asText());
    }

    private ApiError notFound(String model) {
        return ApiError.status(404, "not_found_error", "the model '" + model + "' does not exist; this server serves '" + name + "'");
    }

    private static JsonNode readBody(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BODY_BYTES) throw tooLarge();
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) throw tooLarge();
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static ApiError tooLarge() {
        return ApiError.status(413, "invalid_request_error", "the request body is larger than " + MAX_BODY_BYTES + " bytes");
    }

    // ---------------------------------------------------------------- completions

    /** One returned choice: a prompt and one of its continuations. */
    private record Choice(int[] promptIds, String promptText, int[] newIds, String text, String finishReason, double score) {}

    /** What a client sees of a continuation: special tokens skipped if asked, cut before the first stop sequence. */
    private record Visible(String text, boolean stopped) {}

    private Visible visible(int[] newIds, CompletionRequest req) {
        int n = newIds.length;
        if (req.skipSpecialTokens() && n > 0 && isEos(newIds[n - 1])) n--;
        String text = tokenizer.decode(n == newIds.length ? newIds : Arrays.copyOf(newIds, n));
        int cut = -1;
        for (String s : req.stop()) {
            int at = text.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        return cut < 0 ? new Visible(text, false) : new Visible(text.substring(0, cut), true);
    }

    private Choice choice(int[] prompt, String promptText, Generation.Sequence seq, CompletionRequest req) {
        Visible v = visible(seq.newIds(), req);
        int[] ids = seq.newIds();
        boolean ended = ids.length > 0 && isEos(ids[ids.length - 1]);
        return new Choice(prompt, promptText, ids, v.text(), v.stopped() || ended ? "stop" : "length", seq.score());
    }

    private boolean isEos(int id) {
        for (int e : eos) if (e == id) return true;
        return false;
    }

    private void completions(JsonNode body, Response response) throws IOException {
        checkModel(body);
        CompletionRequest req = CompletionRequest.parse(body, tokenizer, limits);
        if (req.stream() && req.logprobs() == null && req.decoding() != null) {
            streamLive(req, response);
            return;
        }
        List<Choice> choices = generate(req, StopRule.NEVER);
        List<ObjectNode> logprobs = req.logprobs() == null ? null : logprobs(choices, req);
        String id = "cmpl-" + HexFormat.of().formatHex(randomBytes());
        if (!req.stream()) {
            ObjectNode out = header(id);
            ArrayNode array = out.putArray("choices");
            for (int i = 0; i < choices.size(); i++) {
                Choice c = choices.get(i);
                array.add(choiceNode(i, (req.echo() ? echoText(c) : "") + c.text(), req, c.promptIds(), c.newIds(),
                        logprobs == null ? null : logprobs.get(i), c.finishReason()).put("sequence_score", finite(c.score())));
            }
            out.set("usage", usage(choices));
            response.json(200, out);
            return;
        }
        // Streaming with log-probs: they are computed once the continuation is complete, so each choice
        // goes out as one chunk.
        response.startEvents();
        for (int i = 0; i < choices.size(); i++) {
            Choice c = choices.get(i);
            ObjectNode chunk = header(id);
            chunk.putArray("choices").add(choiceNode(i, (req.echo() ? echoText(c) : "") + c.text(), req, c.promptIds(),
                    c.newIds(), logprobs == null ? null : logprobs.get(i), c.finishReason()));
            response.event(chunk);
        }
        endEvents(response, id, req, choices);
    }

    /** Runs the generation (or, for max_tokens 0, none) and returns the choices in OpenAI's order. */
    private List<Choice> generate(CompletionRequest req, StopRule stop) {
        if (req.decoding() == null) {
            List<Choice> choices = new ArrayList<>();
            for (int p = 0; p < req.prompts().size(); p++)
                choices.add(new Choice(req.prompts().get(p), req.promptTexts().get(p), new int[0], "", "length", Double.NaN));
            return choices;
        }
        List<int[]> rows = rows(req);
        return choices(req, rows, await(submitGenerate(req, rows, stop)));
    }

    /** Every sequence of every row: one per row, or the beams of beam search. */
    private List<Choice> choices(CompletionRequest req, List<int[]> rows, List<Generation> gens) {
        List<Choice> choices = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++)
            for (Generation.Sequence seq : gens.get(r).sequences())
                choices.add(choice(rows.get(r), req.promptTexts().get(r / req.rowsPerPrompt()), seq, req));
        return choices;
    }

    private static List<int[]> rows(CompletionRequest req) {
        List<int[]> rows = new ArrayList<>();
        for (int[] prompt : req.prompts()) for (int k = 0; k < req.rowsPerPrompt(); k++) rows.add(prompt);
        return rows;
    }

    private CompletableFuture<List<Generation>> submitGenerate(CompletionRequest req, List<int[]> rows, StopRule stop) {
        StopRule withStops = req.stop().isEmpty() ? stop
                : (row, ids) -> stop.shouldStop(row, ids) || visible(ids, req).stopped();
        CompletableFuture<List<Generation>> result = new CompletableFuture<>();
        queue.submit(new EngineQueue.GenerateJob(rows, req.decoding(), req.randomSeed(), withStops, System.nanoTime(), result));
        return result;
    }

    /**
     * Streams each new token as the engine makes it. The engine thread only queues events; this thread
     * writes them, so a slow client never stalls the batch. When the client goes away, the rows stop.
     */
    private void streamLive(CompletionRequest req, Response response) throws IOException {
        record Token(int row, int[] ids) {}
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        AtomicBoolean gone = new AtomicBoolean();
        List<int[]> rows = rows(req);
        CompletableFuture<List<Generation>> result = submitGenerate(req, rows, (row, ids) -> {
            if (gone.get()) return true;
            events.add(new Token(row, ids.clone()));
            return false;
        });
        result.whenComplete((r, e) -> events.add(result));
        String id = "cmpl-" + HexFormat.of().formatHex(randomBytes());
        int[] sentIds = new int[rows.size()];
        int[] sentChars = new int[rows.size()];
        int holdBack = req.stop().stream().mapToInt(String::length).max().orElse(1) - 1;
        try {
            response.startEvents();
            if (req.echo()) for (int r = 0; r < rows.size(); r++) {
                int p = r / req.rowsPerPrompt();
                response.event(delta(id, r, echoText(new Choice(req.prompts().get(p), req.promptTexts().get(p), null, null, null, 0)),
                        req, new int[0], null));
            }
            while (true) {
                Object event = events.take();
                if (event instanceof Token(int row, int[] ids)) {
                    Visible v = visible(ids, req);
                    String text = v.text();
                    int safe = v.stopped() ? text.length() : text.length() - holdBack;
                    while (safe > 0 && text.charAt(safe - 1) == '\uFFFD') safe--; // maybe an unfinished UTF-8 character
                    String d = safe > sentChars[row] ? text.substring(sentChars[row], safe) : "";
                    sentChars[row] = Math.max(sentChars[row], safe);
                    response.event(delta(id, row, d, req, Arrays.copyOfRange(ids, sentIds[row], ids.length), null));
                    sentIds[row] = ids.length;
                } else {
                    List<Choice> choices = choices(req, rows, await(result));
                    for (int r = 0; r < choices.size(); r++) {
                        Choice c = choices.get(r);
                        String rest = c.text().length() > sentChars[r] ? c.text().substring(sentChars[r]) : "";
                        ObjectNode last = delta(id, r, rest, req, Arrays.copyOfRange(c.newIds(), Math.min(sentIds[r], c.newIds().length),
                                c.newIds().length), c.finishReason());
                        ((ObjectNode) last.get("choices").get(0)).put("sequence_score", finite(c.score()));
                        response.event(last);
                    }
                    endEvents(response, id, req, choices);
                    return;
                }
            }
        } catch (IOException e) {
            gone.set(true);
            throw e;
        } catch (InterruptedException e) {
            gone.set(true);
            Thread.currentThread().interrupt();
        }
    }

    private ObjectNode delta(String id, int index, String text, CompletionRequest req, int[] newIds, String finishReason) {
        ObjectNode chunk = header(id);
        ObjectNode c = chunk.putArray("choices").addObject().put("index", index).put("text", text);
        c.putNull("logprobs");
        c.put("finish_reason", finishReason);
        if (req.returnTokenIds()) ids(c.putArray("token_ids"), newIds);
        return chunk;
    }

    private void endEvents(Response response, String id, CompletionRequest req, List<Choice> choices) throws IOException {
        if (req.includeUsage()) {
            ObjectNode last = header(id);
            last.putArray("choices");
            last.set("usage", usage(choices));
            response.event(last);
        }
        response.done();
    }

    private ObjectNode header(String id) {
        return JSON.createObjectNode().put("id", id).put("object", "text_completion").put("created", System.currentTimeMillis() / 1000)
                .put("model", name);
    }

    private ObjectNode choiceNode(int index, String text, CompletionRequest req, int[] promptIds, int[] newIds,
                                  ObjectNode logprobs, String finishReason) {
        ObjectNode c = JSON.createObjectNode().put("index", index).put("text", text);
        c.set("logprobs", logprobs);
        c.put("finish_reason", finishReason);
        if (req.returnTokenIds()) {
            ids(c.putArray("prompt_token_ids"), promptIds);
            ids(c.putArray("token_ids"), newIds);
        }
        return c;
    }

    private String echoText(Choice c) {
        return c.promptText() != null ? c.promptText() : tokenizer.decode(c.promptIds());
    }

    private ObjectNode usage(List<Choice> choices) {
        int prompt = 0, completion = 0;
        int[] last = null;
        for (Choice c : choices) {
            if (c.promptIds() != last) prompt += c.promptIds().length;
            last = c.promptIds();
            completion += c.newIds().length;
        }
        return JSON.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    // ---------------------------------------------------------------- log-probs

    /**
     * OpenAI's {@code logprobs} object per choice: its tokens (the prompt's too with echo, the first of
     * which has no log-prob), each one's log-prob given everything before it, and with
     * {@code logprobs} N > 0 the N most likely tokens at each position (plus the chosen one).
     */
    private List<ObjectNode> logprobs(List<Choice> choices, CompletionRequest req) {
        int top = req.logprobs();
        List<int[]> tokens = new ArrayList<>();
        List<Integer> firstScored = new ArrayList<>();
        for (Choice c : choices) {
            int[] all = req.echo() ? concat(c.promptIds(), c.newIds()) : c.newIds();
            tokens.add(all);
            firstScored.add(req.echo() ? 1 : 0);
        }
        List<float[]> chosen = new ArrayList<>();
        List<List<Map<String, Float>>> tops = new ArrayList<>();
        if (top == 0) {
            List<int[]> prompts = new ArrayList<>(), conts = new ArrayList<>();
            for (int i = 0; i < choices.size(); i++) {
                int[] prefix = req.echo() ? Arrays.copyOf(choices.get(i).promptIds(), 1) : choices.get(i).promptIds();
                prompts.add(prefix);
                conts.add(Arrays.copyOfRange(tokens.get(i), firstScored.get(i), tokens.get(i).length));
            }
            CompletableFuture<List<float[]>> result = new CompletableFuture<>();
            queue.submit(new EngineQueue.ScoreJob(prompts, conts, System.nanoTime(), result));
            chosen.addAll(await(result));
        } else {
            for (int i = 0; i < choices.size(); i++) {
                int[] all = req.echo() ? tokens.get(i) : concat(choices.get(i).promptIds(), tokens.get(i));
                int start = req.echo() ? 1 : choices.get(i).promptIds().length;
                float[] lp = new float[all.length - start];
                List<Map<String, Float>> topHere = new ArrayList<>();
                // A batch's worth of prefixes at a time: each answer is a whole vocabulary of floats.
                for (int from = start; from < all.length; from += batchSize) {
                    List<int[]> prefixes = new ArrayList<>();
                    for (int t = from; t < Math.min(all.length, from + batchSize); t++) prefixes.add(Arrays.copyOf(all, t));
                    CompletableFuture<List<float[]>> result = new CompletableFuture<>();
                    queue.submit(new EngineQueue.NextTokenJob(prefixes, System.nanoTime(), result));
                    List<float[]> dists = await(result);
                    for (int k = 0; k < dists.size(); k++) {
                        int t = from + k;
                        lp[t - start] = dists.get(k)[all[t]];
                        topHere.add(top(dists.get(k), top, all[t], req));
                    }
                }
                chosen.add(lp);
                tops.add(topHere);
            }
        }
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            int[] all = tokens.get(i);
            int skip = firstScored.get(i);
            ObjectNode lp = JSON.createObjectNode();
            ArrayNode strings = lp.putArray("tokens"), values = lp.putArray("token_logprobs"),
                    topArray = lp.putArray("top_logprobs"), offsets = lp.putArray("text_offset");
            int offset = 0;
            for (int t = 0; t < all.length; t++) {
                String piece = tokenizer.decode(new int[]{all[t]});
                strings.add(tokenString(all[t], piece, req));
                offsets.add(offset);
                offset += piece.length();
                if (t < skip) {
                    values.addNull();
                    topArray.addNull();
                    continue;
                }
                values.add(clamp(chosen.get(i)[t - skip]));
                if (top == 0) topArray.addNull();
                else {
                    ObjectNode m = topArray.addObject();
                    tops.get(i).get(t - skip).forEach((k, v) -> m.put(k, clamp(v)));
                }
            }
            out.add(lp);
        }
        return out;
    }

    private Map<String, Float> top(float[] dist, int n, int chosen, CompletionRequest req) {
        Integer[] order = new Integer[dist.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> dist[a] != dist[b] ? Float.compare(dist[b], dist[a]) : Integer.compare(a, b));
        Map<String, Float> top = new LinkedHashMap<>();
        for (int k = 0; k < Math.min(n, order.length); k++)
            top.putIfAbsent(tokenString(order[k], tokenizer.decode(new int[]{order[k]}), req), dist[order[k]]);
        top.putIfAbsent(tokenString(chosen, tokenizer.decode(new int[]{chosen}), req), dist[chosen]);
        return top;
    }

    /** vLLM's {@code return_tokens_as_token_ids}: "token_id:N" names a token unambiguously. */
    private static String tokenString(int id, String piece, CompletionRequest req) {
        return req.tokensAsIds() ? "token_id:" + id : piece;
    }

    private static float clamp(float logprob) {
        return Math.max(logprob, NEG_INF_LOGPROB);
    }

    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }

    // ---------------------------------------------------------------- plumbing

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.status(503, "server_error", "the server is shutting down");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            throw new IllegalStateException(cause);
        }
    }

    private static void ids(ArrayNode array, int[] ids) {
        for (int id : ids) array.add(id);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** Writes one exchange's answer: a JSON body, or server-sent events once {@link #startEvents} was called. */
    private static final class Response {
        private final HttpExchange ex;
        private OutputStream events;

        Response(HttpExchange ex) {
            this.ex = ex;
        }

        void json(int status, JsonNode body) throws IOException {
            byte[] bytes = JSON.writeValueAsBytes(body);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }

        void startEvents() throws IOException {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            events = ex.getResponseBody();
        }

        void event(JsonNode data) throws IOException {
            events.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
            events.flush();
        }

        void done() throws IOException {
            events.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            events.close();
        }

        /** Before any event: a JSON error with its status; mid-stream: an error event, as OpenAI sends. */
        void error(ApiError e) throws IOException {
            if (e.status == 429) ex.getResponseHeaders().set("Retry-After", "1");
            if (events == null) json(e.status, e.body());
            else {
                event(e.body());
                events.close();
            }
        }
    }
}
