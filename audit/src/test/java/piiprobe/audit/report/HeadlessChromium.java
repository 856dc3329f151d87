package piiprobe.audit.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket from java.net.http): it
 * opens a page, records every console message, uncaught exception, log entry and network request, runs
 * JavaScript in the page and takes full-page screenshots. The protocol tells these apart reliably,
 * where scraping Chromium's own log would depend on its wording.
 *
 * <p>Without Chromium the tests fail, saying how to install it; only {@code PIIPROBE_SKIP_CHROMIUM=1},
 * outside CI ({@code CI} unset), skips them.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    /** Every event the page sent, in order. */
    final List<JsonNode> events = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile CompletableFuture<Void> loaded = new CompletableFuture<>();

    private HeadlessChromium(Process process, WebSocket.Builder builder, URI page) {
        this.process = process;
        this.socket = builder.buildAsync(page, new Listener()).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** Starts Chromium with a fresh profile in {@code profile}, connected to its one blank page. */
    static HeadlessChromium start(Path profile) throws IOException, InterruptedException {
        String binary = find();
        Process p = new ProcessBuilder(binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--disable-extensions",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,900",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolveSibling("chromium.log").toFile()).start();
        // Chromium writes the port it chose to DevToolsActivePort in the profile
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
            if (!p.isAlive()) fail("chromium exited at start (" + p.exitValue() + "): " + Files.readString(profile.resolveSibling("chromium.log")));
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                fail("chromium did not open its DevTools port within " + TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
        int port = Integer.parseInt(Files.readAllLines(portFile).getFirst().strip());
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode t : targets)
            if (t.path("type").asText().equals("page"))
                return new HeadlessChromium(p, http.newWebSocketBuilder(), URI.create(t.get("webSocketDebuggerUrl").asText()));
        p.destroyForcibly();
        throw new IllegalStateException("chromium offered no page target: " + targets);
    }

    /** The Chromium binary on PATH, or the test fails (skips only when asked to, and never on CI). */
    private static String find() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome"))
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                if (Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
        boolean ci = System.getenv("CI") != null && !System.getenv("CI").isBlank() && !System.getenv("CI").equals("false");
        Assumptions.assumeFalse(!ci && "1".equals(System.getenv("PIIPROBE_SKIP_CHROMIUM")), "PIIPROBE_SKIP_CHROMIUM=1");
        return fail("Chromium is not installed: apt-get install -y chromium (as .ci/run does), or set PIIPROBE_SKIP_CHROMIUM=1 outside CI");
    }

    /** Opens {@code file} and waits until it has loaded; {@link #events} then holds this page's events only. */
    void open(Path file) {
        events.clear();
        loaded = new CompletableFuture<>();
        for (String domain : List.of("Page", "Runtime", "Log", "Network")) call(domain + ".enable", JSON.createObjectNode());
        call("Page.navigate", JSON.createObjectNode().put("url", file.toUri().toString()));
        loaded.orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** Evaluates {@code expression} in the page; returns its value (JSON-serialisable values only). */
    JsonNode evaluate(String expression) {
        JsonNode r = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression).put("returnByValue", true));
        if (r.has("exceptionDetails")) fail("the page's script failed: " + r.get("exceptionDetails"));
        return r.path("result").path("value");
    }

    /** A PNG of the whole page, at one device pixel per CSS pixel. */
    byte[] screenshot() {
        JsonNode size = call("Page.getLayoutMetrics", JSON.createObjectNode()).get("cssContentSize");
        ObjectNode clip = JSON.createObjectNode().put("x", 0).put("y", 0).put("width", size.get("width").asDouble())
                .put("height", size.get("height").asDouble()).put("scale", 1);
        ObjectNode params = JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
        params.set("clip", clip);
        return Base64.getDecoder().decode(call("Page.captureScreenshot", params).get("data").asText());
    }

    /** Console errors and warnings, uncaught exceptions and error log entries, as text; empty when the page is clean. */
    List<String> problems() {
        List<String> out = new ArrayList<>();
        synchronized (events) {
            for (JsonNode e : events) {
                String method = e.path("method").asText();
                JsonNode p = e.path("params");
                if (method.equals("Runtime.exceptionThrown")) out.add("exception: " + p.path("exceptionDetails"));
                if (method.equals("Runtime.consoleAPICalled") && List.of("error", "warning", "assert").contains(p.path("type").asText()))
                    out.add("console." + p.path("type").asText() + ": " + p.path("args"));
                if (method.equals("Log.entryAdded") && List.of("error", "warning").contains(p.path("entry").path("level").asText()))
                    out.add("log: " + p.path("entry"));
            }
        }
        return out;
    }

    /** The URLs the page requested, the page itself included. */
    List<String> requests() {
        List<String> out = new ArrayList<>();
        synchronized (events) {
            for (JsonNode e : events)
                if (e.path("method").asText().equals("Network.requestWillBeSent")) out.add(e.path("params").path("request").path("url").asText());
        }
        return out;
    }

    private JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        socket.sendText(message.toString(), true).join();
        JsonNode r = answer.orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        if (r.has("error")) fail(method + " failed: " + r.get("error"));
        return r.path("result");
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode m = JSON.readTree(partial.toString());
                    if (m.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                        if (f != null) f.complete(m);
                    } else {
                        events.add(m);
                        if (m.path("method").asText().equals("Page.loadEventFired")) loaded.complete(null);
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.abort();
        process.descendants().forEach(ProcessHandle::destroy);  // renderer and helper processes
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
