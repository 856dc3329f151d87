package piiprobe.http;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The server under a client nobody here wrote: the official {@code openai} npm package, driven by
 * src/test/node/openai-client.mjs. {@code .ci/run} installs it ({@code npm ci}); a machine without node
 * fails this test, unless {@code PIIPROBE_SKIP_NODE=1} says to skip it.
 */
class OpenAiNpmClientTest {
    private static final Path DIR = Path.of("src/test/node");

    @Test
    void theOfficialOpenAiPackageTalksToTheServer() throws IOException, InterruptedException {
        Assumptions.assumeFalse("1".equals(System.getenv("PIIPROBE_SKIP_NODE")), "PIIPROBE_SKIP_NODE=1");
        if (!Files.isDirectory(DIR.resolve("node_modules/openai")))
            fail("the openai package is not installed: run `npm ci --prefix http/src/test/node` (as .ci/run does), or set PIIPROBE_SKIP_NODE=1");
        try (CompletionsServer server = CompletionsServer.start(new ToyModel(),
                CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0))) {
            Process node;
            try {
                node = new ProcessBuilder("node", "openai-client.mjs", server.baseUri().toString())
                        .directory(DIR.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new AssertionError("node is not installed (install node 20, or set PIIPROBE_SKIP_NODE=1): " + e.getMessage(), e);
            }
            if (!node.waitFor(120, TimeUnit.SECONDS)) {
                node.destroyForcibly();
                fail("the node client did not finish within 120 s");
            }
            String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, node.exitValue(), output);
            assertTrue(output.endsWith("ok 7"), output);
        }
    }
}
