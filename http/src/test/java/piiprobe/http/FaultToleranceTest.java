package piiprobe.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.ModelUnavailableError;
import piiprobe.engine.StopRule;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a long audit meets on real servers: bursts of 429, answers slower than the timeout, a server that
 * dies and comes back. The caller must get complete results equal to the model's, or a
 * {@link ModelUnavailableError} once the retries are spent.
 */
class FaultToleranceTest {
    private final ToyModel model = new ToyModel();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
    }

    private static final List<int[]> PROMPTS = List.of(OpenAiModelTest.ids("abc"), OpenAiModelTest.ids("k"),
            OpenAiModelTest.ids("w"), OpenAiModelTest.ids("mn"), OpenAiModelTest.ids("s t"), OpenAiModelTest.ids("é"));
    private static final Decoding GREEDY = new Decoding.Greedy(20, 0);

    private CompletionsServer serve(int port) {
        CompletionsServer s = CompletionsServer.start(model, CompletionsServer.Options.defaults().withAddress("127.0.0.1", port));
        open.add(s);
        return s;
    }

    private OpenAiModel connect(URI base, Duration timeout, int retries) {
        return connect(base, timeout, retries, Duration.ofMillis(300));
    }

    private OpenAiModel connect(URI base, Duration timeout, int retries, Duration maxWait) {
        OpenAiModel m = OpenAiModel.connect(OpenAiModel.Options.of(base).withApiKey(null).withTokenizer(model.tokenizer())
                .withConcurrency(3).withTimeout(timeout).withRetries(retries, Duration.ofMillis(20), maxWait));
        open.add(m);
        return m;
    }

    private void assertEqualToModel(List<Generation> served) {
        List<Generation> direct = model.generate(PROMPTS, GREEDY, StopRule.NEVER);
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertArrayEquals(direct.get(i).best().newIds(), served.get(i).best().newIds(), "row " + i);
            assertEquals(direct.get(i).best().text(), served.get(i).best().text(), "row " + i);
        }
    }

    /**
     * Stands between client and server; {@code fault} may answer a completions request itself (return
     * true) before it is passed on. Streams are passed on as they come.
     */
    private URI proxy(URI backend, Fault fault) throws IOException {
        HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        proxy.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        proxy.createContext("/", ex -> {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                if (ex.getRequestURI().getPath().endsWith("/completions") && fault.answer(ex)) return;
                URI target = backend.resolve(ex.getRequestURI().getPath());
                HttpRequest.Builder request = HttpRequest.newBuilder(target).method(ex.getRequestMethod(),
                        body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
                HttpResponse<InputStream> r = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
                ex.sendResponseHeaders(r.statusCode(), 0);
                try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
                    byte[] buf = new byte[8192];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        proxy.start();
        open.add(() -> proxy.stop(0));
        return URI.create("http://127.0.0.1:" + proxy.getAddress().getPort() + "/v1");
    }

    interface Fault {
        boolean answer(HttpExchange ex) throws IOException, InterruptedException;
    }

    private static void reply(HttpExchange ex, int status, String header, String value) throws IOException {
        if (header != null) ex.getResponseHeaders().set(header, value);
        byte[] body = ("{\"error\":{\"message\":\"status " + status + "\",\"type\":\"x\",\"param\":null,\"code\":" + status + "}}").getBytes();
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    @Test
    void aBurstOf429IsWaitedOutAsRetryAfterAsks() throws Exception {
        URI base = proxy(serve(0).baseUri(), new Fault() {
            final AtomicInteger count = new AtomicInteger();

            public boolean answer(HttpExchange ex) throws IOException {
                int n = count.incrementAndGet();
                if (n == 1 || n > 9) return false; // the capability check passes; then 8 refusals
                reply(ex, 429, "Retry-After", "1");
                return true;
            }
        });
        OpenAiModel m = connect(base, Duration.ofSeconds(10), 5);
        long start = System.nanoTime();
        List<Generation> served = m.generate(PROMPTS, GREEDY, StopRule.NEVER);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEqualToModel(served);
        assertTrue(seconds >= 1.0, "Retry-After: 1 was not honoured; took " + seconds + " s");
    }

    @Test
    void answersSlowerThanTheTimeoutAreAbandonedAndRetried() throws Exception {
        AtomicInteger slow = new AtomicInteger();
        URI base = proxy(serve(0).baseUri(), ex -> {
            if (slow.incrementAndGet() > 1 && slow.get() <= 4) Thread.sleep(5000); // after the check, 3 stall
            return false;
        });
        OpenAiModel m = connect(base, Duration.ofMillis(1000), 5);
        long start = System.nanoTime();
        assertEqualToModel(m.generate(PROMPTS, GREEDY, StopRule.NEVER));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 4.5, "stalled requests were waited for; took " + seconds + " s");
    }

    @Test
    void aStreamThatFallsSilentIsAbandonedAndRetried() throws Exception {
        model.stepMillis = 0;
        AtomicInteger calls = new AtomicInteger();
        URI backend = serve(0).baseUri();
        URI base = proxy(backend, ex -> {
            if (calls.incrementAndGet() != 2) return false;
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write("data: {\"choices\":[]}\n\n".getBytes());
            ex.getResponseBody().flush();
            Thread.sleep(5000); // headers and one event, then silence
            return true;
        });
        OpenAiModel m = connect(base, Duration.ofMillis(800), 3);
        long start = System.nanoTime();
        assertEqualToModel(m.generate(PROMPTS, GREEDY, StopRule.NEVER));
        assertTrue((System.nanoTime() - start) / 1e9 < 4.5);
    }

    @Test
    void failuresThatOutlastTheRetriesSurfaceAsModelUnavailable() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        URI base = proxy(serve(0).baseUri(), ex -> {
            if (calls.incrementAndGet() == 1) return false;
            reply(ex, 503, null, null);
            return true;
        });
        OpenAiModel m = connect(base, Duration.ofSeconds(5), 2);
        ModelUnavailableError e = assertThrows(ModelUnavailableError.class, () -> m.generate(PROMPTS, GREEDY, StopRule.NEVER));
        assertTrue(e.getMessage().contains("after 3 tries") && e.getMessage().contains("HTTP 503"), e.getMessage());
    }

    @Test
    void aServerThatIsNotThereIsSaidToBeUnreachable() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();  // free now, and nothing listens on it once closed
        }
        URI nowhere = URI.create("http://127.0.0.1:" + port + "/v1");
        ModelUnavailableError e = assertThrows(ModelUnavailableError.class, () -> connect(nowhere, Duration.ofSeconds(5), 1));
        assertTrue(e.getMessage().startsWith("the server at " + nowhere + " did not answer models after 2 tries over 0 s; "
                + "last: cannot connect"), e.getMessage());
    }

    @Test
    void aServerKilledMidRunAndRestartedLosesNothing() throws Exception {
        model.stepMillis = 10;
        CompletionsServer first = serve(0);
        int port = first.port();
        // Waits of up to 1 s, 20 times: far longer than the restart takes, whatever the jitter draws.
        OpenAiModel m = connect(first.baseUri(), Duration.ofSeconds(10), 20, Duration.ofSeconds(1));
        Thread killer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(150);
                first.close();
                Thread.sleep(600);
                serve(port);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<int[]> many = new ArrayList<>();
        for (int i = 0; i < 4; i++) many.addAll(PROMPTS);
        List<Generation> served = m.generate(many, GREEDY, StopRule.NEVER);
        killer.join();
        model.stepMillis = 0;
        List<Generation> direct = model.generate(many, GREEDY, StopRule.NEVER);
        for (int i = 0; i < many.size(); i++) assertArrayEquals(direct.get(i).best().newIds(), served.get(i).best().newIds(), "row " + i);
        assertTrue(model.calls.size() > 2, "the run should have spanned both servers: " + model.calls);
    }
}
