package piiprobe.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import piiprobe.engine.ModelUnavailableError;
import piiprobe.engine.UserError;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * JSON over HTTP to an OpenAI-compatible server, as a batch job needs it: at most {@code concurrency}
 * requests in flight; each attempt bounded by {@code timeout} (for a stream: the longest silence between
 * two events); 429, 5xx, timeouts and broken connections retried with exponential backoff and full
 * jitter, waiting at least as long as a Retry-After header asks. A refusal (other 4xx) is a
 * {@link Refused}; failures that outlast the retries are a {@link ModelUnavailableError}. The API key
 * goes only into the Authorization header, never into a message.
 */
final class ApiClient implements AutoCloseable {

    /** The server refused a request (a 4xx other than 408 and 429): retrying would not help. */
    static final class Refused extends UserError {
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** Receives a stream's events; returns false to stop reading (the connection is then closed). */
    interface Events {
        /** Called before each attempt, so that a retried stream starts from scratch. */
        void reset();

        boolean onEvent(JsonNode event);
    }

    /** Retry policy: {@code retries} more attempts after the first, waits growing from base to max. */
    record Backoff(int retries, Duration base, Duration max) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r ->
            Thread.ofPlatform().daemon().name("piiprobe-http-watchdog").unstarted(r));

    private final URI base;
    private final String apiKey;
    private final Duration timeout;
    private final Backoff backoff;
    private final Semaphore permits;
    private final HttpClient http;

    ApiClient(URI base, String apiKey, Duration timeout, Backoff backoff, int concurrency) {
        this.base = base;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.backoff = backoff;
        this.permits = new Semaphore(concurrency, true);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10)).build();
    }

    /** The server's address as the user gave it (no credentials), for messages. */
    URI base() {
        return base;
    }

    JsonNode get(String path) {
        return call(path, () -> {
            HttpRequest request = request(path).GET().build();
            return JSON.readTree(checked(http.send(request, HttpResponse.BodyHandlers.ofInputStream())).body());
        });
    }

    JsonNode post(String path, JsonNode body) {
        return call(path, () -> {
            HttpRequest request = request(path).POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
            return JSON.readTree(checked(http.send(request, HttpResponse.BodyHandlers.ofInputStream())).body());
        });
    }

    /** Posts a {@code "stream": true} request and hands each server-sent event to {@code events}. */
    void stream(String path, JsonNode body, Events events) {
        call(path, () -> {
            events.reset();
            HttpRequest request = request(path).POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
            try (InputStream in = checked(http.send(request, HttpResponse.BodyHandlers.ofInputStream())).body()) {
                readEvents(in, events);
            }
            return null;
        });
    }

    /**
     * Reads "data: ..." lines until [DONE] or until {@code events} has had enough. A watchdog closes the
     * stream after {@code timeout} of silence, which ends the blocked read.
     */
    private void readEvents(InputStream in, Events events) throws IOException {
        AtomicLong last = new AtomicLong(System.nanoTime());
        AtomicBoolean silent = new AtomicBoolean();
        long period = Math.max(1, timeout.toMillis() / 8);
        ScheduledFuture<?> watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - last.get() > timeout.toNanos() && !silent.getAndSet(true)) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // closing is all we want; an error in doing so changes nothing
                }
            }
        }, period, period, TimeUnit.MILLISECONDS);
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                last.set(System.nanoTime());
                if (!line.startsWith("data:")) continue;
                String data = line.substring(5).trim();
                if (data.equals("[DONE]")) return;
                JsonNode event = JSON.readTree(data);
                if (event.has("error")) throwErrorEvent(event);
                if (!events.onEvent(event)) return;
            }
            throw new IOException("the stream ended before [DONE]");
        } catch (IOException e) {
            if (silent.get()) throw new HttpTimeoutException("no data for " + timeout.toSeconds() + " s");
            throw e;
        } finally {
            watchdog.cancel(false);
        }
    }

    /** An error sent mid-stream: a refusal if its code says 4xx, else worth a retry. */
    private static void throwErrorEvent(JsonNode event) throws Retryable {
        JsonNode code = event.path("error").path("code");
        String message = event.path("error").path("message").asText("error event");
        if (code.canConvertToInt() && code.asInt() >= 400 && code.asInt() < 500 && code.asInt() != 408 && code.asInt() != 429)
            throw new Refused(code.asInt(), message);
        throw new Retryable("error event: " + message, null);
    }

    private HttpRequest.Builder request(String path) {
        // "models" and "completions" live under the base URL; "/tokenize" and "/health" at the server's root.
        URI uri = path.startsWith("/") ? base.resolve(path) : URI.create(base.toString().replaceAll("/*$", "/") + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream");
        if (apiKey != null && !apiKey.isEmpty()) b.header("Authorization", "Bearer " + apiKey);
        return b;
    }

    /** Passes 2xx through; turns the rest into a Retryable or a Refused, with the server's own message. */
    private static HttpResponse<InputStream> checked(HttpResponse<InputStream> response) throws IOException {
        int status = response.statusCode();
        if (status / 100 == 2) return response;
        String message;
        try (InputStream in = response.body()) {
            message = errorMessage(in.readNBytes(64 << 10));
        }
        String what = "HTTP " + status + " from " + response.uri() + ": " + message;
        if (status == 408 || status == 429 || status >= 500)
            throw new Retryable(what, retryAfter(response.headers().firstValue("Retry-After").orElse(null)));
        if (status == 401 || status == 403)
            throw new Refused(status, what + " (set PIIPROBE_API_KEY to the server's API key)");
        throw new Refused(status, what);
    }

    private static String errorMessage(byte[] body) {
        try {
            JsonNode json = JSON.readTree(body);
            for (String path : new String[]{"/error/message", "/message", "/detail", "/error"}) {
                JsonNode m = json.at(path);
                if (m.isTextual()) return m.asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the raw text
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String header) {
        if (header == null) return null;
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException notDate) {
                return null;
            }
        }
    }

    /** A failure a later attempt may not have: 408, 429, 5xx, a timeout, a broken connection. */
    private static final class Retryable extends IOException {
        final Duration retryAfter;

        Retryable(String message, Duration retryAfter) {
            super(message);
            this.retryAfter = retryAfter;
        }
    }

    private interface Attempt<T> {
        T run() throws IOException, InterruptedException;
    }

    private <T> T call(String path, Attempt<T> attempt) {
        long start = System.nanoTime();
        for (int tries = 1; ; tries++) {
            IOException failure;
            try {
                permits.acquire();
                try {
                    return attempt.run();
                } finally {
                    permits.release();
                }
            } catch (IOException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ModelUnavailableError("interrupted while waiting for " + base, e);
            }
            if (tries > backoff.retries()) {
                long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
                throw new ModelUnavailableError("the server at " + base + " did not answer " + path + " after " + tries
                        + " tries over " + seconds + " s; last: " + describe(failure), failure);
            }
            try {
                Thread.sleep(delay(tries, failure instanceof Retryable r ? r.retryAfter : null));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ModelUnavailableError("interrupted while waiting to retry " + base, e);
            }
        }
    }

    /** Full jitter over an exponentially growing cap; never shorter than what Retry-After asks. */
    private Duration delay(int tries, Duration retryAfter) {
        double cap = Math.min(backoff.max().toNanos(), backoff.base().toNanos() * Math.pow(2, tries - 1));
        Duration jittered = Duration.ofNanos((long) (ThreadLocalRandom.current().nextDouble() * cap));
        return retryAfter != null && retryAfter.compareTo(jittered) > 0 ? retryAfter : jittered;
    }

    static String describe(IOException e) {
        if (e instanceof HttpTimeoutException) return "timed out (" + e.getMessage() + ")";
        if (e instanceof Retryable) return e.getMessage();
        String why = null;  // the HTTP client's ConnectException often says nothing itself; its cause does
        for (Throwable t = e; t != null && why == null; t = t.getCause()) why = t.getMessage();
        if (e instanceof ConnectException) return "cannot connect" + (why == null ? "" : " (" + why + ")");
        return e.getClass().getSimpleName() + (why == null ? "" : ": " + why);
    }

    @Override
    public void close() {
        http.close();
    }
}
